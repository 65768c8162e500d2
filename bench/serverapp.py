"""The app the benchmarks serve: the product's `create_app()` plus one fixed-JSON route.

`uvicorn bench.serverapp:create_bench_app --factory` serves it. The extra route gives
the raw limit of Starlette on uvicorn, on the same server as the GraphQL figures; it is
never part of the product.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from decisionlog.api.app import create_app

FIXED_PATH = "/bench/fixed"
FIXED_BODY = b'{"data":{"__typename":"Query"}}'


async def fixed(request: Request) -> Response:
    """The same small JSON document every time."""
    return Response(FIXED_BODY, media_type="application/json")


def create_bench_app() -> Starlette:
    """`create_app()` with the fixed-JSON route added in front."""
    app = create_app()
    app.router.routes.insert(0, Route(FIXED_PATH, fixed, methods=["GET"]))
    return app
