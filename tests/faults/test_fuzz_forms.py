"""Every form, posted random and hostile values: never a 5xx, always a clear answer, and a
rejected form changes nothing.

The forms are found the way a browser finds them: the pages a secretary or administrator
opens are read, and every ``<form method="post">`` with its fields (text, selects with their
options, checkboxes, hidden version fields, file inputs) is collected by the route it posts to.
Every POST route of the app is then fuzzed (routes with no form on the pages read get the
generic fields), in three states of the demo: the agenda being built, the record being
written, and the protokoll justerat and posted.

For each post: a 5xx fails; a 4xx, or a 200 re-rendering the form with an error, or a redirect
carrying an error message, is a rejection, and then every row of every table must be as before.
A redirect without an error is a success.
"""

import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.extensions import db
from app.meetings.models import Meeting
from tests.conftest import ADMIN, DEMO_PASSWORD, built_once
from tests.faults.forms import Field, Form, State, difference, forms_on, watched_state
from tests.record.helpers import NARA_VARD, meeting_of
from tests.test_access import ROUTES, _arguments, _rules, _url, world  # noqa: F401

OMIT = object()

HOSTILE = [
    "",
    " ",
    "a\x00b",
    "\x00",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    "\u202eevil\u202c",
    "שלום עולם مرحبا",
    "👩\u200d👩\u200d👧\u200d👦🎉",
    "e\u0301\u0301\u0301\u0301",
    "\r\n\t\x0b\x0c\x1b",
    "-1",
    "0",
    "-99999999999999999999",
    "99999999999999999999",
    "1e308",
    "NaN",
    "inf",
    "3.5",
    "0x10",
    "2024-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2024-13-45",
    "31/12/2024",
    "2024-04-19T25:61",
    "25:61",
    "99:99",
    "-01:00",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "%s%s%n{0}{{7*7}}",
    "../../etc/passwd",
    "x" * 5000,
    "å" * 70000,
    "- " * 3000,
]

FILES = [
    b"",
    b"%PDF-1.7\n%broken",
    b"\x00" * 100,
    b"<html><script>alert(1)</script></html>",
]


def text_values() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=200),
        st.integers().map(str),
        st.dates().map(lambda d: d.isoformat()),
    )


def value_for(form_field: Field) -> st.SearchStrategy:
    if form_field.name == "csrf_token":
        return st.just(form_field.value)
    choices: list[st.SearchStrategy] = [st.just(OMIT), text_values()]
    if form_field.kind == "file":
        choices.append(
            st.one_of(st.sampled_from(FILES), st.binary(max_size=300)).map(
                lambda data: (io.BytesIO(data), "bilaga.pdf")
            )
        )
    if form_field.value:
        choices.append(st.just(form_field.value))
    if form_field.options:
        choices.append(st.sampled_from(form_field.options))
        choices.append(st.lists(st.sampled_from(form_field.options), min_size=1, max_size=4))
    if form_field.kind == "hidden":
        # A hidden version is mostly kept, so the rest of the form is reached.
        return st.one_of(st.just(form_field.value), st.just(form_field.value), *choices)
    choices.append(st.lists(text_values(), min_size=2, max_size=3))
    return st.one_of(*choices)


GENERIC = [Field(name, "text") for name in ("title", "text", "name", "date", "id", "version")]


def post_data(form_fields: list[Field]) -> st.SearchStrategy:
    return st.fixed_dictionaries({f.name: value_for(f) for f in form_fields}).map(
        lambda values: {name: value for name, value in values.items() if value is not OMIT}
    )


ERROR_MARKERS = ('class="error"', "flash-error", "has-error")

