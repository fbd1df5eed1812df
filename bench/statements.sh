#!/usr/bin/env bash
# Statements per message: N messages POSTed to `yizhan serve` (SQLite) by the load generator at
# concurrency C; counts the statements the gateway ran (sqlx's `sqlx::query` debug lines) until
# the emulator counted every delivery, and lists the most frequent ones (first 40 characters).
# Deterministic where wall-clock figures are not (a busy machine changes group sizes a little).
# Usage: bench/statements.sh  (env: N=2000 C=16 BIN=… LOADGEN=… SKIP_BUILD=1)
source "$(dirname "$0")/common.sh"
N=${N:-2000}; C=${C:-16}
LOADGEN=${LOADGEN:-$ROOT/target/release/examples/loadgen}
build_release
start_emulator
export RUST_LOG="sqlx::query=debug,info"
start_gateway "$WORK/statements.db"
before=$(grep -c "sqlx::query" "$WORK/gateway.log" || true)
"$LOADGEN" closed "$GW_URL" "$API_KEY" "$N" "$C" > "$WORK/closed.out"
until [ "$(emulator_stat delivered)" -ge "$N" ]; do sleep 0.05; done
sleep 1
after=$(grep -c "sqlx::query" "$WORK/gateway.log" || true)
echo "statements: $((after - before)) for $N messages"
grep "sqlx::query" "$WORK/gateway.log" | tail -n +$((before + 1)) |
  sed -E 's/.*summary="([^"]{0,40}).*/\1/' | sort | uniq -c | sort -rn | head -20
stop_gateway
