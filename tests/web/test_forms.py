"""The forms: every command through its form, errors where they belong, what was typed
kept, a change made meanwhile, a form sent twice."""

from __future__ import annotations

from typing import Any

from tests.e2e.client import GraphQLClient, Server
from tests.web.conftest import MakeVisitor
from tests.web.pages_client import Page, Visitor

STATE = """query($id: ID!) { trajectory(id: $id) {
  name status version
  members(includeFormer: true) { id name role membership active }
  domains { id name active }
  decisionRights(includeRevoked: true) { id right condition inForce
    holder { __typename ... on Member { name } ... on Role { name } } }
  decisions(first: 100) { edges { node { id title status origin kind scale
    optionsConsidered decidedBy { name } supersedes { id } } } }
  history(first: 100) { edges { node { type recordedBy } } }
} }"""


def _state(api: GraphQLClient, trajectory_id: str) -> dict[str, Any]:
    state: dict[str, Any] = api.execute(STATE, {"id": trajectory_id})["trajectory"]
    return state


def _choice(page: Page, name: str, text: str) -> str:
    """The value of the option or box labelled `text` in field `name`."""
    for option in page.document.find("option"):
        if option.text.strip().startswith(text) and option.attrs.get("value"):
            return option.attrs["value"]
    for box in page.document.find("input", name=name):
        label = page.document.find("label", **{"for": box.attrs["id"]})
        if label and label[0].text.strip().startswith(text):
            return box.attrs["value"]
    raise AssertionError(f"no choice {text!r} for {name}")


class Facilitator:
    """Fills in a trajectory's forms the way a person would: by the labels it reads."""

    def __init__(self, someone: Visitor, trajectory_id: str) -> None:
        self.someone = someone
        self.tid = trajectory_id

    def open(self, slug: str, **query: str) -> Page:
        page = self.someone.get(f"/trajectories/{self.tid}/forms/{slug}", **query)
        assert page.status == 200, page.text[:300]
        return page

    def fill(self, slug: str, fields: dict[str, Any], chosen: dict[str, Any] | None = None,
             **query: str) -> Page:
        """Send the form with `fields` as typed and `chosen` by their labels (a list
        for boxes)."""
        form = self.open(slug, **query)
        values = dict(fields)
        for name, texts in (chosen or {}).items():
            if isinstance(texts, list):
                values[name] = [_choice(form, name, t) for t in texts]
            else:
                values[name] = _choice(form, name, texts)
        return self.someone.submit(f"/trajectories/{self.tid}/forms/{slug}", values,
                                   opened=form)


