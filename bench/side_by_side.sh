#!/usr/bin/env bash
# Interleaved rounds of the reference server, ours at an older commit, and ours as checked
# out, in a copy of the harness (docs/benchmarks.md):
#
#   cp -r ../shared/bench /tmp/bench && (cd /tmp/bench && npm ci)
#   git worktree add /tmp/before <commit> && ln -s "$PWD/.venv" /tmp/before/.venv
#   bench/side_by_side.sh /tmp/bench /tmp/before cold-load 3
#   (cd /tmp/bench && node lib/summarize.mjs --compare results/sbs-ref.jsonl results/sbs-after.jsonl)
#
# Arguments: the harness copy, the older checkout, suite.sh's --only list, the rounds.
# Appends to results/sbs-{ref,before,after}.jsonl in the harness copy.
set -euo pipefail
bench=$1
before=$2
only=$3
rounds=${4:-3}
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$bench"
for ((r = 1; r <= rounds; r++)); do
  ./suite.sh --repeat 1 --only "$only" --label ref --out results/sbs-ref.jsonl --port 18200
  ./suite.sh --repeat 1 --only "$only" --label before --out results/sbs-before.jsonl --port 18210 \
    --url ws://127.0.0.1:18210/sync --hooks "$here/bench/hooks.mjs" \
    --server-cmd "exec $before/bench/serve.sh {port} {data_dir}"
  ./suite.sh --repeat 1 --only "$only" --label after --out results/sbs-after.jsonl --port 18220 \
    --url ws://127.0.0.1:18220/sync --hooks "$here/bench/hooks.mjs" \
    --server-cmd "exec $here/bench/serve.sh {port} {data_dir}"
  echo "round $r of $rounds done: $(date)"
done
