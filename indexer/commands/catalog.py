"""``validate``, ``catalog`` and ``schema``: check, list and describe the catalogue."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from indexer.catalog.expiry import WARN_DAYS
from indexer.catalog.jsonschema import write_schemas
from indexer.catalog.loader import load_catalog
from indexer.catalog.validate import validate_catalog

REPO = Path(__file__).resolve().parents[2]
DEFAULT_KNOWLEDGE = REPO / "knowledge"
DEFAULT_REQUIRED = DEFAULT_KNOWLEDGE / "required_procedures.txt"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("validate", help="check the catalogue and report every problem")
    p.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE, metavar="DIR",
                   help="catalogue directory (default: knowledge/)")
    p.add_argument("--required", type=Path, default=DEFAULT_REQUIRED, metavar="FILE",
                   help="names that must resolve (default: knowledge/required_procedures.txt)")
    p.add_argument("--no-required", action="store_true",
                   help="skip the required-names check (e.g. for an imported catalogue)")
    p.add_argument("--warn-days", type=int, default=WARN_DAYS, metavar="N",
                   help=f"warn about temporary fee rates ending within N days "
                        f"(default: {WARN_DAYS})")
    p.add_argument("--today", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                   help="judge temporary fees as of this date (default: today)")
    p.add_argument("--strict", action="store_true",
                   help="fail (exit 1) on warnings too, e.g. an expired temporary fee")
    p.set_defaults(func=run_validate)

    p = subparsers.add_parser("catalog", help="list the procedures (one line each)")
    p.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE, metavar="DIR")
    p.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    p.set_defaults(func=run_catalog)

    p = subparsers.add_parser("schema", help="export the JSON Schema to knowledge/schema/")
    p.add_argument("--out", type=Path, default=DEFAULT_KNOWLEDGE / "schema", metavar="DIR")
    p.set_defaults(func=run_schema)


def run_validate(args: argparse.Namespace) -> int:
    required = None if args.no_required else args.required
    report = validate_catalog(args.knowledge, required=required, today=args.today,
                              warn_days=args.warn_days)
    for warning in report.warnings:
        print(f"warning: {warning}")
    if report.ok:
        print(report.summary())
        if report.warnings and args.strict:
            print(f"{len(report.warnings)} warning(s) and --strict", file=sys.stderr)
            return 1
        return 0
    for problem in report.problems:
        print(problem)
    print(f"{len(report.problems)} problem(s) found", file=sys.stderr)
    return 1


def run_catalog(args: argparse.Namespace) -> int:
    try:
        return _print_catalog(args)
    except BrokenPipeError:  # e.g. piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _print_catalog(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.knowledge)
    rows = [
        {
            "id": p.id,
            "code": p.code,
            "name": p.name,
            "aliases": p.aliases,
            "status": p.status.state.value,
            "field": p.field,
        }
        for p in catalog.procedures
    ]
    if args.format == "jsonl":
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    width = max((len(r["id"]) for r in rows), default=2)
    print(f"{'id':<{width}}  {'code':<8}  {'status':<9}  {'field':<24}  name")
    for r in rows:
        print(f"{r['id']:<{width}}  {r['code'] or '-':<8}  {r['status']:<9}  "
              f"{r['field'][:24]:<24}  {r['name']}")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    for path in write_schemas(args.out):
        print(f"wrote {path}")
    return 0
