"""``profile``: a province's catalogue from its list, the portal records and ``knowledge/``."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from indexer.catalog.loader import load_catalog
from indexer.catalog.schema import Procedure
from indexer.errors import IndexerError
from indexer.settings import IndexerSettings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "profile",
        help="build a province's catalogue: its procedure list (xlsx), filled from the portal "
             "records, curated knowledge/ records winning",
    )
    p.add_argument("--list", type=Path, required=True, metavar="XLSX",
                   help="the province's procedure list (Mã TTHC, TÊN TTHC, LĨNH VỰC ...)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--portal", type=Path, nargs="+", metavar="SRC",
                     help="portal record files or directories to import (dvc-json/, dvc-docx/, "
                          "dvc-bqp/)")
    src.add_argument("--imported", type=Path, metavar="DIR",
                     help="a catalogue directory written earlier by import-portal")
    p.add_argument("--curated", type=Path, metavar="DIR",
                   help="curated catalogue (default: INDEXER_KNOWLEDGE_DIR, i.e. knowledge/)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="output catalogue directory (outside the repository or under var/)")
    p.add_argument("--name", help="profile name for the report (default: the list's file name)")
    p.add_argument("--listed-only", action="store_true",
                   help="leave out the curated procedures the list does not name")
    p.add_argument("--jobs", type=int, default=None, help="parser processes for --portal")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    p.set_defaults(func=run)


def _imported(args: argparse.Namespace) -> dict[str, Procedure]:
    if args.portal:
        from indexer.portal.importer import run_import

        result = run_import(args.portal, jobs=args.jobs, progress=not args.no_progress)
        return dict(result.procedures)
    if not (args.imported / "procedures").is_dir():
        raise IndexerError(f"{args.imported}: no procedures/ directory (run import-portal first)")
    return {p.code: p for p in load_catalog(args.imported).procedures if p.code}


def run(args: argparse.Namespace) -> int:
    from indexer.province.listing import read_province_list
    from indexer.province.profile import build_profile
    from indexer.province.write import REPORT, write_profile

    curated_root = args.curated or IndexerSettings().knowledge_dir
    listing = read_province_list(args.list)
    curated = load_catalog(curated_root).procedures
    profile = build_profile(args.name or args.list.stem, listing, imported=_imported(args),
                            curated=curated, include_unlisted_curated=not args.listed_only)
    out = write_profile(profile, args.out, curated_root=curated_root)
    summary = profile.summary()
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    unserved = Counter(r.outcome for r in profile.rows
                       if r.outcome not in ("curated", "imported", "renamed"))
    for outcome, count in unserved.most_common():
        print(f"not served ({count}): {outcome}")
    print(f"wrote {len(profile.procedures)} procedures to {out / 'procedures'}; "
          f"report: {out / REPORT}")
    print(f"next: python -m indexer validate --knowledge {out} --no-required && "
          f"python -m indexer build --knowledge {out} --index <index dir>")
    return 0 if profile.procedures else 1
