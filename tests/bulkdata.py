"""Many events, fast: trajectories built in memory and saved many per transaction, through
the application's own recorder (so the read models are written live, as by the service)."""

from __future__ import annotations

from decisionlog.application import DecisionLog
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance
from decisionlog.infrastructure.config import parse_database_url

PROVENANCE = Provenance("bulk", None, None)
SAVE_EVERY = 20  # trajectories per transaction


def fill(url: str, *, trajectories: int, decisions: int) -> list[str]:
    """Store `trajectories` trajectories of `decisions` decisions each (and 5 events of
    team, domain and right); returns their ids."""
    app = DecisionLog(env=parse_database_url(url).env)
    ids: list[str] = []
    pending: list[Trajectory] = []
    try:
        for n in range(trajectories):
            pending.append(_trajectory(f"Bulk programme {n}", decisions))
            ids.append(str(pending[-1].id))
            if len(pending) == SAVE_EVERY:
                app.save(*pending)
                pending.clear()
        if pending:
            app.save(*pending)
    finally:
        app.close()
    return ids


def _trajectory(name: str, decisions: int) -> Trajectory:
    t = Trajectory.start(name=name, client="Bulk client", description=None,
                         provenance=PROVENANCE)
    anna = t.add_member(name="Anna", role="lead", side="CLIENT", membership="CORE",
                        provenance=PROVENANCE)
    t.add_member(name="Bram", role="designer", side="PROVIDER", membership="CORE",
                 provenance=PROVENANCE)
    domain = t.define_domain(name="Programme design", description=None,
                             provenance=PROVENANCE)
    t.grant_right(domain_id=domain, member_id=anna, role=None, right="DECIDES",
                  condition=None, provenance=PROVENANCE)
    for n in range(decisions):
        t.record_decision(domain_id=domain, title=f"Step {n} of {name}",
                          statement=f"The team takes step {n}.", decided_by=[anna],
                          provenance=PROVENANCE)
    return t
