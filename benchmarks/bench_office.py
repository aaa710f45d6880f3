"""The office dashboard's queries over a million messages in PostgreSQL, without and with the
indexes of migration 0008_office_indexes, in one run.

Creates a temporary database (migrated to head), generates the data in SQL
(``generate_series``, seeded ``random()``): 100,000 conversations over 365 days on three
channels, 10 messages each (1,000,000), bot outcomes and aspects, real catalogue procedure
ids, answer feedback, CSAT ratings, hotline tickets and PAKN cases. Then, for each index
state (the 0008 indexes dropped = main before this change, then rebuilt), ``VACUUM ANALYZE``
and times ``Dashboard.all()`` (every figure of one ``GET /v1/office/dashboard``) and each
figure alone, per scenario: the default 30 days, 30 days of one channel, 30 days of one field,
and a whole year.

  python benchmarks/bench_office.py                 # 1,000,000 messages, 30 runs per scenario
  python benchmarks/bench_office.py --conversations 20000 --runs 10   # smaller, quicker
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from api.db.engine import make_engine, make_session_factory, migrate  # noqa: E402
from api.office.analytics import Dashboard, Range, procedure_fields  # noqa: E402
from api.office.unanswered import unanswered_questions  # noqa: E402
from indexer.catalog.loader import load_catalog  # noqa: E402

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# the indexes of migration 0008 (name, create statement)
INDEXES = {
    "ix_messages_office": "CREATE INDEX ix_messages_office ON messages (created_at, role) "
                          "INCLUDE (outcome, procedure, aspect, conversation_id)",
    "ix_messages_conversation_role_id": "CREATE INDEX ix_messages_conversation_role_id ON "
                                        "messages (conversation_id, role, id)",
    "ix_conversations_created": "CREATE INDEX ix_conversations_created ON conversations "
                                "(created_at) INCLUDE (channel)",
    "ix_tickets_created": "CREATE INDEX ix_tickets_created ON handoff_tickets (created_at) "
                          "INCLUDE (channel, category, claimed_at)",
}
FIGURES = ["volume", "outcomes", "procedures", "helpful", "csat", "waiting", "tickets", "pakn"]


def generate(conn, *, conversations: int, procedures: list[str], fields: list[str],  # type: ignore[no-untyped-def]
             now: datetime) -> dict[str, int]:
    procs = "ARRAY[" + ",".join(f"'{p}'" for p in procedures) + "]"
    cats = "ARRAY[" + ",".join("'" + f.replace("'", "''") + "'" for f in fields) + "]"
    conn.execute(text("SELECT setseed(0.14)"))
    conn.execute(text(f"""
        INSERT INTO conversations (id, channel, user_hash, state, created_at, updated_at)
        SELECT 'bench' || lpad(g::text, 27, '0'),
               (ARRAY['web','web','web','zalo','zalo','messenger'])[1 + g % 6],
               'bench-' || g, 'closed', t, t + interval '5 minutes'
        FROM (SELECT g, :now - random() * interval '365 days' AS t
              FROM generate_series(1, :n) g) s"""), {"n": conversations, "now": now})
    conn.execute(text(f"""
        INSERT INTO messages (conversation_id, role, text, procedure, outcome, aspect,
                              created_at)
        SELECT id, CASE WHEN k % 2 = 0 THEN 'citizen' ELSE 'bot' END,
               CASE WHEN k % 2 = 0 THEN 'câu hỏi mẫu số ' || k ELSE 'trả lời' END,
               CASE WHEN k % 2 = 1 AND r < 0.70
                    THEN ({procs})[1 + floor(power(random(), 2) * {len(procedures)})::int] END,
               CASE WHEN k % 2 = 0 THEN NULL WHEN r < 0.60 THEN 'answered'
                    WHEN r < 0.70 THEN 'clarified' WHEN r < 0.82 THEN 'abstained'
                    WHEN r < 0.87 THEN 'handed_off' ELSE 'other' END,
               CASE WHEN k % 2 = 1 AND r < 0.60
                    THEN (ARRAY['documents','fee','time','agency','steps'])[1 + (k * 7 + length(id)) % 5] END,
               created_at + k * interval '30 seconds'
        FROM (SELECT c.id, c.created_at, k, random() AS r
              FROM conversations c, generate_series(0, 9) k) s"""))
    conn.execute(text("""
        INSERT INTO answer_feedback (message_id, conversation_id, channel, procedure, aspect,
                                     helpful, reason, created_at)
        SELECT m.id, m.conversation_id, c.channel, m.procedure, m.aspect, random() < 0.78,
               NULL, m.created_at + interval '20 seconds'
        FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.outcome = 'answered' AND random() < 0.15"""))
    conn.execute(text("""
        INSERT INTO csat_ratings (conversation_id, channel, trigger, score, asked_at,
                                  answered_at)
        SELECT id, channel, 'goodbye', CASE WHEN random() < 0.7
                                            THEN 1 + floor(random() * 5)::int END,
               updated_at, updated_at + interval '30 seconds'
        FROM conversations WHERE random() < 0.4"""))
    conn.execute(text(f"""
        INSERT INTO handoff_tickets (conversation_id, channel, reason, category, priority,
                                     status, created_at, claimed_at, closed_at)
        SELECT id, channel, 'asked', ({cats})[1 + floor(random() * {len(fields)})::int], 1,
               'closed', created_at + interval '2 minutes',
               created_at + interval '2 minutes' + random() * interval '15 minutes',
               created_at + interval '30 minutes'
        FROM conversations WHERE random() < 0.08"""))
    conn.execute(text(f"""
        INSERT INTO pakn_cases (code, conversation_id, channel, content, procedure, consent,
                                status, due_at, created_at, updated_at)
        SELECT 'BENCH-' || row_number() OVER (), id, channel, 'góp ý mẫu',
               ({procs})[1 + floor(random() * {len(procedures)})::int], true,
               (ARRAY['received','forwarded','answered','closed'])[1 + floor(random() * 4)::int],
               created_at + interval '15 days', created_at, created_at
        FROM conversations WHERE random() < 0.05"""))
    counts = {}
    for table in ("conversations", "messages", "answer_feedback", "csat_ratings",
                  "handoff_tickets", "pakn_cases"):
        counts[table] = int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    return counts


def measure(factory, scenarios, fields, names, now, runs: int) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    out: dict[str, dict[str, float]] = {}
    with factory() as db:
        for label, rng in scenarios:
            board = Dashboard(db, rng, fields=fields, names=names, now=now)
            for _ in range(3):  # warm-up: plans and buffers
                board.all()
            totals = []
            per: dict[str, list[float]] = {f: [] for f in [*FIGURES, "unanswered"]}
            for _ in range(runs):
                t0 = time.perf_counter()
                board.all()
                totals.append((time.perf_counter() - t0) * 1000)
                for f in FIGURES:
                    t1 = time.perf_counter()
                    getattr(board, f)()
                    per[f].append((time.perf_counter() - t1) * 1000)
                t1 = time.perf_counter()  # GET /v1/office/unanswered's SQL (not the encoding)
                unanswered_questions(db, rng)
                per["unanswered"].append((time.perf_counter() - t1) * 1000)
            db.rollback()
            out[label] = {"p50": statistics.median(totals), "p95": _p95(totals),
                          "max": max(totals),
                          **{f"{f}_p95": _p95(v) for f, v in per.items()}}
            print(f"  {label}: p50 {out[label]['p50']:.1f} ms, p95 {out[label]['p95']:.1f} ms, "
                  f"unanswered p95 {out[label]['unanswered_p95']:.1f} ms", flush=True)
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conversations", type=int, default=100_000, help="10 messages each")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()
    catalog = load_catalog(REPO / "knowledge")
    procs = [p for p in catalog.procedures if p.is_current]
    fields = procedure_fields({p.id: p for p in procs})
    names = {p.id: p.name for p in procs}
    now = datetime.now(timezone.utc).replace(microsecond=0)
    name = f"bench_office_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        engine = make_engine(url)
        t0 = time.perf_counter()
        with engine.begin() as conn:
            counts = generate(conn, conversations=args.conversations,
                              procedures=[p.id for p in procs],
                              fields=sorted(set(fields.values())), now=now)
        print(f"generated in {time.perf_counter() - t0:.0f} s: {counts}", flush=True)
        by_field = Counter(fields.values())
        busiest = by_field.most_common(1)[0][0]
        today = now.date()
        scenarios = [("30 days", Range(today - timedelta(days=29), today)),
                     ("30 days, channel zalo", Range(today - timedelta(days=29), today,
                                                     channel="zalo")),
                     (f"30 days, field {busiest}", Range(today - timedelta(days=29), today,
                                                         field=busiest)),
                     ("365 days", Range(today - timedelta(days=364), today))]
        factory = make_session_factory(engine)
        results = {}
        auto = engine.execution_options(isolation_level="AUTOCOMMIT")
        for state in ("without", "with"):
            with auto.connect() as conn:
                for index, create in INDEXES.items():
                    conn.execute(text(f"DROP INDEX IF EXISTS {index}"))
                    if state == "with":
                        conn.execute(text(create))
                conn.execute(text("VACUUM ANALYZE"))
            print(f"{state} the 0008 indexes:", flush=True)
            results[state] = measure(factory, scenarios, fields, names, now, args.runs)
        engine.dispose()
        report = {"counts": counts, "runs": args.runs, "results": results,
                  "postgres": _server_version(url), "date": now.isoformat()}
        if args.json:
            args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
        print(json.dumps(report, ensure_ascii=False, indent=2))
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


def _server_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return str(c.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