def test_every_command_through_its_form(server: Server, visitor: MakeVisitor) -> None:
    someone = visitor("facilitator")
    api = server.client(server.facilitator_token)
    started = someone.submit("/trajectories/new", {
        "name": "Programme for the forms", "client": "Forms Inc.", "description": ""})
    assert started.status == 200 and "Started." in started.text
    tid = started.response.url.path.rsplit("/", 1)[1]
    f = Facilitator(someone, tid)

    # The team
    added = f.fill("add-member", {"name": "Anna", "role": "HR lead", "side": "CLIENT",
                                  "membership": "CORE"})
    assert "Added to the team: Anna" in added.text
    f.fill("add-member", {"name": "Bram", "role": "programme manager", "side": "PROVIDER",
                          "membership": "SPECIALIST"})
    f.fill("add-member", {"name": "Cas", "role": "learning facilitator", "side": "PROVIDER",
                          "membership": "CORE"})
    f.fill("change-member", {"role": "client sponsor", "membership": ""},
           {"member_id": "Anna"})
    # Domains and rights
    f.fill("define-domain", {"name": "Budget", "description": "Above the frame."})
    f.fill("define-domain", {"name": "Programme design", "description": ""})
    f.fill("define-domain", {"name": "Catering", "description": ""})
    f.fill("retire-domain", {"reason": "Not ours to decide."}, {"domain_id": "Catering"})
    f.fill("grant-right", {"right": "DECIDES", "role": "", "condition": "above 10k euro"},
           {"domain_id": "Budget", "member_id": "Anna"})
    f.fill("grant-right", {"right": "DECIDES", "member_id": "", "role": "programme manager",
                           "condition": ""}, {"domain_id": "Programme design"})
    f.fill("grant-right", {"right": "ADVISES", "role": "", "condition": ""},
           {"domain_id": "Budget", "member_id": "Cas"})
    f.fill("revoke-right", {"reason": "Cas only facilitates."}, {"right_id": "Budget: Cas"})
    # Decisions
    recorded = f.fill("record-decision", {
        "title": "Start with a Gideon's band", "statement": "A small group builds by doing.",
        "rationale": "Paper plans stalled.", "options_considered": "Paper first\nBy doing\n",
        "scale": "LARGE", "kind": "FRAME", "decided_at": "2025-03-04T10:00"},
        {"domain_id": "Programme design", "decided_by": ["Bram"], "consulted": ["Cas"]})
    assert "Recorded: Start with a Gideon" in recorded.text
    first = recorded.response.url.path
    supersede = [a for a in recorded.document.find("a")
                 if "supersedes=" in a.attrs.get("href", "")]
    assert supersede, "the decision page offers to supersede it"
    form = someone.get(supersede[0].attrs["href"])
    assert form.document.find("option", selected="")[0].text.strip() == "Programme design"
    second = someone.submit(form.response.url.path, {
        **_checked(form), "domain_id": _choice(form, "domain_id", "Programme design"),
        "title": "Second module from the band", "statement": "The band's patterns shape it.",
        "decided_by": _choice(form, "decided_by", "Bram")}, opened=form)
    assert "Recorded: Second module" in second.text
    assert first.rsplit("/", 1)[1] in second.response.text  # links to what it superseded
    f.fill("surface-implicit-decision", {
        "title": "The works council is no longer invited",
        "statement": "Since session two nobody invites them.", "since": "2025-02-01",
        "evidence": "Invitation lists."}, {"domain_id": "Budget", "surfaced_by": "Anna"})
    f.fill("ratify-decision", {"rationale": "They asked to be informed only."},
           {"decision_id": "The works council", "ratified_by": ["Anna"]})
    f.fill("surface-implicit-decision", {"title": "Lunch became optional",
                                         "statement": "Nobody eats together any more."},
           {"domain_id": "Budget", "surfaced_by": "Cas"})
    f.fill("reject-decision", {"reason": "Eating together matters."},
           {"decision_id": "Lunch became optional", "rejected_by": ["Anna", "Bram"]})
    f.fill("withdraw-decision", {"reason": "Superseded in practice."},
           {"decision_id": "The works council", "withdrawn_by": ["Anna"]})
    f.fill("remove-member", {"reason": "Moved on."}, {"member_id": "Cas"})
    closed = f.fill("close-trajectory", {"reason": "The programme ended."})
    assert "The trajectory is closed." in closed.text
    assert not closed.document.find("section", class_="actions")

    state = _state(api, tid)
    assert state["name"] == "Programme for the forms" and state["status"] == "CLOSED"
    members = {m["name"]: m for m in state["members"]}
    assert members["Anna"]["role"] == "client sponsor" and not members["Cas"]["active"]
    assert members["Bram"]["membership"] == "SPECIALIST"
    assert {d["name"]: d["active"] for d in state["domains"]} == {
        "Budget": True, "Programme design": True, "Catering": False}
    rights = {(r["holder"]["name"], r["right"], r["condition"], r["inForce"])
              for r in state["decisionRights"]}
    assert rights == {("Anna", "DECIDES", "above 10k euro", True),
                      ("programme manager", "DECIDES", None, True),
                      ("Cas", "ADVISES", None, False)}
    decisions = {d["node"]["title"]: d["node"] for d in state["decisions"]["edges"]}
    band = decisions["Start with a Gideon's band"]
    assert (band["status"], band["kind"], band["scale"]) == ("SUPERSEDED", "FRAME", "LARGE")
    assert band["optionsConsidered"] == ["Paper first", "By doing"]
    assert decisions["Second module from the band"]["supersedes"] == [{"id": band["id"]}]
    assert decisions["The works council is no longer invited"]["status"] == "WITHDRAWN"
    assert decisions["Lunch became optional"]["status"] == "REJECTED"
    # one event per form sent, each recorded by the visitor's token
    history = [e["node"] for e in state["history"]["edges"]]
    assert len(history) == state["version"] == 22
    assert {e["recordedBy"] for e in history} == {someone.name}


def _checked(form: Page) -> dict[str, Any]:
    """What a browser sends of the form's boxes and radios as they are."""
    values: dict[str, Any] = {}
    for box in form.document.find("input"):
        if box.attrs.get("type") in ("checkbox", "radio") and "checked" in box.attrs:
            name = box.attrs["name"]
            if box.attrs["type"] == "checkbox":
                values.setdefault(name, []).append(box.attrs["value"])
            else:
                values[name] = box.attrs["value"]
    return values


