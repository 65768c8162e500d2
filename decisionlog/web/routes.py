"""The pages' URLs: each names its view and whether it needs a signed-in visitor."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from decisionlog.web import audit_pages, form_pages, listing, trajectory_pages, visitors
from decisionlog.web.site import Site

STATIC = Path(__file__).parent / "static"
TRAJECTORY = "/trajectories/{trajectory_id}"


def routes(site: Site) -> list[BaseRoute]:
    """The routes of every page, served by `site`."""
    view = site.view
    return [
        Route("/", view(visitors.front_door, sign_in=False)),
        Route("/sign-in", view(visitors.sign_in_form, sign_in=False), methods=["GET"]),
        Route("/sign-in", view(visitors.sign_in, sign_in=False), methods=["POST"]),
        Route("/sign-out", view(visitors.sign_out), methods=["POST"]),
        Route("/trajectories", view(listing.trajectories)),
        Route("/trajectories/new", view(form_pages.start_form), methods=["GET", "POST"]),
        Route(TRAJECTORY, view(trajectory_pages.board_page)),
        Route(TRAJECTORY + "/decisions", view(trajectory_pages.decisions_page)),
        Route(TRAJECTORY + "/decisions/{decision_id}", view(trajectory_pages.decision_page)),
        Route(TRAJECTORY + "/history", view(trajectory_pages.history_page)),
        Route(TRAJECTORY + "/forms/{slug}", view(form_pages.trajectory_form),
              methods=["GET", "POST"]),
        Route(TRAJECTORY + "/audit", view(audit_pages.trajectory_audit)),
        Route(TRAJECTORY + "/export.{format}", view(audit_pages.download)),
        Route("/audit", view(audit_pages.audit_log)),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
