"""Dedupe quality on the labelled set (tests/fixtures/dedupe/labelled.jsonl, built by
tools/build_dedupe_set.py): pairwise precision and recall of the grouping, no merge of hard
negatives, the canonical copy, the duplicate kind, rebuild and insertion-order independence."""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from archive.db import open_db
from archive.dedupe import Deduper
from pipelines.cleaning import text_hash

LABELLED = Path(__file__).resolve().parent / "fixtures" / "dedupe" / "labelled.jsonl"
PRECISION = 0.99
RECALL = 0.97
KIND_ACCURACY = 0.9


def load() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


DOCS = load()
BY_ID = {d["id"]: d for d in DOCS}


# -- pairwise scoring -----------------------------------------------------------------------------
def same_group_pairs(assign: dict[str, str]) -> set[frozenset]:
    """Unordered pairs of items that share a group in ``assign`` (item → group)."""
    groups: dict[str, list[str]] = {}
    for item, g in assign.items():
        groups.setdefault(g, []).append(item)
    return {frozenset(p) for members in groups.values() for p in combinations(sorted(members), 2)}


def pairwise_scores(pred: dict[str, str], gold: dict[str, str]) -> dict:
    """Pairwise precision / recall of a predicted grouping against the labelled one."""
    p, g = same_group_pairs(pred), same_group_pairs(gold)
    tp = len(p & g)
    return {
        "precision": tp / len(p) if p else 1.0,
        "recall": tp / len(g) if g else 1.0,
        "tp": tp,
        "fp": sorted(tuple(sorted(x)) for x in p - g),
        "fn": sorted(tuple(sorted(x)) for x in g - p),
    }


def partition(assign: dict[str, str]) -> set[frozenset]:
    groups: dict[str, set[str]] = {}
    for item, g in assign.items():
        groups.setdefault(g, set()).add(item)
    return {frozenset(m) for m in groups.values()}


GOLD = {d["id"]: d["group"] for d in DOCS}
HARD_GROUPS = {d["group"] for d in DOCS if d["variant"].startswith("hard-negative")}


def hard_merges(pred: dict[str, str]) -> list[tuple[str, str]]:
    """Predicted pairs joining two labelled groups where either is a hard negative."""
    return [
        tuple(sorted(x))
        for x in same_group_pairs(pred)
        if len({GOLD[i] for i in x}) == 2 and {GOLD[i] for i in x} & HARD_GROUPS
    ]


def describe(scores: dict, limit: int = 15) -> str:
    def show(pair):
        a, b = (BY_ID[i] for i in pair)
        return (
            f"  {a['id']} [{a['variant']}, {a['city']} {a['year']}] ~ "
            f"{b['id']} [{b['variant']}, {b['city']} {b['year']}]"
        )

    lines = [
        f"precision {scores['precision']:.4f} recall {scores['recall']:.4f} tp {scores['tp']}",
        f"false merges ({len(scores['fp'])}):",
        *map(show, scores["fp"][:limit]),
        f"missed links ({len(scores['fn'])}):",
        *map(show, scores["fn"][:limit]),
    ]
    missed = Counter(
        BY_ID[i]["variant"] for pair in scores["fn"] for i in pair if BY_ID[i]["kind"] != "canonical"
    )
    if missed:
        lines.append("missed by variant: " + ", ".join(f"{k} {v}" for k, v in missed.most_common()))
    return "\n".join(lines)


# -- the labelled set itself (no engine needed) -----------------------------------------------------
def test_pairwise_helper():
    gold = {"a": "1", "b": "1", "c": "1", "d": "2"}
    assert pairwise_scores(gold, gold)["precision"] == pairwise_scores(gold, gold)["recall"] == 1.0
    s = pairwise_scores({"a": "x", "b": "x", "c": "y", "d": "y"}, gold)  # pairs ab, cd vs ab, ac, bc
    assert s["tp"] == 1 and s["precision"] == 0.5 and s["recall"] == pytest.approx(1 / 3)
    singletons = {k: k for k in gold}
    assert pairwise_scores(singletons, gold) == {
        "precision": 1.0,
        "recall": 0.0,
        "tp": 0,
        "fp": [],
        "fn": [("a", "b"), ("a", "c"), ("b", "c")],
    }