# Buttons that do their work last: they move the meeting on, or take away the object others use.
LAST = ("remove", "finalise", "start", "justering", "confirm", "kallelse", "pull", "forward")
# Not the secretary's forms: the public's own (login, language) and the verification page.
SKIP = {"accounts.login", "accounts.logout", "accounts.language"}
# Forms their pages show only in a state the demo has passed (the anslag, once posted).
HIDDEN_FORMS = {"publication.anslag": "app.publication.forms:PostingForm"}
# A POST that answers with a page on success.
RENDERS_ON_SUCCESS = {"justering.verify", "notifications.index"}

SETTINGS = settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the report names the input
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)


def _forms_by_endpoint(app, client, pages: list[str]) -> dict[str, tuple[str, Form]]:
    adapter = app.url_map.bind("localhost")
    found: dict[str, tuple[str, Form]] = {}
    for page_url in pages:
        response = client.get(page_url, follow_redirects=True)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_on(response.get_data(as_text=True), page_url):
            try:
                endpoint, _args = adapter.match(form.action, method="POST")
            except (NotFound, MethodNotAllowed):
                continue
            known = found.get(endpoint)
            if known is None or len(form.fields) > len(known[1].fields):
                found[endpoint] = (form.action, form)
    return found


def _fuzz_every_route(app, client, pages: list[str], values: dict[str, object]) -> list[str]:
    """Fuzz every POST route; returns the endpoints that had a form on the pages read."""
    forms = _forms_by_endpoint(app, client, pages)
    failures: list[str] = []
    token = client.csrf_token("/")
    rules = sorted(
        (rule for rule in _rules(app, "POST") if rule.endpoint not in SKIP),
        key=lambda rule: (any(word in rule.rule for word in LAST), rule.rule),
    )
    with watched_state() as state:
        for rule in rules:
            _fuzz_rule(app, client, rule, forms, values, token, state, failures)
    print(f"fuzzed {len(rules)} routes, {len(forms)} with their form: {sorted(forms)}")
    assert not failures, "\n\n".join(failures)
    return sorted(forms)


def _fuzz_rule(app, client, rule, forms, values, token: str, state: State, failures: list[str]):
    """One route: the form its page shows (or the generic fields), each failure noted."""
    if rule.endpoint in forms:
        url, form = forms[rule.endpoint]
        form_fields = list(form.fields.values())
    elif rule.endpoint in HIDDEN_FORMS:
        url, form_fields = _url(rule, values), _fields_of(app, HIDDEN_FORMS[rule.endpoint])
    else:
        url, form_fields = _url(rule, values), list(GENERIC)
    form_fields = [f for f in form_fields if f.name != "csrf_token"]
    try:
        _fuzz_route(app, client, rule.endpoint, url, form_fields, token, state)
    except Exception as error:  # every route is fuzzed; all failures are reported
        message = str(error).split("\nassert")[0]
        failures.append(f"{rule.endpoint}: {type(error).__name__}: {message}")


def _fields_of(app, form_path: str) -> list[Field]:
    """The fields of a form class, for a form its page shows only in another state."""
    import importlib

    module, name = form_path.split(":")
    form_class = getattr(importlib.import_module(module), name)
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
        return [
            Field(
                f.name,
                "select" if hasattr(f, "choices") else "text",
                options=[str(value) for value, _label in getattr(f, "choices", None) or []],
            )
            for f in form
            if f.type != "SubmitField"
        ]


def _fuzz_route(
    app, client, endpoint: str, url: str, form_fields: list[Field], token: str, state: State
):
    for data in _probes(form_fields):  # the worst cases, every time
        _post_and_check(app, client, endpoint, url, data, token, state)

    @SETTINGS
    @given(data=post_data(form_fields))
    def run(data: dict[str, Any]) -> None:
        _post_and_check(app, client, endpoint, url, data, token, state)

    run()


PLAUSIBLE = {
    "number": "1",
    "date": "2024-04-19",
    "time": "10:00",
    "datetime-local": "2024-04-19T10:00",
    "email": "ny@example.se",
    "url": "https://example.se/",
}


