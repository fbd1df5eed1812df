#!/usr/bin/env bash
# Full-size reliability runs of the CI tests in crates/yizhan/tests/ (same code, bigger sizes):
# crash (10k messages, 5 kill -9), provider faults (2000 messages per provider, token expiry every
# 1000 calls), secrets at trace level, API request parsing with 100k cases per property.
# Usage: bench/reliability.sh   (env: PROFILE=--release to use release test builds)
set -euo pipefail
cd "$(dirname "$0")/.."
run() { echo "== $*" >&2; env "$@" 2>&1 | grep -E '^(seed|kills|kill|messages|dead|[0-9]+ log lines)|test result|panicked'; }
run YIZHAN_CRASH_MESSAGES=10000 YIZHAN_CRASH_KILLS=5 cargo test ${PROFILE:-} -p yizhan --test reliability_crash -- --nocapture
run YIZHAN_FAULT_MESSAGES=2000 YIZHAN_FAULT_TOKEN_EVERY=1000 YIZHAN_FAULT_BURST_EVERY=700 \
  cargo test ${PROFILE:-} -p yizhan --test reliability_faults -- --nocapture
run RUST_LOG= cargo test ${PROFILE:-} -p yizhan --test reliability_secrets -- --nocapture
run PROPTEST_CASES=${PROPTEST_CASES:-100000} cargo test ${PROFILE:-} -p yizhan --test api_request_fuzz -- --nocapture
