#!/usr/bin/env bash
# Bad input: schemathesis (PyPI, in a virtualenv this script creates) against a running
# `yizhan demo`'s /openapi.json with its API key, with every check (`--checks all`; settings in
# bench/schemathesis.toml): fails on any check failure (a 5xx, a schema-valid request refused
# with 400, a schema-violating one accepted, an answer that does not match the document...).
# Usage: bench/schemathesis.sh   (env: MAX_TIME=300 SKIP_BUILD=1 BIN=target/debug/yizhan CHECKS=all)
source "$(dirname "$0")/common.sh"
VENV=${VENV:-$ROOT/target/bench-venv-schemathesis}
[ -x "$VENV/bin/schemathesis" ] || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q schemathesis >&2; }
build_release
port=$(free_port)
"$BIN" demo --listen "127.0.0.1:$port" --db "$WORK/demo.db" > "$WORK/demo.out" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$port/readyz"
for _ in $(seq 100); do grep -q '^API key: ' "$WORK/demo.out" && break; sleep 0.05; done
key=$(sed -n 's/^API key: //p' "$WORK/demo.out")
set +e
"$VENV/bin/schemathesis" --config-file "$(dirname "$0")/schemathesis.toml" run "http://127.0.0.1:$port/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks "${CHECKS:-all}" \
  --max-time "${MAX_TIME:-300}" \
  --workers 4 \
  --suppress-health-check all \
  --no-color 2>&1 | tee "$WORK/schemathesis.out"
status=${PIPESTATUS[0]}
set -e
kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "the demo died" >&2; exit 1; }
# schemathesis also exits 1 on its own runtime errors (e.g. hypothesis "inconsistent results"
# or a recursion error while generating examples); what this script judges is the checks.
if grep -q 'Server error' "$WORK/schemathesis.out"; then echo "5xx answers found" >&2; exit 1; fi
if grep -qE '[0-9]+ failures?[ ,]' "$WORK/schemathesis.out"; then echo "check failures found" >&2; exit 1; fi
grep -E '^ *[0-9]+ generated' "$WORK/schemathesis.out" || true
echo "schemathesis exit status $status; no check failed; the demo is still running"
