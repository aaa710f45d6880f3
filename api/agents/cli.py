"""``python -m api agents add|list|disable|enable|password|token|revoke``.

Passwords are read from a hidden prompt, from ``API_AGENT_PASSWORD`` or, with
``--password-stdin``, from the first line of standard input; never from an argument (it would
land in the shell history). API tokens are printed once.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from api.agents import store
from api.agents.models import AgentRole
from api.agents.passwords import WeakPasswordError
from api.db.engine import make_engine, make_session_factory, migrate
from api.settings import ApiSettings

PASSWORD_ENV = "API_AGENT_PASSWORD"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    agents = sub.add_parser("agents", help="manage hotline agent accounts")
    cmds = agents.add_subparsers(dest="agents_command", required=True, metavar="ACTION")
    add = cmds.add_parser("add", help="create an agent account")
    add.add_argument("login")
    add.add_argument("--name", default=None, help="display name (default: the login)")
    add.add_argument("--role", choices=[r.value for r in AgentRole], default="agent")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")
    cmds.add_parser("list", help="list agent accounts")
    for name, text in (("disable", "disable an account (its sessions and tokens stop at once)"),
                       ("enable", "enable a disabled account")):
        p = cmds.add_parser(name, help=text)
        p.add_argument("login")
    pw = cmds.add_parser("password", help="set a new password")
    pw.add_argument("login")
    pw.add_argument("--password-stdin", action="store_true")
    tok = cmds.add_parser("token", help="issue an API token for an integration (shown once)")
    tok.add_argument("login")
    tok.add_argument("--label", default="api")
    rev = cmds.add_parser("revoke", help="revoke an API token")
    rev.add_argument("login")
    rev.add_argument("token_id", type=int)


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat: ") != first:
        raise store.AgentStoreError("The passwords differ.")
    return first


def run(args: argparse.Namespace, settings: ApiSettings) -> int:
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            return _run(args, db)
    except (store.AgentStoreError, WeakPasswordError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _run(args: argparse.Namespace, db) -> int:  # type: ignore[no-untyped-def]
    cmd = args.agents_command
    if cmd == "add":
        row = store.create_agent(db, login=args.login, display_name=args.name or args.login,
                                 role=AgentRole(args.role),
                                 password=read_password(args.password_stdin))
        store.audit(db, agent="cli", action="agent_add", detail={"login": row.login,
                                                                  "role": row.role})
        db.commit()
        print(f"agent {row.login} ({row.role}) created")
    elif cmd == "list":
        for row in store.list_agents(db):
            state = "active" if row.active else "disabled"
            print(f"{row.login}\t{row.role}\t{state}\t{row.display_name}")
    elif cmd in {"disable", "enable"}:
        row = store.set_active(db, login=args.login, active=cmd == "enable")
        store.audit(db, agent="cli", action=f"agent_{cmd}", detail={"login": row.login})
        db.commit()
        print(f"agent {row.login} {cmd}d")
    elif cmd == "password":
        row = store.set_password(db, login=args.login,
                                 password=read_password(args.password_stdin))
        store.audit(db, agent="cli", action="agent_password", detail={"login": row.login})
        db.commit()
        print(f"password of {row.login} changed")
    elif cmd == "token":
        agent = _agent(db, args.login)
        tok, secret = store.issue_token(db, agent=agent, label=args.label)
        store.audit(db, agent="cli", action="token_create",
                    detail={"login": agent.login, "token_id": tok.id})
        db.commit()
        print(f"token {tok.id} for {agent.login} (shown once):", file=sys.stderr)
        print(secret)
    elif cmd == "revoke":
        tok = store.revoke_token(db, agent=_agent(db, args.login), token_id=args.token_id)
        store.audit(db, agent="cli", action="token_revoke",
                    detail={"login": args.login, "token_id": tok.id})
        db.commit()
        print(f"token {tok.id} revoked")
    return 0


def _agent(db, login: str):  # type: ignore[no-untyped-def]
    row = store.get_agent(db, login=login)
    if row is None:
        raise store.AgentStoreError(f"No agent has the login {login!r}.")
    return row
