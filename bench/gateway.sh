#!/usr/bin/env bash
# Gateway end to end: N distinct messages POSTed to `yizhan serve` by the Rust load generator;
# accepted/s and accept latency, delivered/s until the emulator counted every delivery
# (`/__emulator/stats`), each as a ratio to the ceiling measured in the same run; then p50/p99 at
# a fixed RATE req/s (open loop). Medians of RUNS runs, a fresh database each run.
# STORE=sqlite (default): one instance on a SQLite file. STORE=postgres: INSTANCES (1 or more)
# instances on one fresh PostgreSQL database per run (created on PG_URL's server, dropped after),
# sharing REDIS_URL when there are several; requests go round-robin over the instances.
# Usage: bench/gateway.sh  (env: RUNS=3 N=100000 C=64 RATE=5000 RATE_SECS=10 WORKER_CONCURRENCY=64
#   SKIP_BUILD=1 STORE=sqlite|postgres INSTANCES=1 PG_URL=postgres://postgres@127.0.0.1:5432/postgres
#   REDIS_URL=redis://127.0.0.1:6379)
source "$(dirname "$0")/common.sh"
STORE=${STORE:-sqlite}; INSTANCES=${INSTANCES:-1}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
case "$STORE" in
  sqlite) [ "$INSTANCES" = 1 ] || { echo "STORE=sqlite runs one instance" >&2; exit 2; } ;;
  postgres) command -v psql >/dev/null || { echo "STORE=postgres needs psql" >&2; exit 2; } ;;
  *) echo "STORE must be sqlite or postgres" >&2; exit 2 ;;
esac
PG_DBS=()
drop_databases() {
  local db
  for db in "${PG_DBS[@]:-}"; do
    [ -n "$db" ] && psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  if [ "$INSTANCES" -gt 1 ] && [ "$STORE" = postgres ]; then
    redis-cli -u "$REDIS_URL" --scan --pattern "yizhan-bench-$$-*" | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null || true
  fi
}
trap 'cleanup; drop_databases' EXIT
# store_for RUN -> prints the store of that run: a SQLite file, or a fresh PostgreSQL database.
store_for() {
  local run=$1 db
  if [ "$STORE" = sqlite ]; then echo "$WORK/gw-$run.db"; return; fi
  db="yz_gwbench_$$_$run"
  psql -q "$PG_URL" -c "CREATE DATABASE $db" >/dev/null
  echo "${PG_URL%/*}/$db"
}
if [ "$STORE" = postgres ] && [ "$INSTANCES" -gt 1 ]; then export GW_REDIS_URL=$REDIS_URL; fi
ensure_wrk
build_release
start_emulator
N=${N:-100000}; C=${C:-64}; RATE=${RATE:-5000}; RATE_SECS=${RATE_SECS:-10}
LOADGEN="$ROOT/target/release/examples/loadgen"
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2"; }
ceil=(); acc=(); p50=(); p99=(); del=(); op50=(); op99=()
for run in $(seq "$RUNS"); do
  ceil+=("$(ceiling_once "${DURATION:-10s}")")
  store=$(store_for "$run")
  [ "$STORE" = sqlite ] || PG_DBS+=("${store##*/}")   # store_for ran in a subshell
  GW_REDIS_PREFIX="yizhan-bench-$$-$run:" start_gateways "$store" "$INSTANCES"
  before=$(emulator_stat delivered)
  t0=$(date +%s%N)
  "$LOADGEN" closed "$GW_URLS" "$API_KEY" "$N" "$C" > "$WORK/closed.out"
  cat "$WORK/closed.out" >&2
  [ "$(field accepted "$WORK/closed.out")" = "$N" ] || { echo "not every message accepted" >&2; exit 1; }
  until [ $(( $(emulator_stat delivered) - before )) -ge "$N" ]; do sleep 0.05; done
  t1=$(date +%s%N)
  acc+=("$(field accepted_per_sec "$WORK/closed.out")")
  p50+=("$(field p50_ms "$WORK/closed.out")"); p99+=("$(field p99_ms "$WORK/closed.out")")
  del+=("$(echo "$N * 1000000000 / ($t1 - $t0)" | bc)")
  "$LOADGEN" open "$GW_URLS" "$API_KEY" "$RATE" "$RATE_SECS" > "$WORK/open.out"
  cat "$WORK/open.out" >&2
  op50+=("$(field p50_ms "$WORK/open.out")"); op99+=("$(field p99_ms "$WORK/open.out")")
  stop_gateways
  [ "$STORE" = sqlite ] || psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS ${store##*/} WITH (FORCE)" >/dev/null
  echo "run $run: ceiling ${ceil[-1]} accepted/s ${acc[-1]} delivered/s ${del[-1]}" >&2
done
c=$(median "${ceil[@]}")
ratio() { printf '%.2f' "$(echo "$1 / $c" | bc -l)"; }
a=$(median "${acc[@]}"); d=$(median "${del[@]}")
printf '| measure (%s, %s instance(s), N=%s, c=%s) | runs | median | ratio to ceiling | target |\n|---|---|---|---|---|\n' \
  "$STORE" "$INSTANCES" "$N" "$C"
printf '| ceiling (wrk -c64) | %s | %s req/s | 1.00 | |\n' "${ceil[*]}" "$c"
printf '| accepted/s | %s | %s | %s | |\n' "${acc[*]}" "$a" "$(ratio "$a")"
printf '| accept latency p50 (ms) | %s | %s | | |\n' "${p50[*]}" "$(median "${p50[@]}")"
printf '| accept latency p99 (ms) | %s | %s | | |\n' "${p99[*]}" "$(median "${p99[@]}")"
printf '| delivered/s (first POST to last delivery) | %s | %s | %s | >= 0.3 |\n' "${del[*]}" "$d" "$(ratio "$d")"
printf '| p50 at %s req/s open loop (ms) | %s | %s | | |\n' "$RATE" "${op50[*]}" "$(median "${op50[@]}")"
printf '| p99 at %s req/s open loop (ms) | %s | %s | | < 5 |\n' "$RATE" "${op99[*]}" "$(median "${op99[@]}")"
