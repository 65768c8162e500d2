"""Exports: the jsonl export verifies offline and replays; the register reads right."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.audit import offline_verify
from decisionlog.audit.export import export, export_jsonl, export_markdown
from decisionlog.audit.replay import ExportDamagedError, replay_jsonl
from decisionlog.domain.errors import TrajectoryNotFoundError
from tests.audit.helpers import looking_back_story, merger_story

SCRIPT = Path(offline_verify.__file__)


@pytest.fixture
def merger(app: DecisionLog) -> UUID:
    return merger_story(app)


def check_offline(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run the offline verifier as an auditor would: a bare interpreter, isolated."""
    return subprocess.run([sys.executable, "-I", str(SCRIPT), str(path), *extra],
                          capture_output=True, text=True, check=False, timeout=60)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_export_round_trip_verifies_offline_and_replays_identically(
        app: DecisionLog, merger: UUID, tmp_path: Path) -> None:
    lines = list(export_jsonl(app, merger))
    trajectory = app.get_trajectory(merger)
    assert trajectory is not None and len(lines) == trajectory.version == 29
    # offline, with nothing but the standard library
    done = check_offline(write(tmp_path / "t.jsonl", lines),
                         "--expect-head", trajectory.head_digest)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"29 events intact, head digest {trajectory.head_digest}" in done.stdout
    # replayed into the same state as the store gives, cached or freshly loaded
    replayed = replay_jsonl(lines)
    assert replayed == trajectory
    fresh = DecisionLog(env=dict(app.env))  # the same store, nothing cached
    try:
        assert replayed == fresh.get_trajectory(merger)
    finally:
        fresh.close()
    assert replayed.who_decides_what() == trajectory.who_decides_what()


def test_a_line_holds_the_record_and_its_digest(app: DecisionLog, merger: UUID) -> None:
    first = json.loads(next(export_jsonl(app, merger)))
    assert list(first) == ["trajectoryId", "version", "type", "recordedAt", "recordedBy",
                           "idempotencyKey", "inputDigest", "data", "previousDigest", "digest"]
    assert (first["trajectoryId"], first["version"], first["type"]) == (
        str(merger), 1, "TrajectoryStarted")


@pytest.mark.parametrize("damage", ["altered", "deleted", "swapped", "duplicated", "truncated"])
def test_a_tampered_export_is_refused(app: DecisionLog, merger: UUID, tmp_path: Path,
                                      damage: str) -> None:
    lines = list(export_jsonl(app, merger))
    head = json.loads(lines[-1])["digest"]
    if damage == "altered":
        lines[11] = lines[11].replace("Merge the tracks", "Split the tracks")
    elif damage == "deleted":
        del lines[11]
    elif damage == "swapped":
        lines[11], lines[12] = lines[12], lines[11]
    elif damage == "duplicated":
        lines.insert(12, lines[11])
    else:
        del lines[-1]
    done = check_offline(write(tmp_path / "t.jsonl", lines), "--expect-head", head)
    assert done.returncode == 1 and "DAMAGED" in done.stdout
    if damage != "truncated":
        line = 13 if damage == "duplicated" else 12
        assert f"line {line} " in done.stdout, done.stdout
        with pytest.raises(ExportDamagedError) as refused:
            replay_jsonl(lines)
        assert refused.value.line == line


def test_a_duplicated_key_cannot_hide_a_second_value(app: DecisionLog, merger: UUID,
                                                     tmp_path: Path) -> None:
    lines = list(export_jsonl(app, merger))
    lines[0] = lines[0].replace('{"trajectoryId"', '{"recordedBy":"someone else",'
                                                   '"trajectoryId"', 1)
    done = check_offline(write(tmp_path / "t.jsonl", lines))
    assert done.returncode == 1 and "line 1:" in done.stdout


def test_the_offline_verifier_imports_only_the_standard_library() -> None:
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_the_register_has_every_decision_the_matrix_and_its_history(
        app: DecisionLog, merger: UUID) -> None:
    text = export_markdown(app, merger)
    trajectory = app.get_trajectory(merger)
    assert trajectory is not None
    first, second = list(trajectory.decisions)[:2]
    assert text.startswith("# Decision register: Merger programme")
    assert f"- Head digest: `{trajectory.head_digest}`" in text
    assert "### D1. Keep two regional tracks" in text
    assert f"- Status: Superseded by [D2. Merge the tracks in year two](#decision-{second})" \
        in text
    assert f"- Supersedes: [D1. Keep two regional tracks](#decision-{first})" in text
    assert f'<a id="decision-{first}"></a>' in text
    assert "- Decision-makers: Anna de Vries" in text
    assert "- Consulted: Bram Ëlberg" in text
    assert "- Informed: Cas" in text
    assert "1. one track\n2. two tracks" in text
    assert "Because: The difference that makes the difference." in text
    assert "An implicit decision, surfaced by Cas" in text
    assert "Evidence: Minutes of three sessions" in text
    assert "Rejected on" in text and "Withdrawn on" in text
    assert "## Who decides what" in text
    assert "| Programme design | Anna de Vries (during the design phase) |" in text
    assert "## Changes to who decides what" in text
    assert ("Bram Ëlberg (programme manager) no longer DECIDES on Budget (above 10k euro): "
            "Budget moves to HR") in text
    assert sum(1 for line in text.splitlines() if line.startswith("### D")) == 5


def test_the_register_keeps_observed_outcomes_apart_from_the_decision_outcome(
        app: DecisionLog, merger: UUID) -> None:
    looking_back_story(app, merger)
    trajectory = app.get_trajectory(merger)
    assert trajectory is not None
    mixed = next(d for d in trajectory.decisions.values() if d.title == "Mixed groups")
    new_lines = mixed.within_frames[0]
    # an outcome that asks to reverse it: up for review
    app.handle(c.RecordOutcome(trajectory_id=str(merger), decision_id=mixed.id,
                               verdict="REVERSE", outcome="Nobody | mixes <b>any more</b>."),
               recorded_by="auditor")
    text = export_markdown(app, merger)
    section = text[text.index("### D7. Mixed groups"):text.index("### D8.")]
    assert "#### Decision outcome\n\nBoth organisations mix." in section
    assert f"- Within frames: [D8. Long lines, redesigned](#decision-{new_lines})" in section
    assert "- Review by: 2031-03-01T00:00:00+00:00" not in section  # cleared: reconfirmed
    assert "- Up for review: An observed outcome asks to reverse it: Nobody" in section
    observed = section[section.index("#### Observed outcomes"):]
    assert "verdict ADJUST, observed by Cas: Groups split by origin." in observed
    assert "verdict REVERSE: Nobody \\| mixes &lt;b&gt;any more&lt;/b&gt;." in observed
    assert section.index("#### Decision outcome") < section.index("#### Observed outcomes")
    assert "#### Reconfirmations\n\n- " in section
    assert "by Anna de Vries: The split was the first week only." in section


def test_exporting_an_unknown_trajectory_is_not_found(app: DecisionLog) -> None:
    for export_format in ("jsonl", "markdown"):
        with pytest.raises(TrajectoryNotFoundError):
            export(app, uuid4(), export_format)
    with pytest.raises(ValueError, match="Unknown export format"):
        export(app, uuid4(), "pdf")
