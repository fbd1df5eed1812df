#!/usr/bin/env bash
# The console: page weight of the messages list and the time headless Chromium takes to render
# 1,000 rows (median of RUNS navigations). Needs Debian's chromium and chromium-driver.
# Usage: bench/console.sh   (env: ROWS=1000 RUNS=7 PROFILE=release)
# Results: docs/benchmarks.md, "Console".
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$tool" ] || { echo "$tool is missing: apt-get install chromium chromium-driver" >&2; exit 1; }
done
cargo run --profile "${PROFILE:-release}" --locked -p yizhan --example console_bench -- "${ROWS:-1000}" "${RUNS:-7}"
