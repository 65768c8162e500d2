"""Signing in with a token, signing out, and the front door."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from decisionlog.auth.tokens import split_token

if TYPE_CHECKING:
    from starlette.responses import Response

    from decisionlog.web.site import Page

HOME = "/trajectories"


async def front_door(page: Page) -> Response:
    """`/`: the trajectories for a visitor who may read, else the sign-in page."""
    return RedirectResponse(HOME if page.principal is not None else "/sign-in",
                            status_code=303)


async def sign_in_form(page: Page) -> Response:
    ended = page.query("ended") == "1"
    return page.render("sign_in.html", next=safe_next(page.query("next")), token_error=None,
                       ended=ended)


async def sign_in(page: Page) -> Response:
    """Check the token as the API does; on success, a new session that names it."""
    token = page.value("token").strip()
    target = safe_next(page.value("next"))
    parts = split_token(token)
    principal = None if parts is None else await run_in_threadpool(
        page.site.authenticator.principal, token)
    if parts is None or principal is None:
        message = ("Paste the whole token: it starts with dl_." if token and parts is None
                   else "Paste your token here." if not token
                   else "This token is unknown or has been revoked.")
        return page.render("sign_in.html", code=400, next=target, token_error=message,
                           ended=False)
    session = page.site.signer.new_session(parts[0])
    response = page.redirect(target, flash=f"Signed in as {principal.name} "
                                           f"({principal.role}).")
    page.new_cookie = False  # the new session's cookie is set here instead
    page.site.set_session(page, response, session)
    return response


async def sign_out(page: Page) -> Response:
    """End the session: the cookie is replaced by a visitor's."""
    page.session = page.site.signer.new_session(None)
    page.new_cookie = True
    return page.redirect("/sign-in", flash="You are signed out.")


def safe_next(target: str) -> str:
    """Where to go after signing in: a path on this site only."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    return target
