"""What every page shares: the site (application, sessions, templates) and one request
seen by a view (who is asking, their session and CSRF token), with the page errors.

A view is `async def view(page: Page) -> Response`, wrapped by `Site.view`, which finds
the visitor from the session cookie (re-checking the token through the API's
`Authenticator` on every request), sends people who must sign in to the sign-in page,
checks the CSRF token of every POST, and turns page errors into error pages.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from decisionlog.api.dependencies import state_watch
from decisionlog.api.masking import new_request_id
from decisionlog.api.memo import StateMemo
from decisionlog.auth.authenticator import NOT_CACHED
from decisionlog.auth.principal import ANONYMOUS_READER, Principal
from decisionlog.web.fragments import FragmentCache
from decisionlog.web.sessions import FLASH_COOKIE, SESSION_COOKIE, Session, SessionSigner

if TYPE_CHECKING:
    import jinja2
    from starlette.requests import Request

    from decisionlog.api.groupcommit import GroupCommit
    from decisionlog.application import DecisionLog
    from decisionlog.auth.authenticator import Authenticator
    from decisionlog.domain.trajectory import Trajectory

MAX_FORM_BYTES = 256 * 1024
CURRENT_KEPT = 256  # trajectories kept as last read, per site
logger = logging.getLogger("decisionlog.web")


class PageError(Exception):
    """Raised by a view to answer with an error page."""

    status = 400
    title = "That did not work"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PageNotFoundError(PageError):
    """Raised when a page names something unknown, or out of the visitor's scope."""

    status = 404
    title = "Not found"


class NotAllowedError(PageError):
    """Raised when the visitor's role may not do what the page does."""

    status = 403
    title = "Not allowed"


class InternalPageError(PageError):
    """The page for an unexpected failure (its details are in the server's log)."""

    status = 500
    title = "Something went wrong"


class SignInNeededError(Exception):
    """Raised when a page needs a signed-in visitor and there is none."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "")
        self.message = message


@dataclass
class Page:
    """One request as a view sees it."""

    site: Site
    request: Request
    session: Session
    principal: Principal | None
    form: dict[str, list[str]] = field(default_factory=dict)
    new_cookie: bool = False
    flash: str | None = None

    @property
    def who(self) -> Principal:
        """The signed-in visitor (views wrapped with `sign_in=True` always have one)."""
        if self.principal is None:
            raise SignInNeededError
        return self.principal

    @property
    def csrf_token(self) -> str:
        return self.site.signer.csrf_token(self.session)

    def query(self, name: str) -> str:
        """A query parameter, stripped; "" when absent."""
        return self.request.query_params.get(name, "").strip()

    def value(self, name: str) -> str:
        """A posted field's value ("" when absent)."""
        values = self.form.get(name)
        return values[-1] if values else ""

    def values(self, name: str) -> list[str]:
        """Every value posted for a field (checkboxes, multiple selects)."""
        return list(self.form.get(name, []))

    def trajectory(self, trajectory_id: str, *, version: int | None = None,
                   at: Any = None) -> Trajectory:
        """The trajectory, if the visitor may read it; else 404, as for an unknown one."""
        if not self.who.may_read(trajectory_id):
            raise PageNotFoundError("There is no trajectory with that id that you may see.")
        if version is None and at is None:
            trajectory = self.site.current_trajectory(trajectory_id)
        else:
            trajectory = self.site.log.get_trajectory(trajectory_id, version=version, at=at)
        if trajectory is None:
            raise PageNotFoundError("There is no trajectory with that id that you may see.")
        return trajectory

    def render(self, template: str, code: int = 200, **context: Any) -> Response:
        """A template rendered with what every page shows (visitor, CSRF token, flash)."""
        return HTMLResponse(self.render_html(template, **context), status_code=code)

    def render_html(self, template: str, **context: Any) -> str:
        """The HTML of `render`."""
        return self.site.templates.get_template(template).render(
            page=self, who=self.principal, csrf_token=self.csrf_token, flash=self.flash,
            **context)

    @property
    def visit_key(self) -> str | None:
        """What a whole page may be kept under besides what it shows: the session (its
        visitor and CSRF token); None when the page says something once (a flash
        message, a new session cookie)."""
        if self.flash is not None or self.new_cookie:
            return None
        return self.request.cookies.get(SESSION_COOKIE)

    def fragment(self, template: str, **context: Any) -> str:
        """A part of a page that is the same for every visitor it is shown to: rendered
        without the visitor, the session's CSRF token or a flash message."""
        return self.site.templates.get_template(template).render(**context)

    def redirect(self, url: str, *, flash: str | None = None) -> Response:
        """See other (after a POST, so that reloading does not post again)."""
        response = RedirectResponse(url, status_code=303)
        if flash:
            response.set_cookie(FLASH_COOKIE, self.site.signer.flash(flash), httponly=True,
                                samesite="lax", secure=self.secure, path="/")
        return response

    @property
    def secure(self) -> bool:
        return self.request.url.scheme == "https"


ViewFunction = Callable[[Page], Awaitable[Response]]


