#!/usr/bin/env bash
# Coalescing: provider calls per 100k recipients and delivered recipients per second, with the
# loopback ceiling (wrk -c64 on the emulator's message/send) measured in the same run.
#   A: one message to N users (the planner's 1000-user chunks)
#   B: N one-user messages with identical content (batches of 1000), merged by the worker
# Self-contained (loopback only). Usage: bench/coalesce.sh
#   env: N=100000 DURATION=10s WORKER_CONCURRENCY=16 COALESCE_WINDOW_MS=5 POST_PARALLEL=1 SKIP_BUILD=1 BIN=…
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/yizhan}
N=${N:-100000}
WORK=$(mktemp -d /tmp/yizhan-coalesce.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && cargo build --release --locked -p yizhan --bin yizhan >&2)
fi
command -v wrk >/dev/null || { echo "wrk is needed for the ceiling" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {
  for _ in $(seq 400); do curl -fs -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "timeout waiting for $1" >&2; return 1
}
stat() { curl -fs "$EMU_URL/__emulator/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
now_ns() { date +%s%N; }

# The emulator: N users b0…b(N-1), per-member limits raised so nothing is dropped.
python3 - "$N" > "$WORK/emulator.toml" <<'PY'
import sys
n = int(sys.argv[1])
print("[wecom]")
print("users = [" + ",".join(f'"b{i}"' for i in range(n)) + "]")
print("per_member_per_minute = 1000000000")
print("per_member_per_hour = 1000000000")
PY
EMU_PORT=$(free_port)
"$BIN" emulator --port "$EMU_PORT" --emulator-config "$WORK/emulator.toml" > "$WORK/emulator.log" 2>&1 &
PIDS+=("$!")
EMU_URL="http://127.0.0.1:$EMU_PORT"
wait_http "$EMU_URL/__emulator/stats"

# The ceiling: wrk -t2 -c64 on message/send with a valid token, touser spread over 1000 users.
TOKEN=$(curl -fs "$EMU_URL/cgi-bin/gettoken?corpid=wwyizhandemo&corpsecret=yizhan-demo-secret" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
cat > "$WORK/send.lua" <<'LUA'
local counter = 0
function init(args) wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json" end
function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"touser":"b%d","msgtype":"text","agentid":1000002,"text":{"content":"ceiling %d"}}', counter % 1000, counter))
end
LUA
wrk -t2 -c64 -d"${DURATION:-10s}" -s "$WORK/send.lua" "$EMU_URL/cgi-bin/message/send?access_token=$TOKEN" > "$WORK/wrk.out"
CEILING=$(awk '/Requests\/sec/ {printf "%d", $2}' "$WORK/wrk.out")
echo "ceiling: $CEILING req/s" >&2

# The gateway on a fresh SQLite file.
GW_PORT=$(free_port)
KEY=bench-key
KEY_SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
cat > "$WORK/yizhan.toml" <<TOML
[store]
url = "sqlite://$WORK/gw.db"

[worker]
concurrency = ${WORKER_CONCURRENCY:-16}

[shaping]
coalesce_window_ms = ${COALESCE_WINDOW_MS:-5}

[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "wwyizhandemo"
agent_id = 1000002
secret = "yizhan-demo-secret"
base_url = "$EMU_URL"

[[api_keys]]
name = "bench"
sha256 = "$KEY_SHA"
channels = ["ops"]
TOML
"$BIN" --config "$WORK/yizhan.toml" serve --listen "127.0.0.1:$GW_PORT" > "$WORK/gateway.log" 2>&1 &
PIDS+=("$!")
GW_URL="http://127.0.0.1:$GW_PORT"
wait_http "$GW_URL/healthz"

# wait_delivered BEFORE COUNT: until the emulator delivered COUNT more recipients.
wait_delivered() {
  local deadline=$(( $(date +%s) + 600 ))
  until [ $(( $(stat delivered) - $1 )) -ge "$2" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "not delivered in time" >&2; exit 1; }
    sleep 0.05
  done
}

# A: one message to N users.
python3 - "$N" > "$WORK/a.json" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"channel": "ops", "to": {"users": [f"b{i}" for i in range(n)]},
                  "content": {"text": "coalesce bench A"}}, separators=(",", ":")))
PY
calls0=$(stat send_calls); del0=$(stat delivered); t0=$(now_ns)
code=$(curl -s -o "$WORK/a.out" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' --data-binary @"$WORK/a.json" "$GW_URL/v1/messages")
[ "$code" = 202 ] || { echo "A: HTTP $code $(cat "$WORK/a.out")" >&2; exit 1; }
A_ACCEPT_MS=$(( ($(now_ns) - t0) / 1000000 ))
wait_delivered "$del0" "$N"
t1=$(now_ns)
A_CALLS=$(( $(stat send_calls) - calls0 ))
A_RATE=$(( N * 1000000000 / (t1 - t0) ))
echo "A: $A_CALLS calls, $A_RATE recipients/s, accepted in $A_ACCEPT_MS ms" >&2

# B: N one-user messages with identical content, POSTed as batches of 1000, POST_PARALLEL at a time.
python3 - "$N" "$WORK" <<'PY'
import json, sys
n, work = int(sys.argv[1]), sys.argv[2]
for b in range(0, n, 1000):
    msgs = [{"channel": "ops", "to": {"users": [f"b{i}"]}, "content": {"text": "coalesce bench B"}}
            for i in range(b, min(b + 1000, n))]
    with open(f"{work}/b-{b // 1000:04d}.json", "w") as f:
        json.dump({"messages": msgs}, f, separators=(",", ":"))
PY
calls0=$(stat send_calls); del0=$(stat delivered); t0=$(now_ns)
ls "$WORK"/b-*.json | xargs -P "${POST_PARALLEL:-1}" -I{} curl -fs -o /dev/null -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' --data-binary @{} "$GW_URL/v1/messages:batch"
B_ACCEPT_MS=$(( ($(now_ns) - t0) / 1000000 ))
wait_delivered "$del0" "$N"
t1=$(now_ns)
B_CALLS=$(( $(stat send_calls) - calls0 ))
B_RATE=$(( N * 1000000000 / (t1 - t0) ))
echo "B: $B_CALLS calls, $B_RATE recipients/s, all accepted in $B_ACCEPT_MS ms" >&2

per100k() { python3 -c "print(round($1 * 100000 / $N, 1))"; }
ratio() { python3 -c "print(f'{$1 / $CEILING:.2f}')"; }
printf '| scenario (N=%s recipients) | provider calls | calls per 100k recipients | accepted after (ms) | delivered recipients/s | ratio to ceiling (req/s) |\n' "$N"
printf '|---|---|---|---|---|---|\n'
printf '| ceiling: wrk -t2 -c64 on emulator message/send | | | | %s req/s | 1.00 |\n' "$CEILING"
printf '| A: one message to %s users | %s | %s | %s | %s | %s |\n' "$N" "$A_CALLS" "$(per100k "$A_CALLS")" "$A_ACCEPT_MS" "$A_RATE" "$(ratio "$A_RATE")"
printf '| B: %s one-user messages, identical content | %s | %s | %s | %s | %s |\n' "$N" "$B_CALLS" "$(per100k "$B_CALLS")" "$B_ACCEPT_MS" "$B_RATE" "$(ratio "$B_RATE")"
