#!/usr/bin/env bash
# Refresh the GraphiQL assets the service ships (decisionlog/api/static/graphiql/vendor/)
# from the npm packages at the versions pinned below: GraphiQL's ready-to-serve bundle,
# React and ReactDOM (GraphiQL 4.x runs on React 18 without a build step; GraphiQL 5 and
# React 19 need one), and the graphql-ws browser client (graphql-transport-ws, for
# subscriptions). Also writes THIRD-PARTY-LICENSES.txt (the licence of every package the
# bundles come from) and VERSIONS (what was taken, with SHA-256 sums, which a test checks).
#
# usage: scripts/refresh-graphiql.sh     (needs npm and the npm registry; Node 18 or newer)
# To move to new versions: change the pins, run this, run the browser test, commit.
set -euo pipefail

GRAPHIQL=4.1.2
REACT=18.3.1
GRAPHQL_WS=6.0.4
GRAPHQL=16.11.0  # graphiql's peer dependency; its bundle already contains graphql-js

here=$(cd "$(dirname "$0")" && pwd)
target=$here/../decisionlog/api/static/graphiql/vendor
work=$(mktemp -d /tmp/refresh-graphiql.XXXXXX)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent --omit=dev \
    "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" "graphql-ws@$GRAPHQL_WS" \
    "graphql@$GRAPHQL"

rm -rf "$target"
mkdir -p "$target"
copy() { cp "node_modules/$1" "$target/$2"; }
copy react/umd/react.production.min.js react.production.min.js
copy react-dom/umd/react-dom.production.min.js react-dom.production.min.js
copy graphiql/graphiql.min.js graphiql.min.js
copy graphiql/graphiql.min.css graphiql.min.css
copy graphql-ws/umd/graphql-ws.min.js graphql-ws.min.js

# Every package installed (GraphiQL's bundle contains its whole dependency tree): its
# name, version and licence text.
{
    echo "Third-party software in this folder, and the licences it comes under."
    echo "Made by scripts/refresh-graphiql.sh from the npm packages installed with:"
    echo "graphiql@$GRAPHIQL react@$REACT react-dom@$REACT graphql-ws@$GRAPHQL_WS graphql@$GRAPHQL"
    npm ls --all --parseable --omit=dev 2>/dev/null | tail -n +2 | sort -u | while read -r dir; do
        name=$(node -p "require('$dir/package.json').name")
        version=$(node -p "require('$dir/package.json').version")
        licence=$(node -p "JSON.stringify(require('$dir/package.json').license || 'see text')")
        echo
        echo "================================================================================"
        echo "$name $version (licence: $licence)"
        echo "================================================================================"
        text=$(find "$dir" -maxdepth 1 -iname 'licen[cs]e*' -type f | sort | head -n 1)
        if [[ -n $text ]]; then cat "$text"; else echo "(the package ships no licence file)"; fi
    done
} > "$target/THIRD-PARTY-LICENSES.txt"

{
    echo "# GraphiQL's assets, from npm: package@version, then file and SHA-256."
    echo "graphiql@$GRAPHIQL react@$REACT react-dom@$REACT graphql-ws@$GRAPHQL_WS"
    (cd "$target" && sha256sum -- *.js *.css THIRD-PARTY-LICENSES.txt)
} > "$target/VERSIONS"
echo "refreshed $target:"
ls -l "$target"
