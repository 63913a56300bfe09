"""Dev CLI: ``python -m pipelines.cleaning FILE [--url URL] [--json] [--profile P] [--content-type T]``."""

from __future__ import annotations

import sys


class _Page:
    """Same fields as RawPage, without importing dataclasses (start-up time counts)."""

    __slots__ = ("body", "url", "content_type")

    def __init__(self, body: bytes, url: str, content_type: str | None) -> None:
        self.body, self.url, self.content_type = body, url, content_type


def _quick_args(argv: list[str]) -> dict | None:
    """The common case (FILE... [--url U] [--json]) without argparse; None → use argparse."""
    out: dict = {"file": [], "url": None, "content_type": None, "profile": None, "json": False}
    it = iter(argv)
    for a in it:
        if a == "--json":
            out["json"] = True
        elif a in ("--url", "--content-type", "--profile"):
            v = next(it, None)
            if v is None:
                return None
            out[a[2:].replace("-", "_")] = v
        elif a.startswith("-"):
            return None
        else:
            out["file"].append(a)
    return out if out["file"] else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quick = _quick_args(argv)
    if quick is not None:
        return _run(quick)
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m pipelines.cleaning",
        description="Clean one saved page (.html, any encoding) or text file (.txt).",
        epilog="example: python -m pipelines.cleaning page.html --url http://x.gov.cn/a.html --json",
    )
    ap.add_argument("file", nargs="+", help="saved page(s); several files = pages of one article, in order")
    ap.add_argument("--url", help="the page's URL (default: the file's URI)")
    ap.add_argument("--content-type", help="HTTP Content-Type header to assume")
    ap.add_argument("--profile", help="CMS profile name (see profiles.py)")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return _run(vars(ap.parse_args(argv)))


def _file_uri(path: str) -> str:
    import os
    from urllib.parse import quote

    return "file://" + quote(os.path.realpath(path))


def _run(args: dict) -> int:
    import json

    from .core import clean_document

    pages = []
    for i, f in enumerate(args["file"]):
        try:
            with open(f, "rb") as fh:
                body = fh.read()
        except OSError as e:
            print(f"cannot read {f}: {e}", file=sys.stderr)
            return 2
        url = args["url"] if (args["url"] and i == 0) else _file_uri(f)
        pages.append(_Page(body, url, args["content_type"]))
    doc = clean_document(pages, profile=args["profile"])
    if args["json"]:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return 0
    for key, value in doc.items():
        if key in ("text", "removed"):
            continue
        print(f"{key}: {value}")
    print(f"removed ({len(doc['removed'])}):")
    for r in doc["removed"]:
        print(f"  [{r['rule']}] {r['line'][:100]}")
    print("-" * 60)
    print(doc["text"])
    return 0


if __name__ == "__main__":
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `… | head` closed the pipe: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    sys.exit(code)
