#!/usr/bin/env bash
# The OpenAPI schema against the running app: schemathesis with every check, authenticated three ways (an
# administrator's personal token, a kiosk's device token, an integration key), on a throwaway SQLite database with
# the demo loaded. Exits non-zero on any failure. `make check` runs it; so does .ci/run.
#
#   tests/contract/run-schemathesis.sh            # EXAMPLES=10 per operation and phase (about 3-4 minutes)
#   EXAMPLES=50 tests/contract/run-schemathesis.sh # more cases, longer
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN="${BIN:-.venv/bin}"
EXAMPLES="${EXAMPLES:-10}"
HERE="tests/contract"
VAR="$(mktemp -d -t hailong-contract.XXXXXX)"
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$VAR"
}
trap cleanup EXIT

# A port nobody listens on (never 8000, which `make run` uses).
PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"

export SURVEY_VAR_DIR="$VAR"
export SURVEY_DATABASE_URL="sqlite+aiosqlite:///$VAR/hailong.db"
export SURVEY_PUBLIC_BASE_URL="$BASE"
# Public endpoints are rate-limited per client to 120 requests a minute; every request here comes from one
# address, so the limit would answer most of them 429 (declared, but it would hide what the handlers do).
export SURVEY_PUBLIC_RATE_LIMIT_PER_MINUTE=1000000

echo "contract: database and demo in $VAR"
"$BIN/survey-api" db upgrade >/dev/null
"$BIN/survey-api" demo >/dev/null
ADMIN_TOKEN="$("$BIN/survey-api" users token admin --name contract | grep -o 'hl_[A-Za-z0-9_-]*' | head -n1)"
KIOSK_TOKEN="$("$BIN/survey-api" kiosks create --centre TTPVHCC-96 --counter TT96-Q01 | grep -o 'hk_[A-Za-z0-9_-]*' | head -n1)"
INTEGRATION_KEY="$("$BIN/survey-api" keys create contract | grep -o 'hi_[A-Za-z0-9_-]*' | head -n1)"
for credential in "$ADMIN_TOKEN" "$KIOSK_TOKEN" "$INTEGRATION_KEY"; do
    if [ -z "$credential" ]; then
        echo "contract: a credential could not be made" >&2
        exit 1
    fi
done

"$BIN/survey-api" serve --host 127.0.0.1 --port "$PORT" >"$VAR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do  # up to a minute: the first start compiles templates and loads the survey
    "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$BASE/health" \
        2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$VAR/server.log" >&2; exit 1; }
    sleep 0.5
done

status=0
run() {
    local who="$1" token="$2"
    echo "contract: schemathesis as $who"
    # --seed: the same cases every run, so a failure in CI can be replayed; one worker: the machine has 2 cores
    "$BIN/schemathesis" --config-file "$HERE/schemathesis.toml" run "$BASE/schema/openapi.json" \
        --checks all --max-examples "$EXAMPLES" --seed 19 --workers 1 \
        -H "Authorization: Bearer $token" || status=1
}
# The kiosk and the integration first: the administrator's run may deactivate rows the others stand on.
run "a kiosk" "$KIOSK_TOKEN"
run "an integration key" "$INTEGRATION_KEY"
run "admin (personal token)" "$ADMIN_TOKEN"

kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
if grep -q "Traceback" "$VAR/server.log"; then
    echo "contract: the server logged an unhandled error:" >&2
    grep -B2 -A30 "Traceback" "$VAR/server.log" | head -n 80 >&2
    status=1
fi
if [ "$status" -eq 0 ]; then echo "contract: no failure"; else echo "contract: FAILED" >&2; fi
exit "$status"