def _probes(form_fields: list[Field]) -> list[dict[str, Any]]:
    """Every text field at once: NUL bytes (PostgreSQL refuses them), far too long, a huge
    number, and plausible text with emoji and RTL marks (which should be saved). Selects get
    a real option and hidden fields keep their value, so the form gets past them."""

    def filled(text: str, choice: str | None = None, kinds: tuple[str, ...] = ()) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in form_fields:
            if f.kind == "hidden":
                data[f.name] = f.value
            elif f.options:
                valid = next((o for o in f.options if o not in ("", "None")), f.options[0])
                made_up = choice is not None and (not kinds or f.kind in kinds)
                data[f.name] = choice if made_up else valid
            elif f.kind != "file":
                data[f.name] = PLAUSIBLE.get(f.kind, "Ärende 1") if text == "plausible" else text
        return data

    return [
        filled("a\x00b"),
        filled("x" * 5000),
        filled("-99999999999999999999"),
        filled("Ärende 👩\u200d👩\u200d👧 \u202eשלום\u202c <b>fet</b>"),
        filled("plausible", choice="ogiltigt val"),  # plausible input, every choice made up
        filled("plausible", choice="ogiltigt val", kinds=("select",)),  # only the selects
    ]


def _post_and_check(
    app, client, endpoint: str, url: str, data: dict[str, Any], token: str, state: State
):
    with app.app_context():
        before = state.now()
    response = client.post(url, data={**data, "csrf_token": token})
    status = response.status_code
    where = f"POST {url} ({endpoint}) with {_short(data)}"
    assert status < 500, f"{status} from {where}"
    page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    if status >= 400:
        rejected = True
    elif status == 200:
        rejected = endpoint not in RENDERS_ON_SUCCESS
        if rejected:
            assert any(marker in page for marker in ERROR_MARKERS), (
                f"200 without an error message from {where}"
            )
    else:
        assert status in (302, 303), f"{status} from {where}"
        with client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        rejected = any(category == "error" for category, _message in flashes)
    if rejected:
        with app.app_context():
            after = state.now()
        assert after == before, f"rejected, yet changed {difference(before, after)}: {where}"


def _short(data: dict[str, Any]) -> str:
    def cut(value: Any) -> Any:
        if isinstance(value, str) and len(value) > 60:
            return value[:60] + f"…({len(value)})"
        if isinstance(value, list):
            return [cut(v) for v in value]
        return value

    return repr({name: cut(value) for name, value in data.items()})


@pytest.fixture
def admin_client(make_client: Callable, login):
    client = make_client()
    login(client, ADMIN, DEMO_PASSWORD)
    return client


def _pages(ids: dict) -> list[str]:
    return [template.format(**ids) for template, expected in ROUTES if expected["admin"] == 200]


def _srb(ids: dict) -> Meeting:
    return db.session.get(Meeting, ids["srb_meeting"])


def test_fuzz_forms_while_the_agenda_is_built(app, world, admin_client):  # noqa: F811
    with app.app_context():
        srb = _srb(world)
        item_pages = [f"/items/{item.id}/edit" for item in srb.items[:3]]
    values = _arguments({**world, "srb_round": 1, "srb_posting": 1}, app)
    pages = [
        *_pages(world),
        f"/meetings/{world['srb_meeting']}/agenda",
        f"/meetings/{world['srb_meeting']}/items/new",
        f"/bodies/{world['srb']}/planned",
        f"/bodies/{world['srb']}/standing-items",
        "/bevakningar",
        *item_pages,
    ]
    found = _fuzz_every_route(app, admin_client, pages, values)
    assert {"agenda.edit_item", "bodies.edit", "people.edit", "accounts.new_user"} <= set(found), (
        found
    )


