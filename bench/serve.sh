#!/usr/bin/env bash
# The server as the benchmark harness starts it (../shared/bench run.sh --server-cmd), with
# what the harness's clients need (bench/README.md):
#
#   bench/serve.sh PORT DATA_DIR                 one process, SQLite in DATA_DIR
#   BENCH_POSTGRES=postgresql://u:p@h:port/postgres BENCH_PROCESSES=N bench/serve.sh PORT DATA_DIR
#       N processes (ports PORT..PORT+N-1) on a fresh database of that PostgreSQL server,
#       named after DATA_DIR; clients are spread over them by hooks.mjs (same BENCH_PROCESSES)
#
# Runs in the foreground and stops every process on SIGTERM, as run.sh expects.
set -euo pipefail
port=$1
data_dir=$2
processes=${BENCH_PROCESSES:-1}
cd "$(dirname "$0")/.."
common=(--host 127.0.0.1 --data-dir "$data_dir" --log-level warning
        --sign-ups-per-address 1000 --free-form-documents)
mkdir -p "$data_dir"
if [[ -n "${BENCH_POSTGRES:-}" ]]; then
  name="bench_$(basename "$data_dir" | tr -c 'a-zA-Z0-9\n' '_' | tr 'A-Z' 'a-z')_$$"
  .venv/bin/python - "$BENCH_POSTGRES" "$name" <<'PY'
import sys
import psycopg
from psycopg import sql
with psycopg.connect(sys.argv[1], autocommit=True) as admin:
    admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(sys.argv[2])))
PY
  common+=(--database "${BENCH_POSTGRES%/*}/$name")
fi
pids=()
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' TERM INT
# The others first: run.sh starts its clients once PORT listens.
for ((i = processes - 1; i >= 0; i--)); do
  .venv/bin/python -m server --port $((port + i)) "${common[@]}" &
  pids+=($!)
  until curl -sf "http://127.0.0.1:$((port + i))/api/health" >/dev/null; do
    kill -0 "${pids[-1]}" || exit 1
    sleep 0.2
  done
done
wait
