"""Extraction quality gate: real pages with hand-made truth (and the seed captures if present).

The measure is the project's line-level one, ``pipelines.cleaning.score`` (bench/bench_extract.py
scores other extractors with the same functions): text NFKC-normalised with all whitespace
removed, lines shorter than 2 characters ignored;
  recall    = characters of truth lines found in the output / characters of truth lines
  precision = characters of output lines found in the truth  / characters of output lines
macro-averaged over pages. Truth lines that are themselves page chrome (责任编辑/编辑/来源/纠错)
are not required.

FLOORS are pinned a little under what the extractor reaches. A change may raise them; it must
never lower them silently — lowering a floor needs a commit that says why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cleaning import clean_page
from pipelines.cleaning.score import macro, norm, precision_recall

HERE = Path(__file__).resolve().parent
PAGES = HERE / "fixtures" / "realpages"
SEEDS = HERE / "fixtures" / "seeds"

# Reached: precision 0.951, recall 0.984 (69 pages). Raise, never silently lower.
FLOOR_PRECISION = 0.94
FLOOR_RECALL = 0.974


def test_the_measure_on_a_page_worked_by_hand():
    truth = "各位代表：\n现在 我代表市政府\n\n责任编辑：张三\n一\n"
    # truth lines 各位代表:(5) 现在我代表市政府(8); 责任编辑 is not required; 一 (1 character) ignored
    assert precision_recall(truth, "") == (0.0, 0.0)
    assert precision_recall(truth, "现在我代表市政府") == (1.0, 8 / 13)
    # full-/half-width forms and whitespace do not count; chrome kept costs precision
    assert precision_recall(truth, "各位代表:\n现在我代表市政府\n分享到微信") == (13 / 18, 1.0)
    assert macro([(1.0, 0.5), (0.5, 1.0)]) == (0.75, 0.75, 0.75)
    with pytest.raises(ValueError):
        macro([])


def _page_names() -> list[str]:
    return sorted(p.stem for p in (PAGES / "html").glob("*.html"))


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    out = {}
    for name in _page_names():
        body = (PAGES / "html" / f"{name}.html").read_bytes()
        out[name] = clean_page(body, f"http://example.com/{name}.html")
    return out


def test_gold_set_is_present():
    assert len(_page_names()) >= 60


def test_macro_precision_and_recall_above_floor(results):
    scores, worst = [], []
    for name, doc in results.items():
        truth = (PAGES / "truth" / f"{name}.txt").read_text(encoding="utf-8", errors="replace")
        p, r = precision_recall(truth, doc["text"])
        scores.append((p, r))
        worst.append((min(p, r), name, round(p, 2), round(r, 2)))
    p, r, _ = macro(scores)
    worst.sort()
    detail = f"precision={p:.3f} recall={r:.3f}; worst pages: {worst[:5]}"
    assert p >= FLOOR_PRECISION, detail
    assert r >= FLOOR_RECALL, detail


def test_no_mojibake_on_any_page(results):
    bad = [
        n
        for n, d in results.items()
        if d["mojibake"] or "\ufffd" in d["text"] or "\ufffd" in (d["title"] or "")
    ]
    assert not bad


def test_every_page_yields_text(results):
    assert all(len(d["text"]) > 50 for d in results.values())


@pytest.mark.skipif(
    not (SEEDS / "truth.json").exists(), reason="seed captures not copied into tests/fixtures/seeds"
)
def test_seeds_no_chrome_left_no_body_lost():
    truth = json.loads((SEEDS / "truth.json").read_text(encoding="utf-8"))
    for name, t in truth.items():
        path = SEEDS / name
        doc = clean_page(path.read_bytes(), path.resolve().as_uri())
        text = doc["text"]
        all_text = norm(text)
        out_lines = {norm(x) for x in text.splitlines()}
        chrome = [norm(c) for c in t["chrome"]]
        neutral = {norm(c) for c in t["neutral"]}
        left = [c for c in chrome if (c in out_lines if len(c) <= 8 else c in all_text)]
        body = [
            n
            for n in (norm(x) for x in path.read_text(encoding="utf-8").splitlines())
            if n and n not in chrome and n not in neutral
        ]
        lost = [b for b in body if b not in all_text]
        assert not left, (name, left)
        assert not lost, (name, lost[:3])
        assert not doc["mojibake"]
