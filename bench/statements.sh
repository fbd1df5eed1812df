#!/usr/bin/env bash
# Statements per message: N messages POSTed to `yizhan serve` (SQLite or PostgreSQL) by the load generator at
# concurrency C; counts the statements the gateway ran (sqlx's `sqlx::query` debug lines) until
# the emulator counted every delivery, and lists the most frequent ones (first 40 characters).
# Deterministic where wall-clock figures are not (a busy machine changes group sizes a little).
# STORE=postgres: one instance on a fresh database on PG_URL's server (dropped afterwards).
# Usage: bench/statements.sh  (env: N=2000 C=16 BIN=… LOADGEN=… SKIP_BUILD=1 STORE=sqlite|postgres
#   PG_URL=postgres://postgres@127.0.0.1:5432/postgres)
source "$(dirname "$0")/common.sh"
N=${N:-2000}; C=${C:-16}; STORE=${STORE:-sqlite}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
LOADGEN=${LOADGEN:-$ROOT/target/release/examples/loadgen}
case "$STORE" in
  sqlite) store="$WORK/statements.db" ;;
  postgres)
    command -v psql >/dev/null || { echo "STORE=postgres needs psql" >&2; exit 2; }
    PG_DB="yz_statements_$$"
    psql -q "$PG_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
    trap 'cleanup; psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
    store="${PG_URL%/*}/$PG_DB" ;;
  *) echo "STORE must be sqlite or postgres" >&2; exit 2 ;;
esac
build_release
start_emulator
export RUST_LOG="sqlx::query=debug,info"
start_gateway "$store"
before=$(grep -c "sqlx::query" "$WORK/gateway.log" || true)
"$LOADGEN" closed "$GW_URL" "$API_KEY" "$N" "$C" > "$WORK/closed.out"
until [ "$(emulator_stat delivered)" -ge "$N" ]; do sleep 0.05; done
sleep 1
after=$(grep -c "sqlx::query" "$WORK/gateway.log" || true)
echo "statements: $((after - before)) for $N messages ($STORE)"
grep "sqlx::query" "$WORK/gateway.log" | tail -n +$((before + 1)) |
  sed -E 's/.*summary="([^"]{0,40}).*/\1/' | sort | uniq -c | sort -rn | head -20
stop_gateway
