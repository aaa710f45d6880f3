"""``python -m api migrate`` (upgrade the database), ``python -m api serve`` (uvicorn) or
``python -m api agents ...`` (agent accounts, see ``api.agents.cli``), ``python -m api retention``
and ``python -m api demo-traffic`` (the office's data, see ``api.office.cli``)."""

from __future__ import annotations

import argparse
import logging
import sys

from api.agents import cli as agents_cli
from api.office import cli as office_cli
from api.settings import ApiSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api", description="TTHC assistant API.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("migrate", help="upgrade the conversation store to the newest migration")
    serve = sub.add_parser("serve", help="run the API with uvicorn")
    serve.add_argument("--host", default=None, help="default: API_HOST")
    serve.add_argument("--port", type=int, default=None, help="default: API_PORT")
    serve.add_argument("--workers", type=int, default=1)
    agents_cli.add_parser(sub)
    office_cli.add_parsers(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = ApiSettings()
    if args.command == "agents":
        return agents_cli.run(args, settings)
    if args.command in {"retention", "demo-traffic"}:
        return office_cli.run(args, settings)
    if args.command == "migrate":
        from api.db.engine import migrate

        migrate(settings.database_url)
        print("database is at the newest migration")
        return 0
    if args.workers > 1 and not settings.redis_url:
        print("python -m api serve: several workers need API_REDIS_URL (rate limits, webhook "
              "de-duplication and conversation events are shared through Redis; without it "
              "each worker would keep its own and replayed or concurrent messages would slip "
              "through)", file=sys.stderr)
        return 2
    import uvicorn

    uvicorn.run("api.main:app", host=args.host or settings.host, port=args.port or settings.port,
                workers=args.workers, log_level="info",
                timeout_graceful_shutdown=settings.shutdown_grace_seconds)  # SSE streams stay open
    return 0


if __name__ == "__main__":
    sys.exit(main())
