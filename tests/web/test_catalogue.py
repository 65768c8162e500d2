"""Nothing forgotten on the pages: every command a facilitator can give has its form,
and every field of a form is a field of its command (so the command is built from
the form, and the domain's errors find their field)."""

from __future__ import annotations

import dataclasses

from decisionlog.application import commands as c
from decisionlog.web.forms_catalogue import FORMS, START


def test_every_command_has_a_form() -> None:
    commands = {value for value in vars(c).values()
                if isinstance(value, type) and issubclass(value, c.Command)
                and value not in (c.Command, c.TrajectoryCommand)}
    with_forms = {spec.command for spec in (*FORMS.values(), START)}
    assert commands - with_forms == set()
    assert len(FORMS) + 1 == len(commands)  # one form each, no command twice


def test_every_field_of_a_form_is_a_field_of_its_command() -> None:
    for spec in (*FORMS.values(), START):
        names = {f.name for f in dataclasses.fields(spec.command)}  # type: ignore[arg-type]
        assert {f.name for f in spec.fields} <= names, spec.slug
        narrowing = {f.narrowed_by for f in spec.fields if f.narrowed_by}
        assert narrowing <= {f.name for f in spec.fields}, spec.slug
