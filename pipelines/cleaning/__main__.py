"""Dev CLI: ``python -m pipelines.cleaning FILE [--url URL] [--json] [--profile P] [--content-type T]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m pipelines.cleaning",
                                 description="Clean one saved page (.html, any encoding) or text file (.txt).",
                                 epilog="example: python -m pipelines.cleaning page.html --url http://x.gov.cn/a.html --json")
    ap.add_argument("file", nargs="+", help="saved page(s); several files = pages of one article, in order")
    ap.add_argument("--url", help="the page's URL (default: the file's URI)")
    ap.add_argument("--content-type", help="HTTP Content-Type header to assume")
    ap.add_argument("--profile", help="CMS profile name (see profiles.py)")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = ap.parse_args(argv)

    from . import RawPage, clean_document

    pages = []
    for i, f in enumerate(args.file):
        p = Path(f)
        try:
            body = p.read_bytes()
        except OSError as e:
            print(f"cannot read {f}: {e}", file=sys.stderr)
            return 2
        url = args.url if (args.url and i == 0) else p.resolve().as_uri()
        pages.append(RawPage(body, url, args.content_type))
    doc = clean_document(pages, profile=args.profile)
    if args.json:
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
    sys.exit(main())
