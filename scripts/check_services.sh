#!/usr/bin/env bash
# Under CI the production path is required: PostgreSQL and Redis must answer, and ../shared/data
# must be present. A missing service fails the run; it is never skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
pg_url=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
if ! .venv/bin/python - "$pg_url" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], connect_timeout=5) as conn:
    conn.execute("select 1")
PY
then echo "services: PostgreSQL is not reachable at $pg_url" >&2; fail=1
else echo "services: PostgreSQL OK"; fi
if ! .venv/bin/python - "$redis_url" <<'PY'
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_timeout=5).ping()
PY
then echo "services: Redis is not reachable at $redis_url" >&2; fail=1
else echo "services: Redis OK"; fi
data=${TTHC_SHARED_DATA:-../shared/data}
if [ ! -d "$data" ]; then echo "services: official records not found at $data" >&2; fail=1
else echo "services: official records at $data"; fi
exit $fail
