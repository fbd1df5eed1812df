#!/usr/bin/env bash
# Peer: wechatpy (PyPI, in a virtualenv this script creates) against the same emulator at its best
# thread count, versus the yizhan-wecom client at its best concurrency (medians of RUNS runs).
# Usage: bench/peer_wechatpy.sh   (env: RUNS=3 N=5000 THREADS=1,4,8,16,32 YN=50000 SKIP_BUILD=1)
source "$(dirname "$0")/common.sh"
VENV=${VENV:-$ROOT/target/bench-venv-wechatpy}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import wechatpy' 2>/dev/null || "$VENV/bin/pip" install -q wechatpy cryptography >&2
build_release
start_emulator
N=${N:-5000}; YN=${YN:-50000}
THREADS=${THREADS:-1,4,8,16,32}; LEVELS=${LEVELS:-16,32,64,128}
best() { sed 's/^[a-z]*=\([0-9]*\).*msgs_per_sec=\([0-9]*\)/\2 \1/' "$1" | sort -g | tail -1; }
peers=(); peer_levels=(); ours=(); our_levels=()
for run in $(seq "$RUNS"); do
  "$VENV/bin/python" "$ROOT/bench/peer_wechatpy.py" "$EMU_URL" "$N" "$THREADS" > "$WORK/peer.out"
  "$ROOT/target/release/examples/bench_send" "$EMU_URL" "$YN" "$LEVELS" > "$WORK/client.out"
  cat "$WORK/peer.out" "$WORK/client.out" >&2
  if grep -qv 'errors=0 ' "$WORK/peer.out" "$WORK/client.out"; then echo "send errors" >&2; exit 1; fi
  p=$(best "$WORK/peer.out"); y=$(best "$WORK/client.out")
  peers+=("${p% *}"); peer_levels+=("${p#* }"); ours+=("${y% *}"); our_levels+=("${y#* }")
done
pm=$(median "${peers[@]}"); ym=$(median "${ours[@]}")
printf '| client | best level per run | runs (msgs/s) | median msgs/s |\n|---|---|---|---|\n'
printf '| wechatpy %s (threads) | %s | %s | %s |\n' "$("$VENV/bin/pip" show wechatpy | awk '/^Version/ {print $2}')" \
  "${peer_levels[*]}" "${peers[*]}" "$pm"
printf '| yizhan-wecom (tasks) | %s | %s | %s |\n' "${our_levels[*]}" "${ours[*]}" "$ym"
printf '\nratio yizhan / wechatpy: %.1f (target >= 20)\n' "$(echo "$ym / $pm" | bc -l)"
