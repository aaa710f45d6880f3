"""``import-diff``: the change report between two catalogue directories (two imports)."""

from __future__ import annotations

import argparse
from pathlib import Path

from indexer.portal.diff import diff_catalogues, render_text, write_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import-diff",
        help="what changed between two catalogue dirs: new, amended, abolished, unchanged",
    )
    p.add_argument("old", type=Path, metavar="OLD_DIR",
                   help="the earlier catalogue (import-portal --out, or a province profile)")
    p.add_argument("new", type=Path, metavar="NEW_DIR", help="the later catalogue")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="at most N lines per section in the summary (default: 50)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = diff_catalogues(args.old, args.new)
    print(render_text(report, limit=args.limit))
    if args.json:
        write_json(report, args.json)
        print(f"\nJSON report: {args.json}")
    return 0
