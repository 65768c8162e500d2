"""The API's per-state memo: the same answers as the aggregate, once per state."""

from __future__ import annotations

from decisionlog.api.memo import StateMemo, is_within_mandate
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance

WHO = Provenance("tester", None, None)


def _trajectory() -> tuple[Trajectory, str, str, str]:
    t = Trajectory.start(name="Programme", client=None, description=None, provenance=WHO)
    anna = t.add_member(name="Anna", role="lead", side="CLIENT", membership="CORE",
                        provenance=WHO)
    bert = t.add_member(name="Bert", role="designer", side="PROVIDER", membership="CORE",
                        provenance=WHO)
    domain = t.define_domain(name="Design", description=None, provenance=WHO)
    t.grant_right(domain_id=domain, member_id=anna, role=None, right="DECIDES",
                  condition=None, provenance=WHO)
    return t, anna, bert, domain


def test_memo_computes_once_per_state() -> None:
    t, _, _, _ = _trajectory()
    states = StateMemo()
    calls: list[int] = []
    for _ in range(3):
        states.get(t, "thing", lambda: calls.append(1))
    assert len(calls) == 1
    t.add_member(name="Carla", role="designer", side="CLIENT", membership="CORE",
                 provenance=WHO)
    states.get(t, "thing", lambda: calls.append(1))
    assert len(calls) == 2


def test_unsaved_state_at_the_same_version_is_not_reused() -> None:
    # A command that triggered its event and then failed to save leaves a state at
    # version n+1 that the store never had; the saved event n+1 differs in its digest.
    t, _, _, _ = _trajectory()
    states = StateMemo()
    t.add_member(name="Carla", role="designer", side="CLIENT", membership="CORE",
                 provenance=WHO)
    states.get(t, "members", lambda: sorted(m.name for m in t.members.values()))
    other = Trajectory.start(name="Programme", client=None, description=None,
                             provenance=WHO, trajectory_id=t.id)
    for _ in range(t.version - 2):
        other.add_member(name="Erik", role="designer", side="CLIENT", membership="CORE",
                         provenance=WHO)
    other.add_member(name="Dirk", role="designer", side="CLIENT", membership="CORE",
                     provenance=WHO)
    assert (other.id, other.version) == (t.id, t.version)
    names = states.get(other, "members", lambda: sorted(m.name for m in other.members.values()))
    assert "Dirk" in names and "Carla" not in names


def test_within_mandate_agrees_with_the_aggregate() -> None:
    memo = StateMemo()
    t, anna, bert, domain = _trajectory()
    inside = t.record_decision(domain_id=domain, title="In", statement="By Anna",
                               decided_by=[anna], provenance=WHO)
    outside = t.record_decision(domain_id=domain, title="Out", statement="By Bert",
                                decided_by=[bert], provenance=WHO)
    surfaced = t.surface_implicit_decision(domain_id=domain, title="Quiet",
                                           statement="Nobody said it", surfaced_by=bert,
                                           provenance=WHO)
    for decision_id in (inside, outside, surfaced):
        decision = t.decisions[decision_id]
        assert is_within_mandate(memo, t, decision) == t.is_within_mandate(decision)
    assert not is_within_mandate(memo, t, t.decisions[outside])