def test_a_field_error_shows_beside_its_field_with_what_was_typed_kept(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    f = Facilitator(visitor("facilitator"), demo_id)
    before = _state(server.client(server.facilitator_token), demo_id)["version"]
    page = f.fill("record-decision", {
        "title": "Kept title", "statement": "Kept statement",
        "options_considered": "One\nTwo", "decided_at": "2025-03-04T10:00"},
        {"domain_id": "Budget", "consulted": ["Henk Bakker"]})
    assert page.status == 400
    assert page.field_error("decided_by") == "Decided by must name at least one member."
    assert page.document.find("fieldset", id="f-decided_by")[0].attrs["aria-invalid"] == "true"
    assert page.document.find("input", id="f-title")[0].attrs["value"] == "Kept title"
    assert page.document.by_id("f-statement").text == "Kept statement"  # type: ignore[union-attr]
    assert page.document.by_id("f-options_considered").text == "One\nTwo"  # type: ignore[union-attr]
    assert page.document.find("input", id="f-decided_at")[0].attrs["value"] == "2025-03-04T10:00"
    consulted = [b for b in page.document.find("input", name="consulted") if "checked" in b.attrs]
    assert len(consulted) == 1
    assert [o.text for o in page.document.find("option", selected="")] == ["Budget"]
    assert "Nothing was recorded" in page.problems()[0]
    # a date that is not one, and a date in the future: beside their field too
    bad_date = f.fill("record-decision", {"title": "t", "statement": "s",
                                          "decided_at": "yesterday"},
                      {"domain_id": "Budget", "decided_by": ["Henk Bakker"]})
    assert "give a date and time" in (bad_date.field_error("decided_at") or "")
    future = f.fill("record-decision", {"title": "t", "statement": "s",
                                        "decided_at": "2999-01-01T00:00"},
                    {"domain_id": "Budget", "decided_by": ["Henk Bakker"]})
    assert future.field_error("decided_at") == "Decided on (UTC) must not lie in the future."
    both = f.fill("grant-right", {"right": "DECIDES", "role": "HR lead"},
                  {"domain_id": "Budget", "member_id": "Henk Bakker"})
    assert both.field_error("member_id") == \
        'Give either "To a member" or "Or to a role", not both.'
    assert _state(server.client(server.facilitator_token), demo_id)["version"] == before


def test_a_broken_rule_shows_above_the_form(server: Server, visitor: MakeVisitor,
                                            demo_id: str) -> None:
    f = Facilitator(visitor("facilitator"), demo_id)
    page = f.fill("define-domain", {"name": "budget", "description": "again"})
    assert page.status == 400
    assert "An active decision domain is already named 'budget'." in page.problems()[0]
    assert page.document.find("input", id="f-name")[0].attrs["value"] == "budget"


def test_a_change_made_meanwhile_is_shown_and_the_form_can_be_sent_again(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    someone = visitor("facilitator")
    path = f"/trajectories/{demo_id}/forms/define-domain"
    opened = someone.get(path)
    server.client(server.facilitator_token).mutate("defineDomain", {
        "trajectoryId": demo_id, "name": "Evaluation meanwhile"})
    conflict = someone.submit(path, {"name": "Venues", "description": "Where we meet."},
                              opened=opened)
    assert conflict.status == 409
    assert "changed since you opened this form" in conflict.problems()[0]
    assert "Evaluation meanwhile" in conflict.problems()[0]
    assert conflict.document.find("input", id="f-name")[0].attrs["value"] == "Venues"
    again = someone.post(path, {**conflict.document.hidden(), "name": "Venues",
                                "description": "Where we meet."})
    assert again.status == 200 and "Domain defined: Venues" in again.text


def test_a_form_sent_twice_records_once(server: Server, visitor: MakeVisitor,
                                        demo_id: str) -> None:
    someone = visitor("facilitator")
    api = server.client(server.facilitator_token)
    path = f"/trajectories/{demo_id}/forms/define-domain"
    opened = someone.get(path)
    fields = {**opened.document.hidden(), "name": "Twice sent", "description": ""}
    first = someone.post(path, fields)
    before = _state(api, demo_id)["version"]
    second = someone.post(path, fields)  # a double click, or the form sent again
    assert first.response.url == second.response.url
    assert "sent already" in second.text
    assert _state(api, demo_id)["version"] == before
    # the same form changed and sent again is a new change, once the visitor says so
    changed = someone.post(path, {**fields, "name": "Twice sent, changed"})
    assert changed.status == 400 and "already sent" in changed.problems()[0]
    assert _state(api, demo_id)["version"] == before
    resent = someone.post(path, {**changed.document.hidden(), "name": "Twice sent, changed"})
    assert "Domain defined: Twice sent, changed" in resent.text


def test_a_form_without_its_csrf_token_changes_nothing(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    someone = visitor("facilitator")
    api = server.client(server.facilitator_token)
    path = f"/trajectories/{demo_id}/forms/define-domain"
    hidden = someone.get(path).document.hidden()
    before = _state(api, demo_id)["version"]
    for token in (None, "", "forged", hidden["csrf_token"][:-2]):
        fields = {**hidden, "name": "Forged"}
        if token is None:
            del fields["csrf_token"]
        else:
            fields["csrf_token"] = token
        refused = someone.post(path, fields)
        assert refused.status == 400 and "expired" in refused.text
    # another visitor's token is not this session's
    other = visitor("facilitator").get(path).document.hidden()["csrf_token"]
    assert someone.post(path, {**hidden, "csrf_token": other, "name": "Forged"}).status == 400
    assert _state(api, demo_id)["version"] == before
