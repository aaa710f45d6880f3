"""``import-portal``: turn the national portal's records into catalogue files outside the repo."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from indexer.portal.importer import check_out_dir, run_import, write_catalogue, write_report


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import-portal",
        help="import official portal records (JSON crawl, Word exports) into a catalogue dir",
    )
    p.add_argument("sources", nargs="+", type=Path, metavar="SRC",
                   help="files or directories (dvc-json/, dvc-docx/, dvc-bqp/)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="output catalogue directory; must be outside the repository")
    p.add_argument("--report", type=Path, metavar="FILE",
                   help="JSON report (default: DIR/import-report.json)")
    p.add_argument("--jobs", type=int, default=None, help="parser processes (default: 2)")
    p.add_argument("--prune", action="store_true",
                   help="remove files an earlier import wrote that this import no longer has")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = check_out_dir(args.out)
    report = check_out_dir(args.report) if args.report else out / "import-report.json"
    progress = not args.no_progress
    result = run_import(args.sources, jobs=args.jobs, progress=progress)
    written = write_catalogue(result, out, progress=progress, prune=args.prune)
    write_report(result, report)
    summary = result.summary()
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    reasons = Counter(f.reason.split(":")[0] for f in result.failures)
    for reason, count in reasons.most_common(10):
        print(f"not imported ({count}): {reason}")
    print(f"wrote {written} procedures to {out / 'procedures'}; report: {report}")
    return 0 if result.procedures else 1
