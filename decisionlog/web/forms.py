"""Forms as data: the fields of a form, how posted text becomes a command's values, and
how the domain's errors come back beside the field they concern.

A `FormSpec` names its command class and its fields; each field's `name` is the
command's field (snake_case), and the domain's `ValidationError.field` (camelCase, as
the API spells it) finds its field by the same name. Choices (members, domains,
decisions, rights) are read from the trajectory's state when the form is shown.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from decisionlog.web.timetravel import MomentError, parse_moment

if TYPE_CHECKING:
    from decisionlog.application.requests import CommandResult
    from decisionlog.domain.trajectory import Trajectory

FieldKind = Literal["text", "textarea", "select", "radio", "checkboxes", "lines", "datetime",
                    "number"]
MAX_DIGITS = 9
Values = dict[str, Any]


@dataclass(frozen=True)
class Choice:
    value: str
    text: str
    hint: str | None = None


ChoiceSource = Callable[["Trajectory"], list[Choice]]
# The choices once another field is chosen (None: that value chooses nothing known)
NarrowedSource = Callable[["Trajectory", str], "list[Choice] | None"]


@dataclass(frozen=True)
class Field:
    """One labelled input of a form."""

    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    hint: str | None = None
    choices: ChoiceSource | Sequence[Choice] | None = None
    blank: str | None = None  # the text of an empty first option ("keep as it is")
    suggestions: ChoiceSource | None = None  # a datalist for a text field
    default: str | None = None
    enum: type[StrEnum] | None = None  # the values are this enumeration's
    narrowed: NarrowedSource | None = None  # the choices once `narrowed_by` is chosen
    narrowed_by: str | None = None

    @property
    def camel(self) -> str:
        """The name the domain and the API use for this field."""
        head, *rest = self.name.split("_")
        return head + "".join(part.capitalize() for part in rest)

    def options(self, trajectory: Trajectory | None, state: FormState | None = None
                ) -> list[Choice]:
        """The choices: from the trajectory's state, narrowed by what the form chose in
        `narrowed_by` (the people still to tell of the decision chosen, say)."""
        if self.narrowed is not None and self.narrowed_by and state is not None \
                and trajectory is not None and state.value(self.narrowed_by):
            narrowed = self.narrowed(trajectory, state.value(self.narrowed_by))
            if narrowed is not None:
                return narrowed
        source = self.choices
        if source is None:
            return []
        if callable(source):
            return source(trajectory) if trajectory is not None else []
        return list(source)

    def datalist(self, trajectory: Trajectory | None) -> list[Choice]:
        if self.suggestions is None or trajectory is None:
            return []
        return self.suggestions(trajectory)


@dataclass(frozen=True)
class Done:
    """Where to go once the command is stored, and what to say there."""

    url: str
    message: str


@dataclass(frozen=True)
class FormSpec:
    """A form that submits one command."""

    slug: str
    title: str
    submit: str
    command: Callable[..., Any]
    fields: tuple[Field, ...]
    done: Callable[[Trajectory, CommandResult], Done]
    intro: str | None = None
    group: str = "Other"
    available: Callable[[Trajectory], bool] = lambda _: True
    primary: bool = False

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class FormState:
    """A form as shown: what was typed (kept after an error) and the errors."""

    raw: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field name: message
    problems: list[str] = field(default_factory=list)  # above the form
    changes: list[str] = field(default_factory=list)  # made meanwhile (a version conflict)

    def value(self, name: str) -> str:
        values = self.raw.get(name)
        return values[-1] if values else ""

    def chosen(self, name: str) -> list[str]:
        return self.raw.get(name, [])


def prefilled(spec: FormSpec, query: Mapping[str, str], many: Mapping[str, list[str]]
              ) -> FormState:
    """A fresh form, with the defaults and what the link that opened it chose."""
    raw: dict[str, list[str]] = {}
    for f in spec.fields:
        if f.kind in ("checkboxes",) and many.get(f.name):
            raw[f.name] = list(many[f.name])
        elif query.get(f.name):
            raw[f.name] = [query[f.name]]
        elif f.default is not None:
            raw[f.name] = [f.default]
    return FormState(raw=raw)


def parse(spec: FormSpec, posted: Mapping[str, list[str]]) -> tuple[Values, FormState]:
    """The command's values from a posted form; typing errors (a date that is not one)
    are in the state's `errors`."""
    state = FormState(raw={f.name: list(posted.get(f.name, [])) for f in spec.fields})
    values: Values = {}
    for f in spec.fields:
        given = posted.get(f.name, [])
        text = given[-1] if given else ""
        if f.kind == "checkboxes":
            values[f.name] = [v for v in given if v]
        elif f.kind == "lines":
            values[f.name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif f.kind == "number":
            if not text.strip():
                values[f.name] = None
            elif re.fullmatch(rf"[+-]?\d{{1,{MAX_DIGITS}}}", text.strip()):
                values[f.name] = int(text)
            else:
                state.errors[f.name] = f"{f.label}: give a whole number, like 3."
        elif f.kind == "datetime":
            try:
                values[f.name] = parse_moment(text, field=f.label)
            except MomentError:
                state.errors[f.name] = (f"{f.label}: give a date and time, like "
                                        "2025-03-04 14:30.")
        elif f.required:
            values[f.name] = text
        else:
            values[f.name] = text if text.strip() else None
        if f.enum is not None and values.get(f.name) in f.enum.__members__:
            values[f.name] = f.enum(values[f.name])
    return values, state


def command_of(spec: FormSpec, values: Values, **addressing: Any) -> Any:
    """The command of the form: lists as tuples, and fields left empty that have a
    default left to it."""
    defaults = {f.name for f in dataclasses.fields(spec.command)  # type: ignore[arg-type]
                if f.default is not dataclasses.MISSING}
    kwargs = {name: tuple(value) if isinstance(value, list) else value
              for name, value in values.items()
              if not (value is None and name in defaults)}
    return spec.command(**addressing, **kwargs)


def field_of(spec: FormSpec, domain_field: str) -> Field | None:
    """The form's field for a field name as the domain gives it (camelCase)."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", domain_field).lower()
    return spec.field(snake)


def readable(spec: FormSpec, message: str) -> str:
    """The domain's message in the form's words: a field's API name (`decidedBy`)
    becomes its label ("Decided by"), quoted inside a sentence ("role" too, which the
    grant form's either-or message names)."""
    for f in spec.fields:
        if message.startswith(f.camel + " "):
            message = f.label + message[len(f.camel):]
        elif f.camel != f.name or f.name == "role":  # not a plain English word
            message = re.sub(rf"\b{re.escape(f.camel)}\b", f'"{f.label}"', message)
    return message
