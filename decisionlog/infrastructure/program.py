"""How the user reaches the `decisionlog` command from the shell they are in.

`make serve` installs it into `.venv/bin/`, which is not on the PATH unless the venv is
activated: a hint that says `decisionlog token create …` would fail with "command not
found". Every hint the command line and the server print names the command through
`program()`.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

NAME = "decisionlog"


def program() -> str:
    """`decisionlog` when that name on the PATH is this installation's script; else the
    script's path, relative to the working directory when it lies below it (as
    `.venv/bin/decisionlog` does after `make serve`)."""
    script = Path(sys.executable).parent / NAME  # the venv's bin/, symlinks unresolved
    if not script.is_file():
        return NAME
    found = shutil.which(NAME)
    if found is not None and Path(found).resolve() == script.resolve():
        return NAME
    try:
        shown = str(script.relative_to(Path.cwd()))
    except ValueError:
        shown = str(script)
    if "/" not in shown:  # a bare name would be looked up on the PATH
        shown = f"./{shown}"
    return shlex.quote(shown)
