"""``python -m api retention`` and ``python -m api demo-traffic`` (issue 14)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

from api.settings import ApiSettings


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("retention", help="delete conversations, feedback and ratings older "
                                         "than API_RETENTION_DAYS; erase old PAKN contacts")
    p.add_argument("--days", type=int, default=None, help="default: API_RETENTION_DAYS (180)")
    p.add_argument("--dry-run", action="store_true", help="count, change nothing")
    p = sub.add_parser("demo-traffic", help="fill an EMPTY database with synthetic "
                                            "conversations for the office dashboard (demo rows)")
    p.add_argument("--conversations", type=int, default=400)
    p.add_argument("--days", type=int, default=30, help="spread over the last N days")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--if-empty", action="store_true",
                   help="do nothing (exit 0) when the database already has conversations")


def run(args: argparse.Namespace, settings: ApiSettings) -> int:
    from api.db.engine import make_engine, make_session_factory, migrate

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            if args.command == "retention":
                from api.office.retention import apply_retention, cutoff_for

                days = args.days if args.days is not None else settings.retention_days
                if days < 1:
                    print("retention: --days must be at least 1")
                    return 2
                report = apply_retention(db, cutoff=cutoff_for(datetime.now(timezone.utc), days),
                                         dry_run=args.dry_run)
                print(json.dumps({"days": days, "dry_run": args.dry_run, **report.as_dict()},
                                 ensure_ascii=False))
                return 0
            from api.office.demo import DemoError, fill_demo_traffic

            try:
                made = fill_demo_traffic(db, settings=settings, conversations=args.conversations,
                                         days=args.days, seed=args.seed)
            except DemoError as exc:
                if args.if_empty:
                    print(f"demo-traffic: skipped ({exc})")
                    return 0
                print(f"demo-traffic: {exc}")
                return 1
            print(json.dumps(made, ensure_ascii=False))
            return 0
    finally:
        engine.dispose()