def test_labelled_set_shape():
    groups = Counter(d["group"] for d in DOCS)
    assert len(DOCS) >= 120
    assert sum(n >= 2 for n in groups.values()) >= 30
    assert sum(d["group"] in HARD_GROUPS for d in DOCS) >= 30
    assert len({d["url"] for d in DOCS}) == len(DOCS) and len(BY_ID) == len(DOCS)
    kinds = {"canonical", "exact", "near", "excerpt"}
    for g in groups:
        members = [d for d in DOCS if d["group"] == g]
        canon = [d for d in members if d["kind"] == "canonical"]
        assert len(canon) == 1, g
        for d in members:
            assert d["kind"] in kinds, d["id"]
            same = text_hash(d["text"]) == text_hash(canon[0]["text"])
            assert same == (d["kind"] in ("canonical", "exact")), (d["id"], d["kind"])
            if d["kind"] == "excerpt":
                assert len(d["text"]) < len(canon[0]["text"]), d["id"]
    variants = Counter(d["variant"].split(":")[0] for d in DOCS)
    for v in (
        "chrome-swap",
        "star-damage",
        "truncated",
        "section-excerpt",
        "layout-breaks",
        "small-edit",
        "exact-copy",
        "hard-negative",
    ):
        assert variants[v] >= 3, v
    assert all(d["masked_chars"] > 0 for d in DOCS if "star-damage" in d["variant"])
    assert all(d["truncated"] for d in DOCS if d["variant"] in ("truncated", "chrome-swap+truncated"))


# -- the engine ---------------------------------------------------------------------------------------
def load_archive(path: Path, docs: list[dict]):
    """A fresh archive holding ``docs`` in this order; returns (db, {row id: labelled id})."""
    db = open_db(path)
    ids = {}
    for d in docs:
        row = {
            "url": d["url"],
            "source": d["source"],
            "title": d["title"],
            "text": d["text"],
            "city": d["city"],
            "province": d["province"],
            "year": d["year"],
            "admin_code": d["admin_code"],
            "doc_type": d["doc_type"],
            "masked_chars": d["masked_chars"],
            "truncated": int(bool(d["truncated"])),
            "mojibake": int(bool(d["mojibake"])),
            "text_hash": text_hash(d["text"]),
            "chars": len(d["text"]),
            "pages": 1,
        }
        doc_id = db["documents"].insert(row).last_pk
        db.execute("UPDATE documents SET canonical_id = ? WHERE id = ?", [doc_id, doc_id])  # as save_document
        ids[doc_id] = d["id"]
    db.conn.commit()
    return db, ids


def grouping(db, ids: dict[int, str]) -> tuple[dict[str, str], dict[str, str | None], dict[str, str]]:
    """(labelled id → predicted group key, labelled id → duplicate_kind, labelled id → its canonical)."""
    pred, kind, canon = {}, {}, {}
    for doc_id, canonical_id, dkind in db.execute("SELECT id, canonical_id, duplicate_kind FROM documents"):
        lid = ids[doc_id]
        c = canonical_id if canonical_id is not None else doc_id
        pred[lid], kind[lid], canon[lid] = str(c), dkind, ids.get(c, f"?{c}")
    return pred, kind, canon


def run(tmp_path: Path, docs: list[dict], name: str):
    db, ids = load_archive(tmp_path / f"{name}.db", docs)
    ded = Deduper(db)
    for doc_id in ids:  # insertion order = the order of ``docs``
        ded.add(doc_id)
    db.conn.commit()
    return db, ded, ids


def check_quality(pred: dict[str, str], label: str) -> dict:
    scores = pairwise_scores(pred, GOLD)
    merges = hard_merges(pred)
    report = f"[{label}]\n" + describe(scores)
    assert not merges, f"hard negatives merged: {merges[:10]}\n{report}"
    assert scores["precision"] >= PRECISION, report
    assert scores["recall"] >= RECALL, report
    return scores


def check_canonicals(canon: dict[str, str]) -> list[str]:
    """Each predicted group's canonical must be its labelled canonical (or an exact copy of it)."""
    bad = []
    for lid, c in canon.items():
        d = BY_ID[lid]
        if c not in BY_ID:
            bad.append(f"{lid}: canonical {c} is not a document")
            continue
        labelled = next(x for x in DOCS if x["group"] == d["group"] and x["kind"] == "canonical")
        if BY_ID[c]["group"] != d["group"]:
            continue  # a grouping error, reported by precision/recall
        if c != labelled["id"] and BY_ID[c]["kind"] != "exact":
            bad.append(
                f"{lid} ({d['variant']}): canonical {c} ({BY_ID[c]['variant']}, {BY_ID[c]['kind']}), "
                f"labelled {labelled['id']}"
            )
    return sorted(set(bad))


