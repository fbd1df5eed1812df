#!/usr/bin/env bash
# Ceiling: wrk -c64 against the emulator's message/send with a valid token (median of RUNS runs).
# Usage: bench/ceiling.sh   (env: RUNS=3 DURATION=10s SKIP_BUILD=1)
source "$(dirname "$0")/common.sh"
ensure_wrk
build_release
start_emulator
results=()
for run in $(seq "$RUNS"); do
  rps=$(ceiling_once "${DURATION:-10s}")
  bad=$(awk '/errcode_not_0/ {print $2}' "$WORK/wrk.out")
  [ "$bad" = 0 ] || { echo "run $run: $bad answers without errcode 0" >&2; exit 1; }
  results+=("$rps")
  echo "run $run: $rps req/s" >&2
done
printf '| benchmark | runs | median req/s | target |\n|---|---|---|---|\n'
printf '| ceiling (wrk -c64 message/send) | %s | %s | >= 50000 |\n' "${results[*]}" "$(median "${results[@]}")"
