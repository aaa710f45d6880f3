"""``python -m api.dossiers import FILE.csv|FILE.jsonl`` and
``python -m api.dossiers demo --count 1000 --out FILE.jsonl``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from api.settings import REPO, ApiSettings

SUFFIXES = (".csv", ".jsonl", ".ndjson")


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def cmd_import(args: argparse.Namespace) -> int:
    from api.db.engine import make_engine, make_session_factory, migrate
    from api.dossiers.importer import CatalogueLinker, ImportFormatError, import_file
    from indexer.catalog.loader import load_catalog

    settings = ApiSettings()
    url = args.database_url or settings.database_url
    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} does not exist", file=sys.stderr)
        return 2
    if path.suffix.lower() not in SUFFIXES:
        print(f"error: {path}: expected .csv or .jsonl", file=sys.stderr)
        return 2
    if not args.dry_run:
        migrate(url)
    engine = make_engine(url)
    linker = CatalogueLinker(load_catalog(args.knowledge).procedures) if args.knowledge else None
    total = max(_count_lines(path) - (1 if path.suffix.lower() == ".csv" else 0), 0)
    try:
        with tqdm(total=total, unit="row", desc="import", disable=args.quiet) as bar:
            report = import_file(path, session_factory=make_session_factory(engine),
                                 key=settings.resolve_salt(), linker=linker,
                                 dry_run=args.dry_run, progress=bar)
    except ImportFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for bad in report.bad:
        print(f"{path}:{bad.line}: {bad.reason}", file=sys.stderr)
    verb = "validated" if args.dry_run else "imported"
    print(f"{report.read} rows read, {report.imported} {verb}, {report.linked} linked to the "
          f"catalogue, {len(report.bad)} bad")
    return 1 if report.bad else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from api.dossiers.demo import DemoOptions, generate
    from api.dossiers.record import VIETNAM
    from indexer.catalog.loader import load_catalog

    procedures = load_catalog(args.knowledge).procedures
    as_of = (datetime.fromisoformat(args.as_of).replace(tzinfo=VIETNAM) if args.as_of
             else datetime.now(VIETNAM).replace(second=0, microsecond=0))
    options = DemoOptions(count=args.count, seed=args.seed, as_of=as_of)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in tqdm(generate(procedures, options), total=args.count, unit="row",
                        desc="demo", disable=args.quiet):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(out)
    print(f"{args.count} demo dossiers over {len(procedures)} procedures -> {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.dossiers",
                                     description="Dossier store: import and demo data.")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="validate and import a CSV or JSONL export")
    imp.add_argument("file")
    imp.add_argument("--database-url", help="default: API_DATABASE_URL")
    imp.add_argument("--knowledge", type=Path, default=REPO / "knowledge",
                     help="catalogue used to link procedures (default: knowledge/)")
    imp.add_argument("--dry-run", action="store_true", help="validate only")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=cmd_import)
    demo = sub.add_parser("demo", help="write realistic demo dossiers as JSONL")
    demo.add_argument("--count", type=int, default=1000)
    demo.add_argument("--out", required=True)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--as-of", help="reference time, ISO (default: now, Vietnam time)")
    demo.add_argument("--knowledge", type=Path, default=REPO / "knowledge")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