def kind_report(kind: dict[str, str | None], canon: dict[str, str]) -> tuple[float, str]:
    """Accuracy of duplicate_kind against the labels (the canonical counts as kind 'canonical').
    When the engine's canonical is an exact copy of the labelled one, the two swap roles: fine."""

    def label(i: str) -> str:
        k, c = BY_ID[i]["kind"], canon[i]
        if (
            k in ("canonical", "exact")
            and c in BY_ID
            and BY_ID[c]["kind"] == "exact"
            and BY_ID[c]["group"] == BY_ID[i]["group"]
        ):
            return "canonical" if c == i else "exact"
        return k

    confusion = Counter((label(i), kind[i] or "canonical") for i in kind)
    ok = sum(n for (a, b), n in confusion.items() if a == b)
    acc = ok / sum(confusion.values())
    table = "\n".join(f"  label {a:9} → engine {b:9}: {n}" for (a, b), n in sorted(confusion.items()))
    wrong = [
        f"  {i} ({BY_ID[i]['variant']}): {label(i)} → {kind[i]}"
        for i in sorted(kind)
        if label(i) != (kind[i] or "canonical")
    ]
    return acc, f"kind accuracy {acc:.3f}\n{table}\n" + "\n".join(wrong[:30])


@pytest.fixture(scope="module")
def file_order(tmp_path_factory):
    db, ded, ids = run(tmp_path_factory.mktemp("dedupe"), DOCS, "file-order")
    yield db, ded, ids
    db.conn.close()


def test_grouping_precision_recall(file_order):
    db, _, ids = file_order
    pred, _, _ = grouping(db, ids)
    scores = check_quality(pred, "file order")
    print(f"file order: precision {scores['precision']:.4f} recall {scores['recall']:.4f}")


def test_canonical_is_best_copy(file_order):
    db, _, ids = file_order
    _, _, canon = grouping(db, ids)
    bad = check_canonicals(canon)
    assert not bad, "wrong canonical copies:\n" + "\n".join(bad[:30])


def test_duplicate_kinds(file_order):
    db, _, ids = file_order
    _, kind, canon = grouping(db, ids)
    acc, report = kind_report(kind, canon)
    print(report)
    assert acc >= KIND_ACCURACY, report


@pytest.mark.parametrize("workers,batch", [(0, 500), (1, 16)], ids=["in-process", "sketching-process"])
def test_rebuild_gives_the_same_groups(tmp_path, workers, batch):
    """``archive dedupe`` recomputes the groups the crawl built one by one — in this process, or
    with a sketching process feeding many batches (the path of a large archive)."""
    db, ded, ids = run(tmp_path, DOCS, "rebuild")
    before = grouping(db, ids)
    ded.rebuild(workers=workers, batch=batch)
    db.conn.commit()
    after = grouping(db, ids)
    assert partition(after[0]) == partition(before[0]), "rebuild() changed the groups:\n" + describe(
        pairwise_scores(after[0], before[0])
    )
    check_quality(after[0], "after rebuild")
    assert after[2] == before[2], "rebuild() changed canonicals"
    assert after[1] == before[1], "rebuild() changed duplicate kinds"


@pytest.mark.parametrize("seed", [7, 2024])
def test_insertion_order_does_not_matter(tmp_path, file_order, seed):
    docs = list(DOCS)
    random.Random(seed).shuffle(docs)
    db, _, ids = run(tmp_path, docs, f"shuffled-{seed}")
    pred, _, canon = grouping(db, ids)
    check_quality(pred, f"shuffled (seed {seed})")
    fdb, _, fids = file_order
    assert partition(pred) == partition(grouping(fdb, fids)[0]), (
        "another insertion order gives another partition:\n"
        + describe(pairwise_scores(pred, grouping(fdb, fids)[0]))
    )
    bad = check_canonicals(canon)
    assert not bad, f"wrong canonical copies (seed {seed}):\n" + "\n".join(bad[:30])
