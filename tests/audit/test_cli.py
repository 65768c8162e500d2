"""`decisionlog verify` and `decisionlog export` on SQLite files, intact and tampered."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from decisionlog.audit import offline_verify
from decisionlog.cli.audit import VerifyProgress, parse_anchors
from decisionlog.cli.main import main
from tests.audit.helpers import (
    delete,
    merger_story,
    open_app,
    set_state,
    small_story,
    state_of,
    stored_events,
)

SCRIPT = Path(offline_verify.__file__)

Story = tuple[Path, UUID, UUID, str]


@pytest.fixture
def story(tmp_path: Path) -> Story:
    """A SQLite file with the merger story (29 events) and a small one (5); the merger's
    head digest."""
    path = tmp_path / "cli.db"
    app = open_app(path)
    merger, small = merger_story(app), small_story(app, 5)
    trajectory = app.get_trajectory(merger)
    assert trajectory is not None
    app.close()
    return path, merger, small, trajectory.head_digest


def decisionlog(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line in-process: (exit status, stdout, stderr)."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_verify_exits_0_on_an_intact_file_and_writes_nothing(
        story: Story, capsys: pytest.CaptureFixture[str]) -> None:
    path, merger, small, head = story
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    status, out, err = decisionlog(capsys, "verify", "--database", url(path))
    assert status == 0, out + err
    assert f"{merger} OK 29 events head {head}" in out
    assert f"{small} OK 5 events" in out
    assert out.splitlines()[-1].startswith("OK: 2 trajectories, 34 events")
    assert err == ""  # no progress when stderr is not a terminal
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    # one trajectory, and an anchor it still reaches
    status, out, _ = decisionlog(capsys, "verify", "--database", url(path), "--trajectory",
                                 str(merger), "--expect-head", f"{merger}={head}")
    assert status == 0 and str(small) not in out


def test_verify_exits_1_on_a_changed_byte_and_names_the_version(
        story: Story, capsys: pytest.CaptureFixture[str]) -> None:
    path, merger, small, _ = story
    with stored_events(path) as connection:
        state = bytearray(state_of(connection, merger, 11))
        state[state.index(b"Keep two regional tracks")] ^= 0x01
        set_state(connection, merger, 11, bytes(state))
    status, out, _ = decisionlog(capsys, "verify", "--database", url(path))
    assert status == 1
    assert f"{merger} DAMAGED at version 11: ALTERED" in out
    assert f"{small} OK 5 events" in out
    assert out.splitlines()[-1].startswith("DAMAGED (1 damaged)")
    status, _, _ = decisionlog(capsys, "verify", "--database", url(path), "--trajectory",
                               str(small))
    assert status == 0


def test_a_deleted_last_event_is_found_only_against_an_expected_head(
        story: Story, capsys: pytest.CaptureFixture[str]) -> None:
    path, merger, _, head = story
    with stored_events(path) as connection:
        delete(connection, merger, 29)
    assert decisionlog(capsys, "verify", "--database", url(path))[0] == 0
    status, out, _ = decisionlog(capsys, "verify", "--database", url(path),
                                 "--expect-head", f"{merger}={head}")
    assert status == 1 and f"{merger} DAMAGED at version 29: TRUNCATED" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--expect-head", "nonsense"], "ID=DIGEST"),
    (["--expect-head", f"{UUID(int=1)}=abc"], "64 hex digits"),
    (["--trajectory", "not-an-id"], "not a trajectory id"),
    (["--trajectory", str(UUID(int=1))], "nothing is stored"),
    (["--trajectory", str(UUID(int=1)), "--expect-head", f"{UUID(int=2)}={'a' * 64}"],
     "leaves out"),
])
def test_verify_usage_errors_exit_2(story: Story, capsys: pytest.CaptureFixture[str],
                                    argv: list[str], message: str) -> None:
    status, _, err = decisionlog(capsys, "verify", "--database", url(story[0]), *argv)
    assert status == 2 and message in err


def test_verify_of_a_missing_file_exits_2_and_creates_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.db"
    status, _, err = decisionlog(capsys, "verify", "--database", url(missing))
    assert status == 2 and f"no decision log at {missing}" in err
    assert not missing.exists()


def test_the_jsonl_export_verifies_offline(story: Story, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path, merger, _, head = story
    target = tmp_path / "merger.jsonl"
    status, out, err = decisionlog(capsys, "export", "--database", url(path), "--trajectory",
                                   str(merger), "--format", "jsonl", "--output", str(target))
    assert (status, out, err) == (0, "", "")
    assert len(target.read_text(encoding="utf-8").splitlines()) == 29
    assert not list(tmp_path.glob("*.partial"))
    # offline, with a bare interpreter and nothing but the standard library
    done = subprocess.run([sys.executable, "-I", str(SCRIPT), str(target), "--expect-head",
                           head], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{merger}: 29 events intact, head digest {head}" in done.stdout
    # and to stdout, the same lines
    status, out, _ = decisionlog(capsys, "export", "--database", url(path), "--trajectory",
                                 str(merger), "--format", "jsonl")
    assert status == 0 and out == target.read_text(encoding="utf-8")


def test_the_markdown_export_is_the_decision_register(
        story: Story, capsys: pytest.CaptureFixture[str]) -> None:
    path, merger, _, head = story
    status, out, _ = decisionlog(capsys, "export", "--database", url(path), "--trajectory",
                                 str(merger), "--format", "markdown")
    assert status == 0
    assert out.startswith("# Decision register: Merger programme\n")
    assert head in out and "Keep two regional tracks" in out


def test_export_errors(story: Story, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    path, merger, _, _ = story
    status, _, err = decisionlog(capsys, "export", "--database", url(path), "--trajectory",
                                 str(UUID(int=1)), "--format", "jsonl")
    assert status == 1 and "no trajectory" in err
    with pytest.raises(SystemExit):  # argparse: an unknown format
        main(["export", "--database", url(path), "--trajectory", str(merger),
              "--format", "pdf"])
    with stored_events(path) as connection:
        set_state(connection, merger, 3, b"{not json")
    target = tmp_path / "damaged.jsonl"
    status, _, err = decisionlog(capsys, "export", "--database", url(path), "--trajectory",
                                 str(merger), "--format", "jsonl", "--output", str(target))
    assert status == 1 and "decisionlog verify" in err
    assert not target.exists() and not list(tmp_path.glob("*.partial"))


def test_progress_shows_rate_and_eta_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = VerifyProgress(stream)
    progress(5_000, 20_000)
    progress.finish()
    text = stream.getvalue()
    assert "5,000/20,000 events" in text and "events/s" in text and "ETA" in text
    assert text.endswith("\r\x1b[K")  # the line is cleared before the summary
    quiet = io.StringIO()
    VerifyProgress(quiet).finish()
    assert quiet.getvalue() == ""


def test_parse_anchors_canonicalises_ids() -> None:
    tid = UUID(int=5)
    digest = "A" * 64
    assert parse_anchors([f"{str(tid).upper()}={digest}"]) == {str(tid): "a" * 64}


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_verify_shows_progress_on_a_terminal_only(
        story: Story, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["verify", "--database", url(story[0])]) == 0
    assert "verify: 34/" in terminal.getvalue() and "events/s" in terminal.getvalue()
