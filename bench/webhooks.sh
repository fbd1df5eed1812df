#!/usr/bin/env bash
# Webhook throughput (docs/benchmarks.md, "Webhook deliveries"): one `yizhan serve` on a SQLite
# file with one [[webhooks]] subscription to every event ("*") at a loopback receiver
# (bench/webhook_receiver.py, answers 204). N messages are POSTed by the load generator (closed
# loop, C connections); the run ends when the receiver has every event of the log. Reported:
# messages delivered/s (first POST to the last message delivered, as bench/gateway.sh), events/s
# delivered to the receiver (first POST to the last webhook POST), and how far the webhooks
# trailed the last message. Medians of RUNS runs, a fresh database each run.
# Usage: bench/webhooks.sh  (env: RUNS=3 N=5000 C=32 WORKER_CONCURRENCY=64 SKIP_BUILD=1
#   SUBSCRIPTIONS=0|1, BIN and LOADGEN to measure other builds)
source "$(dirname "$0")/common.sh"
build_release
start_emulator
N=${N:-5000}; C=${C:-32}
LOADGEN=${LOADGEN:-$ROOT/target/release/examples/loadgen}
SUBSCRIPTIONS=${SUBSCRIPTIONS:-1}   # 0: the same run without a subscription, for comparison
SECRET="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$@"; }
now_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }
msgs=(); evs=(); lags=(); counts=()
for run in $(seq "$RUNS"); do
  rport=$(free_port)
  python3 "$ROOT/bench/webhook_receiver.py" "$rport" & PIDS+=($!)
  wait_http "http://127.0.0.1:$rport/count"
  db="$WORK/wh-$run.db"; port=$(free_port)
  write_gateway_config "$WORK/yizhan.toml" "$db" "$port"
  if [ "$SUBSCRIPTIONS" != 0 ]; then cat >> "$WORK/yizhan.toml" <<TOML

[[webhooks]]
name = "bench"
url = "http://127.0.0.1:$rport/hook"
secret = "$SECRET"
allow_private_urls = true
TOML
  fi
  GW_URL="http://127.0.0.1:$port"
  "$BIN" --config "$WORK/yizhan.toml" serve > "$WORK/gateway-$run.log" 2>&1 & GW_PID=$!; PIDS+=("$GW_PID")
  wait_http "$GW_URL/readyz"
  t0=$(now_ns)
  "$LOADGEN" closed "$GW_URL" "$API_KEY" "$N" "$C" > "$WORK/closed.out"
  until [ "$(sql "$db" "SELECT count(*) FROM messages WHERE status = 'delivered'")" -ge "$N" ]; do sleep 0.05; done
  t_msgs=$(now_ns)
  events=$(sql "$db" "SELECT count(*) FROM events")
  expected=$events; [ "$SUBSCRIPTIONS" != 0 ] || expected=0
  until read -r got _ _ < <(curl -fs "http://127.0.0.1:$rport/count") && [ "$got" -ge "$expected" ]; do sleep 0.05; done
  t1=$(now_ns)
  msgs+=("$(echo "$N * 1000000000 / ($t_msgs - $t0)" | bc)")
  evs+=("$(echo "$expected * 1000000000 / ($t1 - $t0)" | bc)")   # 0 without a subscription
  lags+=("$(echo "($t1 - $t_msgs) / 1000000" | bc)")
  counts+=("$events")
  kill "$GW_PID"; wait "$GW_PID" 2>/dev/null || true
  echo "run $run: $events events, messages delivered/s ${msgs[-1]}, events/s ${evs[-1]}, webhook lag ${lags[-1]} ms" >&2
done
printf '| measure (sqlite, N=%s, c=%s, subscriptions to "*": %s) | runs | median |\n|---|---|---|\n' "$N" "$C" "$SUBSCRIPTIONS"
printf '| events in the log per run | %s | %s |\n' "${counts[*]}" "$(median "${counts[@]}")"
printf '| messages delivered/s | %s | %s |\n' "${msgs[*]}" "$(median "${msgs[@]}")"
printf '| webhook events delivered/s (first POST to last webhook) | %s | %s |\n' "${evs[*]}" "$(median "${evs[@]}")"
printf '| last webhook after the last message delivered (ms) | %s | %s |\n' "${lags[*]}" "$(median "${lags[@]}")"