def test_fuzz_forms_while_the_record_is_written(app, world, admin_client):  # noqa: F811
    from app.record.services import start_record

    with app.test_request_context():
        srb = _srb(world)
        start_record(None, srb)
        db.session.commit()
        item_pages = [f"/items/{item.id}/record" for item in srb.items]
    values = _arguments({**world, "srb_round": 1, "srb_posting": 1}, app)
    values["meeting_id"] = world["srb_meeting"]
    pages = [
        f"/meetings/{world['srb_meeting']}/record",
        f"/meetings/{world['srb_meeting']}/attendance",
        *item_pages,
    ]
    found = _fuzz_every_route(app, admin_client, pages, values)
    assert {"record.details", "record.add_vote", "record.add_motion"} <= set(found), found


def test_fuzz_forms_once_justerat(app, world, admin_client):  # noqa: F811
    from app.demo.cycle import run_srb_cycle
    from app.justering.services import rounds_of
    from app.publication.models import Posting

    def build() -> dict:
        with app.test_request_context():
            assert run_srb_cycle()
            db.session.commit()
            return {
                "srb_round": rounds_of(_srb(world))[-1].id,
                "srb_posting": db.session.scalar(select(Posting.id)),
            }

    world.update(built_once(app, "fuzz justerat", build))
    with app.app_context():
        nara = meeting_of(*NARA_VARD).id  # a group's final record: its decisions go up to SRB
    values = _arguments(world, app)
    values["meeting_id"] = world["srb_meeting"]
    pages = [
        f"/meetings/{world['srb_meeting']}/record",
        f"/meetings/{nara}/record",
        f"/meetings/{world['srb_meeting']}/rattelse",
        f"/meetings/{world['srb_meeting']}/anslag",
        "/verifiera",
    ]
    found = _fuzz_every_route(app, admin_client, pages, values)
    assert {"justering.correction", "record.forward"} <= set(found), found


def test_fuzz_the_signatory_answers(app, factory, make_client, login):
    """The justerare's approve and reject forms, posted by the justerare herself while the
    round is open (the signatory is the one allowed to use them)."""
    from app.accounts.models import User
    from app.justering import services
    from tests.conftest import PASSWORD
    from tests.justering.helpers import BO, committee_with_record, meeting

    ids = committee_with_record(app, factory)
    with app.test_request_context():
        sent = services.send_to_justering(
            db.session.get(User, ids["user_stina"]),
            meeting(ids),
            review_url=lambda round_id: f"/justering/{round_id}",
        )
        db.session.commit()
        round_id = sent.round.id
    justerare = make_client()
    login(justerare, BO, PASSWORD)
    forms = _forms_by_endpoint(app, justerare, [f"/justering/{round_id}"])
    assert {"justering.approve", "justering.reject"} <= set(forms), sorted(forms)
    token = justerare.csrf_token("/")
    failures = []
    # Reject first: an approval would close Bo's part of the round.
    for endpoint in ("justering.reject", "justering.approve"):
        url, form = forms[endpoint]
        form_fields = [f for f in form.fields.values() if f.name != "csrf_token"]
        try:
            with watched_state() as state:
                _fuzz_route(app, justerare, endpoint, url, form_fields, token, state)
        except Exception as error:
            failures.append(f"{endpoint}: {type(error).__name__}: {error}")
    assert not failures, "\n\n".join(failures)


def test_the_state_is_read_again_after_any_write_even_one_rolled_back(app, factory):
    """The fuzzer compares a cached state when no statement could have changed it: a write
    of any kind, kept or rolled back, must make it read the database again."""
    from app.organisations.models import Organisation, OrganisationKind

    factory.organisation("Region Västmanland")
    with app.app_context(), watched_state() as state:
        first = state.now()
        assert state.now() is first  # nothing written: the same reading
        db.session.add(
            Organisation(name="Ny förening", short_name="Ny", kind=OrganisationKind.ASSOCIATION)
        )
        db.session.flush()
        db.session.rollback()
        second = state.now()
        assert second is not first and second == first  # read again: a rollback changes nothing
        db.session.add(
            Organisation(name="Ny förening", short_name="Ny", kind=OrganisationKind.ASSOCIATION)
        )
        db.session.commit()
        assert state.now() != first
