# Shared helpers for the bench/ scripts (sourced, not run). Loopback only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The cargo profile of the `yizhan` binary under test (release, or dist: see Cargo.toml); the
# examples (loadgen, bench_send) are always release builds.
PROFILE=${PROFILE:-release}
BIN=${BIN:-$ROOT/target/$PROFILE/yizhan}
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d /tmp/yizhan-bench.XXXXXX)}
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

build_release() {
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && cargo build --release --locked -p yizhan -p yizhan-wecom --bins --examples >&2)
    if [ "$PROFILE" != release ]; then
      (cd "$ROOT" && cargo build --profile "$PROFILE" --locked -p yizhan --bin yizhan >&2)
    fi
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The emulator configuration used by every benchmark: 1000 users and per-member limits raised so
# that every message is delivered (errcode 0, not dropped). Defaults stay those of the reference.
write_emulator_config() {
  local file=$1
  {
    echo "[wecom]"
    printf 'users = ['
    for i in $(seq 0 999); do printf '"u%d",' "$i"; done
    echo ']'
    echo "per_member_per_minute = 1000000000"
    echo "per_member_per_hour = 1000000000"
  } > "$file"
}

wait_http() { # url [tries]
  local url=$1 tries=${2:-200}
  for _ in $(seq "$tries"); do
    if curl -fs -o /dev/null "$url"; then return 0; fi
    sleep 0.05
  done
  echo "timeout waiting for $url" >&2; return 1
}

# start_emulator -> sets EMU_PORT, EMU_URL, EMU_PID
start_emulator() {
  write_emulator_config "$WORK/emulator.toml"
  EMU_PORT=$(free_port)
  "$BIN" emulator --port "$EMU_PORT" --emulator-config "$WORK/emulator.toml" > "$WORK/emulator.log" 2>&1 &
  EMU_PID=$!
  PIDS+=("$EMU_PID")
  EMU_URL="http://127.0.0.1:$EMU_PORT"
  wait_http "$EMU_URL/__emulator/stats"
}

emulator_token() {
  curl -fs "$EMU_URL/cgi-bin/gettoken?corpid=wwyizhandemo&corpsecret=yizhan-demo-secret" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

emulator_stat() { # field
  curl -fs "$EMU_URL/__emulator/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"
}

median() { # numbers...
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'
}

ensure_wrk() {
  if ! command -v wrk >/dev/null; then apt-get install -y wrk >&2; fi
}

# ceiling_once DURATION -> prints req/s of wrk -c64 against message/send; non-2xx/errcode checked
ceiling_once() {
  local duration=${1:-10s} token
  token=$(emulator_token)
  TOKEN=$token wrk -t2 -c64 -d"$duration" -s "$ROOT/bench/send.lua" \
    "$EMU_URL/cgi-bin/message/send?access_token=$token" > "$WORK/wrk.out" 2>&1
  if grep -q 'Non-2xx' "$WORK/wrk.out"; then cat "$WORK/wrk.out" >&2; echo "non-2xx answers" >&2; return 1; fi
  awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out"
}

API_KEY=${API_KEY:-yizhan-bench-api-key}

# write_gateway_config FILE DB PORT -> a yizhan.toml with channel "ops" at the emulator. DB is a
# SQLite file path, or a postgres:// URL used as it is. WORKER_CONCURRENCY (default 64) sets
# [worker] concurrency; GW_REDIS_URL (unset: none) adds redis_url, with GW_REDIS_PREFIX.
write_gateway_config() {
  local file=$1 db=$2 port=$3 url
  case "$db" in postgres://*) url=$db ;; *) url="sqlite://$db" ;; esac
  cat > "$file" <<TOML
[server]
listen = "127.0.0.1:$port"

[store]
url = "$url"
${GW_REDIS_URL:+redis_url = \"$GW_REDIS_URL\"}
${GW_REDIS_URL:+redis_prefix = \"${GW_REDIS_PREFIX:-yizhan:}\"}

[worker]
concurrency = ${WORKER_CONCURRENCY:-64}

[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "wwyizhandemo"
agent_id = 1000002
secret = "yizhan-demo-secret"
base_url = "$EMU_URL"

[[api_keys]]
name = "bench"
sha256 = "$(printf %s "$API_KEY" | sha256sum | cut -d' ' -f1)"
channels = ["ops"]
TOML
}

# start_gateway DB -> sets GW_URL, GW_PID, GW_READY_MS (start to /readyz 200)
start_gateway() {
  local db=$1 port t0 t1
  port=$(free_port)
  write_gateway_config "$WORK/yizhan.toml" "$db" "$port"
  GW_URL="http://127.0.0.1:$port"
  t0=$(date +%s%N)
  "$BIN" --config "$WORK/yizhan.toml" serve > "${GW_LOG:-$WORK/gateway.log}" 2>&1 &
  GW_PID=$!
  PIDS+=("$GW_PID")
  until curl -fs -o /dev/null "$GW_URL/readyz"; do
    kill -0 "$GW_PID" 2>/dev/null || { cat "${GW_LOG:-$WORK/gateway.log}" >&2; return 1; }
    sleep 0.002
  done
  t1=$(date +%s%N)
  GW_READY_MS=$(( (t1 - t0) / 1000000 ))
}

stop_gateway() {
  kill "$GW_PID" 2>/dev/null || true
  wait "$GW_PID" 2>/dev/null || true
}

# start_gateways DB K -> K instances of `yizhan serve` on one store (DB as for
# write_gateway_config), started one after the other; sets GW_URLS (comma-separated, as loadgen
# takes them) and GW_ALL_PIDS.
start_gateways() {
  local db=$1 k=$2 urls=() pids=() i
  for i in $(seq "$k"); do
    GW_LOG="$WORK/gateway-$i.log" start_gateway "$db"
    urls+=("$GW_URL"); pids+=("$GW_PID")
  done
  GW_URLS=$(IFS=,; echo "${urls[*]}")
  GW_ALL_PIDS=("${pids[@]}")
}

stop_gateways() {
  local pid
  for pid in "${GW_ALL_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${GW_ALL_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