@dataclass
class Site:
    """The pages' shared parts: one per application."""

    log: DecisionLog
    authenticator: Authenticator
    signer: SessionSigner
    templates: jinja2.Environment
    writes: GroupCommit | None = None
    allow_anonymous_read: bool = False
    fragments: FragmentCache = field(default_factory=FragmentCache)
    derived: StateMemo = field(default_factory=StateMemo)  # values derived from states
    _current: dict[str, tuple[int, Trajectory]] = field(default_factory=dict)

    def current_trajectory(self, trajectory_id: str) -> Trajectory | None:
        """The trajectory as it is now. On a SQLite file, the one read for an earlier
        request while nothing was committed since (the API's `StateWatch` mark, about
        2 us, against about 100 us for reading the log past the cached version)."""
        watch = state_watch(self.log)
        mark = watch.mark()  # taken before reading, so a commit meanwhile is not missed
        kept = self._current.get(trajectory_id)
        if mark is not None and kept is not None and kept[0] == mark:
            return kept[1]
        trajectory = self.log.get_trajectory(trajectory_id)
        if mark is not None and trajectory is not None:
            if len(self._current) >= CURRENT_KEPT:
                self._current.clear()
            self._current[trajectory_id] = (mark, trajectory)
        return trajectory

    def view(self, function: ViewFunction, *, sign_in: bool = True
             ) -> Callable[[Request], Awaitable[Response]]:
        """A Starlette endpoint running `function` for the request's visitor."""
        async def endpoint(request: Request) -> Response:
            session, fresh = self._session(request)
            principal, ended = await self._principal(session)
            if ended:  # the token was revoked: the session ends here
                session, fresh = self.signer.new_session(None), True
            page = Page(self, request, session, principal, new_cookie=fresh)
            page.flash = self.signer.read_flash(request.cookies.get(FLASH_COOKIE))
            try:
                if sign_in and principal is None:
                    raise SignInNeededError(
                        "Your session ended: the token was revoked." if ended else None)
                if request.method == "POST":
                    page.form = await _form(request)
                    self._check_post(page)
                response = await function(page)
            except SignInNeededError as error:
                response = _to_sign_in(request, error.message)
            except PageError as error:
                response = page.render("error.html", code=error.status, error=error)
            except Exception:  # a bug or a failing database: logged, never shown
                request_id = new_request_id()
                logger.exception("Internal error on page %s (request id %s)",
                                 request.url.path, request_id)
                response = page.render("error.html", code=500, error=InternalPageError(
                    "Something went wrong on the server. Go back and try again (a form "
                    "sent again is recorded once); if it happens again, give this to "
                    f"whoever runs the service: request id {request_id}."))
                response.headers["X-Request-ID"] = request_id
            return self._finish(page, response)
        return endpoint

    def _session(self, request: Request) -> tuple[Session, bool]:
        session = self.signer.decode(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return self.signer.new_session(None), True
        return session, False

    async def _principal(self, session: Session) -> tuple[Principal | None, bool]:
        """The visitor of the session, and whether a signed-in session just ended."""
        if session.key_id is None:
            return (ANONYMOUS_READER if self.allow_anonymous_read else None), False
        principal = self.authenticator.cached_principal_of_key(session.key_id)
        if principal is NOT_CACHED:
            principal = await run_in_threadpool(self.authenticator.principal_of_key,
                                                session.key_id)
        return principal, principal is None

    def _check_post(self, page: Page) -> None:
        origin = page.request.headers.get("origin")
        if origin is not None and origin != _origin(page.request):
            raise PageError("This form was sent from another site, so it was refused.")
        if page.new_cookie or not self.signer.csrf_ok(page.session, page.value("csrf_token")):
            raise PageError("This form has expired (or was not sent from this site), so "
                            "nothing was changed. Go back, reload the page and send it "
                            "again.")

    def _finish(self, page: Page, response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        if page.new_cookie:
            self.set_session(page, response, page.session)
        if page.flash is not None:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def set_session(self, page: Page, response: Response, session: Session) -> None:
        """Send the session cookie (HttpOnly, SameSite=Lax, Secure over https)."""
        response.set_cookie(
            SESSION_COOKIE, self.signer.encode(session),
            max_age=max(session.expires_at - session.issued_at, 0), path="/",
            httponly=True, samesite="lax", secure=page.secure)


async def _form(request: Request) -> dict[str, list[str]]:
    """The posted fields of an urlencoded form (the only kind the pages send)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise PageError("The form is too large.")
    form: dict[str, list[str]] = {}
    text = body.decode("utf-8", "replace")
    for name, value in parse_qsl(text, keep_blank_values=True, max_num_fields=2000):
        form.setdefault(name, []).append(value.replace("\r\n", "\n"))
    return form


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _to_sign_in(request: Request, message: str | None) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    params = {"next": target} if request.method == "GET" and target != "/" else {}
    if message:
        params["ended"] = "1"
    url = "/sign-in" + ("?" + urlencode(params) if params else "")
    return RedirectResponse(url, status_code=303)


def url(path: str, **params: object) -> str:
    """A path with its query (parameters that are None or "" left out)."""
    query = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    return path + ("?" + urlencode(query) if query else "")


def path_id(value: str) -> str:
    """An id as a path segment."""
    return quote(value, safe="")


def first_value(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name)
    return values[-1] if values else ""
