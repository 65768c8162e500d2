"""The forms' pages: show a form, and on a post, build its command, submit it, and
either go on (see other) or show the form again with what was typed and the errors.

Every form carries the version of the trajectory it was made from (a change made
meanwhile gives "this trajectory changed since you opened it", with the changes) and an
idempotency key made when it was shown (a double click or a form sent again records
once).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from decisionlog.audit.summaries import describe
from decisionlog.domain.errors import (
    DecisionLogError,
    IdempotencyKeyReusedError,
    ValidationError,
    VersionConflictError,
)
from decisionlog.web.forms import FormState, command_of, field_of, parse, prefilled, readable
from decisionlog.web.forms_catalogue import FORMS, START
from decisionlog.web.render import moments
from decisionlog.web.site import NotAllowedError, PageError, PageNotFoundError
from decisionlog.web.writes import submit

if TYPE_CHECKING:
    from starlette.responses import Response

    from decisionlog.domain.trajectory import Trajectory
    from decisionlog.web.forms import FormSpec
    from decisionlog.web.site import Page

MAX_KEY = 200


async def trajectory_form(page: Page) -> Response:
    """`/trajectories/{id}/forms/{slug}`: a form that changes the trajectory."""
    spec = FORMS.get(page.request.path_params["slug"])
    if spec is None:
        raise PageNotFoundError("There is no such form.")
    trajectory = page.trajectory(page.request.path_params["trajectory_id"])
    tid = str(trajectory.id)
    if not page.who.may_write(tid):
        raise NotAllowedError(f"You may read this trajectory, but your token "
                              f"({page.who.name}, {page.who.role}) may not change it.")
    if page.request.method == "GET":
        state = prefilled(spec, page.request.query_params,
                          {k: page.request.query_params.getlist(k)
                           for k in page.request.query_params})
        return _show(page, spec, state, trajectory, trajectory.version, _new_key())
    return await _post(page, spec, trajectory)


async def start_form(page: Page) -> Response:
    """`/trajectories/new`: start a trajectory."""
    if not page.who.may_write(None):
        raise NotAllowedError("Your token may not start trajectories" + (
            " (it is limited to some trajectories)." if page.who.can_write else "."))
    if page.request.method == "GET":
        return _show(page, START, prefilled(START, {}, {}), None, None, _new_key())
    return await _post(page, START, None)


async def _post(page: Page, spec: FormSpec, trajectory: Trajectory | None) -> Response:
    key = page.value("idempotency_key")[:MAX_KEY] or None
    expected = _expected_version(page) if trajectory is not None else None
    values, state = parse(spec, page.form)
    if state.errors:
        return _show(page, spec, state, trajectory, expected, key, status=400)
    addressing = {} if trajectory is None else {"trajectory_id": str(trajectory.id)}
    try:
        command = command_of(spec, values, **addressing)
        result = await submit(page.site, command, recorded_by=page.who.name,
                              expected_version=expected, idempotency_key=key)
    except VersionConflictError as error:
        assert trajectory is not None
        current = page.trajectory(str(trajectory.id))
        state.problems.append(
            "This trajectory changed since you opened this form, so nothing was recorded. "
            "Here is what changed meanwhile; the form below shows the trajectory as it is "
            "now, with what you typed. Check it still makes sense, then send it again.")
        state.changes = _changes(page, current, error.expected_version)
        return _show(page, spec, state, current, current.version, key, status=409)
    except ValidationError as error:
        _place(spec, state, error)
        return _show(page, spec, state, trajectory, expected, key, status=400)
    except IdempotencyKeyReusedError:
        # The form was sent before with other values (back, change, send): this is a
        # new change; a new key records it once the visitor sends it again.
        state.problems.append(
            "This form was already sent once, with other values, so nothing was recorded "
            "now. If you mean to record this as another change, check it and send it "
            "again.")
        if trajectory is None:
            return _show(page, spec, state, None, None, _new_key(), status=400)
        now = page.trajectory(str(trajectory.id))
        return _show(page, spec, state, now, now.version, _new_key(), status=400)
    except DecisionLogError as error:  # a broken rule: beside the field it names, if any
        _place(spec, state, error)
        return _show(page, spec, state, trajectory, expected, key, status=400)
    done = spec.done(page.site.log.trajectory_after(result), result)
    message = done.message if not result.repeated else (
        done.message + " (This form had been sent already: it was recorded once.)")
    return page.redirect(done.url, flash=message)


def _place(spec: FormSpec, state: FormState, error: DecisionLogError) -> None:
    """An error beside the field it names (a `ValidationError`, or a broken rule about
    one value, such as a start before the trajectory's), or above the form when it
    names no field of the form."""
    name = getattr(error, "field", None)
    field = field_of(spec, name) if isinstance(name, str) else None
    message = moments(readable(spec, error.message))
    if field is None:
        state.problems.append(message)
    else:
        state.errors[field.name] = message


def _changes(page: Page, current: Trajectory, since: int) -> list[str]:
    events = page.site.log.history(current.id, after=since, limit=20)
    return [f"{describe(e, current)} (by {e.recorded_by}, event {e.originator_version})"
            for e in events]


def _expected_version(page: Page) -> int:
    text = page.value("expected_version")
    if not text.isdigit() or len(text) > 9:
        raise PageError("This form is damaged (its version is missing): reload it.")
    return int(text)


def _new_key() -> str:
    return "page-" + secrets.token_urlsafe(18)


def _show(page: Page, spec: FormSpec, state: FormState, trajectory: Trajectory | None,
          expected: int | None, key: str | None, *, status: int = 200) -> Response:
    action = ("/trajectories/new" if trajectory is None
              else f"/trajectories/{trajectory.id}/forms/{spec.slug}")
    return page.render("form.html", code=status, spec=spec, state=state,
                       trajectory=trajectory,
                       tid=None if trajectory is None else str(trajectory.id),
                       action=action, expected_version=expected, idempotency_key=key or "")
