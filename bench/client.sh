#!/usr/bin/env bash
# Client: the yizhan-wecom client sends N distinct text messages at each concurrency level; the
# best level's msgs/s is compared with the wrk ceiling measured in the same run (medians of RUNS).
# Usage: bench/client.sh   (env: RUNS=3 N=50000 LEVELS=16,32,64,128 DURATION=10s SKIP_BUILD=1)
source "$(dirname "$0")/common.sh"
ensure_wrk
build_release
start_emulator
N=${N:-50000}
LEVELS=${LEVELS:-16,32,64,128}
ceilings=(); bests=(); best_levels=()
for run in $(seq "$RUNS"); do
  ceilings+=("$(ceiling_once "${DURATION:-10s}")")
  "$ROOT/target/release/examples/bench_send" "$EMU_URL" "$N" "$LEVELS" > "$WORK/client.out"
  cat "$WORK/client.out" >&2
  if grep -qv 'errors=0 ' "$WORK/client.out"; then echo "client errors" >&2; exit 1; fi
  line=$(sed 's/.*concurrency=\([0-9]*\).*msgs_per_sec=\([0-9]*\)/\2 \1/' "$WORK/client.out" | sort -g | tail -1)
  bests+=("${line% *}"); best_levels+=("${line#* }")
  echo "run $run: ceiling ${ceilings[-1]} req/s, client ${line% *} msgs/s at c=${line#* }" >&2
done
c=$(median "${ceilings[@]}"); b=$(median "${bests[@]}")
printf '| benchmark | runs | median | ratio to ceiling | target |\n|---|---|---|---|---|\n'
printf '| ceiling (wrk -c64) | %s | %s req/s | 1.00 | |\n' "${ceilings[*]}" "$c"
printf '| yizhan-wecom client (best c: %s) | %s | %s msgs/s | %.2f | >= 0.8 |\n' \
  "${best_levels[*]}" "${bests[*]}" "$b" "$(echo "$b / $c" | bc -l)"
