#!/usr/bin/env bash
# The GraphQL-over-HTTP spec's audit suite (npm package graphql-http, pinned below) against
# a server. Needs node and npm (Debian: nodejs, npm) and the npm registry the first time.
#
#   scripts/graphql-http-audit.sh URL [TOKEN]   audit a running server
#   scripts/graphql-http-audit.sh               start a demo server on a throwaway SQLite
#                                               file and a free port, audit it, stop it
#                                               (`make audit`)
#
# Prints each warning and error, then "graphql-http audit: N ok, N warnings, N errors of N";
# exits 1 when the audit found an error. GRAPHQL_HTTP_AUDIT_DIR: where the npm packages
# are installed (default: ~/.cache/decisionlog/graphql-http-audit).
set -euo pipefail

GRAPHQL_HTTP_VERSION=1.23.1
GRAPHQL_VERSION=16.15.0
here=$(cd "$(dirname "$0")" && pwd)
tools=${GRAPHQL_HTTP_AUDIT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/decisionlog/graphql-http-audit}
tools=$tools/graphql-http-$GRAPHQL_HTTP_VERSION

command -v node >/dev/null && command -v npm >/dev/null \
    || { echo "graphql-http-audit: needs node and npm (Debian packages nodejs and npm)" >&2; exit 2; }
if [[ ! -f $tools/node_modules/graphql-http/package.json ]]; then
    mkdir -p "$tools"
    (cd "$tools" && npm init -y >/dev/null \
        && npm install --no-audit --no-fund --silent \
            "graphql-http@$GRAPHQL_HTTP_VERSION" "graphql@$GRAPHQL_VERSION" >/dev/null) \
        || { echo "graphql-http-audit: npm install graphql-http@$GRAPHQL_HTTP_VERSION failed" >&2
             exit 2; }
fi
cp "$here/graphql-http-audit.mjs" "$tools/audit.mjs"

if [[ $# -ge 1 ]]; then
    exec node "$tools/audit.mjs" "$1" "${2:-}"
fi

# No URL: a demo server of this checkout on a throwaway database.
repo=$(cd "$here/.." && pwd)
decisionlog=${DECISIONLOG:-$repo/.venv/bin/decisionlog}
[[ -x $decisionlog ]] || { echo "graphql-http-audit: no $decisionlog; run make serve or make test first" >&2; exit 2; }
work=$(mktemp -d /tmp/decisionlog-audit.XXXXXX)
server=
cleanup() {
    if [[ -n $server ]]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
database="sqlite:///$work/audit.db"
token=$("$decisionlog" token create --role facilitator --name graphql-http-audit \
        --database "$database" 2>/dev/null)
"$decisionlog" serve --demo --port "$port" --database "$database" --log-level warning \
    >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "http://127.0.0.1:$port/health" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 2; }
    sleep 0.1
done
status=0
node "$tools/audit.mjs" "http://127.0.0.1:$port/graphql" "$token" || status=$?
exit $status
