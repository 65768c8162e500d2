"""Pages for people: server-rendered HTML for facilitators and auditors, on the same
application, read models, rules, roles and errors as the GraphQL API.

`page_routes(...)` gives the routes `create_app()` serves beside `/graphql`;
`SecurityHeaders` puts the security headers on every answer of the service.
Layout: `site.py` (what every page shares: sessions, CSRF, page errors), `routes.py`
(the URLs), one module per group of pages (`listing`, `trajectory_pages`, `form_pages`,
`audit_pages`, `visitors`), `board.py` and `timeline.py` (the board's sections and its
picture), `forms.py` and `forms_catalogue.py` (the forms, one per command),
`templates/` and `static/`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from decisionlog.web.keys import page_signing_key
from decisionlog.web.render import environment
from decisionlog.web.routes import routes
from decisionlog.web.security import SecurityHeaders
from decisionlog.web.sessions import SessionSigner
from decisionlog.web.site import Site

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from decisionlog.api.groupcommit import GroupCommit
    from decisionlog.application import DecisionLog
    from decisionlog.auth.authenticator import Authenticator


def page_routes(log: DecisionLog, authenticator: Authenticator, *,
                writes: GroupCommit | None = None,
                allow_anonymous_read: bool = False) -> list[BaseRoute]:
    """The pages' routes on `log`, authenticating through the API's `authenticator` and
    writing through its group commit `writes`."""
    site = Site(log, authenticator, SessionSigner(page_signing_key(log)), environment(),
                writes=writes, allow_anonymous_read=allow_anonymous_read)
    return routes(site)


__all__ = ["SecurityHeaders", "page_routes"]
