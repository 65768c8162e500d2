#!/usr/bin/env bash
# Apollo Client's persisted-queries link (npm @apollo/client, pinned below) against a
# server: the same query three times, as a client app sends it (scripts/apollo-apq-client.mjs
# says what it prints). Needs node and npm, and the npm registry the first time.
#
#   scripts/apollo-apq-client.sh URL TOKEN TRAJECTORY_ID [get]
#
# APOLLO_CLIENT_DIR: where the npm packages are installed
# (default: ~/.cache/decisionlog/apollo-client).
set -euo pipefail

APOLLO_CLIENT_VERSION=3.14.1
GRAPHQL_VERSION=16.15.0
here=$(cd "$(dirname "$0")" && pwd)
tools=${APOLLO_CLIENT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/decisionlog/apollo-client}
tools=$tools/apollo-client-$APOLLO_CLIENT_VERSION

command -v node >/dev/null && command -v npm >/dev/null \
    || { echo "apollo-apq-client: needs node and npm (Debian packages nodejs and npm)" >&2; exit 2; }
if [[ ! -f $tools/node_modules/@apollo/client/package.json ]]; then
    mkdir -p "$tools"
    (cd "$tools" && npm init -y >/dev/null \
        && npm install --no-audit --no-fund --silent \
            "@apollo/client@$APOLLO_CLIENT_VERSION" "graphql@$GRAPHQL_VERSION" >/dev/null) \
        || { echo "apollo-apq-client: npm install @apollo/client@$APOLLO_CLIENT_VERSION failed" >&2
             exit 2; }
fi
cp "$here/apollo-apq-client.mjs" "$tools/apq-client.mjs"
exec node "$tools/apq-client.mjs" "$@"
