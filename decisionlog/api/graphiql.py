"""GraphiQL, served from the package: it works offline and on an intranet, and opens on
a query of this project with the token in its headers.

The page loads nothing from elsewhere: React, ReactDOM, GraphiQL and the graphql-ws
client are vendored under `static/graphiql/vendor/` (pinned npm releases, refreshed by
`scripts/refresh-graphiql.sh`, with their licences), and the start-up script is a file
(`static/graphiql/start.js`), so the page's Content-Security-Policy allows scripts from
this origin only. Strawberry's own GraphiQL page loads them from a public CDN and stays
on "Loading..." without the internet.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from decisionlog.infrastructure.program import program

STATIC = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql"
FIRST_QUERY = (STATIC / "first-query.graphql").read_text(encoding="utf-8")

# Scripts and connections from this origin only, and never inside another site's frame.
# Styles may be inline: GraphiQL's components set style attributes. Fonts and icons come
# as data: URLs inside GraphiQL's stylesheet.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>decisionlog · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/vendor/graphiql.min.css">
<link rel="stylesheet" href="{assets}/page.css">
</head>
<body>
<div id="token-notice" class="token-notice" role="alert" hidden>
<p data-when="missing"><strong>GraphiQL needs a token to talk to this service.</strong>
With the demo (<code>make serve</code>), open the link it printed: the one that ends in
<code>#token=…</code>.</p>
<p data-when="refused" hidden><strong>The token in the headers was refused</strong>: it is
unknown to this service, revoked, or mistyped.</p>
<p>To make a token, run in the project's folder
<code>{program} token create --role reader --name YOUR-NAME</code>
(<code>--role facilitator</code> to record changes), then paste it here, or put
<code>{{"Authorization": "Bearer TOKEN"}}</code> in the Headers tab below.</p>
<form id="token-form"><label>Token: <input id="token-input" autocomplete="off"
spellcheck="false" placeholder="dl_…"></label> <button type="submit">Use this token</button>
</form>
</div>
<div id="graphiql" data-first-query="{first_query}" data-anonymous-read="{anonymous}">
Loading GraphiQL…</div>
<script src="{assets}/vendor/react.production.min.js"></script>
<script src="{assets}/vendor/react-dom.production.min.js"></script>
<script src="{assets}/vendor/graphiql.min.js"></script>
<script src="{assets}/vendor/graphql-ws.min.js"></script>
<script src="{assets}/start.js"></script>
</body>
</html>
"""


def graphiql_page(*, allow_anonymous_read: bool) -> HTMLResponse:
    """The GraphiQL page, with its Content-Security-Policy."""
    html = PAGE.format(assets=ASSETS_PATH, program=escape(program()),
                       first_query=escape(FIRST_QUERY, quote=True),
                       anonymous="true" if allow_anonymous_read else "false")
    return HTMLResponse(html, headers=PAGE_HEADERS)


def graphiql_assets() -> Mount:
    """The route of GraphiQL's scripts and styles (compressed: the bundle is 1 MB)."""
    return Mount(ASSETS_PATH, app=GZipMiddleware(StaticFiles(directory=STATIC),
                                                 minimum_size=1024),
                 name="graphiql")
