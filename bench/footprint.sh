#!/usr/bin/env bash
# Memory and start-up of `yizhan serve` (SQLite): RSS idle, RSS after SENDS messages were sent
# and delivered (light traffic: what serving maps back in), RSS after SCHEDULED messages were
# accepted with send_at tomorrow (through /v1/messages:batch), time from exec to /readyz 200.
# Medians of RUNS runs. Usage: bench/footprint.sh
# (env: RUNS=3 SENDS=1000 SCHEDULED=1000000 SKIP_BUILD=1 PROFILE=release|dist)
source "$(dirname "$0")/common.sh"
build_release
start_emulator
SCHEDULED=${SCHEDULED:-1000000}
SENDS=${SENDS:-1000}
LOADGEN="$ROOT/target/release/examples/loadgen"
tomorrow=$(date -u -d tomorrow +%Y-%m-%dT%H:%M:%SZ)
ready=(); idle=(); sent=(); loaded=(); restart=()
for run in $(seq "$RUNS"); do
  start_gateway "$WORK/fp-$run.db"
  ready+=("$GW_READY_MS")
  sleep 1
  idle+=("$(rss_kb "$GW_PID")")
  before=$(emulator_stat delivered)
  "$LOADGEN" closed "$GW_URL" "$API_KEY" "$SENDS" 4 >&2
  until [ $(( $(emulator_stat delivered) - before )) -ge "$SENDS" ]; do sleep 0.05; done
  sleep 1
  sent+=("$(rss_kb "$GW_PID")")
  "$LOADGEN" schedule "$GW_URL" "$API_KEY" "$SCHEDULED" "$tomorrow" >&2
  # Steady state: past one period of the gateway's heap trim (memory::TRIM_EVERY, 5 s).
  sleep 6
  loaded+=("$(rss_kb "$GW_PID")")
  stop_gateway
  start_gateway "$WORK/fp-$run.db"   # start-up with the scheduled messages in the store
  restart+=("$GW_READY_MS")
  sleep 1
  restart_rss=$(rss_kb "$GW_PID")
  stop_gateway
  echo "run $run: ready ${ready[-1]} ms, idle ${idle[-1]} kB, after $SENDS sends ${sent[-1]} kB, with $SCHEDULED scheduled ${loaded[-1]} kB, restart ready ${restart[-1]} ms ($restart_rss kB)" >&2
done
printf '| measure | runs | median | target |\n|---|---|---|---|\n'
printf '| start to /readyz 200, empty db (ms) | %s | %s | < 100 |\n' "${ready[*]}" "$(median "${ready[@]}")"
printf '| RSS idle (kB) | %s | %s | < 15360 |\n' "${idle[*]}" "$(median "${idle[@]}")"
printf '| RSS after %s sent and delivered (kB) | %s | %s | |\n' "$SENDS" "${sent[*]}" "$(median "${sent[@]}")"
printf '| RSS after %s scheduled for tomorrow (kB) | %s | %s | < 65536 |\n' "$SCHEDULED" "${loaded[*]}" "$(median "${loaded[@]}")"
printf '| start to /readyz 200 with them stored (ms) | %s | %s | |\n' "${restart[*]}" "$(median "${restart[@]}")"
