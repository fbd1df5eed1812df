#!/usr/bin/env bash
# Full-size reliability runs of the CI tests in crates/yizhan/tests/integration/ (same code, bigger sizes):
# crash (20k messages and 5 kill -9 on SQLite; 20k messages and 5 kill -9 across three instances
# on PostgreSQL + Redis; each prints lost / duplicated), provider faults (2000 messages per
# provider, token expiry every 1000 calls), secrets at trace level, API request parsing with 100k
# cases per property.
# Usage: bench/reliability.sh   (env: PROFILE=--release to use release test builds and the
# release binary, or YIZHAN_BIN=target/release/yizhan to drive an existing release binary from
# the debug tests; YIZHAN_TEST_POSTGRES_URL / YIZHAN_TEST_REDIS_URL for the services)
set -euo pipefail
cd "$(dirname "$0")/.."
run() { echo "== $*" >&2; env "$@" 2>&1 | grep -E 'seed [0-9]+|^(kills|kill|messages|dead|gettoken|[0-9]+ log lines)|test result|panicked'; }
# CI=true: an unreachable PostgreSQL or Redis fails the run instead of skipping it.
run CI=true YIZHAN_CRASH_MESSAGES=20000 YIZHAN_CRASH_KILLS=5 YIZHAN_CRASH_PG_MESSAGES=20000 YIZHAN_CRASH_PG_KILLS=5 \
  cargo test ${PROFILE:-} -p yizhan --test integration reliability_crash:: -- --nocapture --test-threads=1
run YIZHAN_FAULT_MESSAGES=2000 YIZHAN_FAULT_TOKEN_EVERY=1000 YIZHAN_FAULT_BURST_EVERY=700 \
  cargo test ${PROFILE:-} -p yizhan --test integration reliability_faults:: -- --nocapture
run RUST_LOG= cargo test ${PROFILE:-} -p yizhan --test integration reliability_secrets:: -- --nocapture
run PROPTEST_CASES=${PROPTEST_CASES:-100000} cargo test ${PROFILE:-} -p yizhan --test integration api_request_fuzz:: -- --nocapture
