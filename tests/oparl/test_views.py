"""The API's envelope: the System object, JSON errors with the CORS header, read-only, and the
same public answers whoever is logged in."""

import pytest

from tests.conftest import ADMIN, ELIN
from tests.oparl.walk import API, answer, get_json, public_walk, walk


def test_the_system_object_leads_to_the_bodies(client, world):
    system = get_json(client, API)
    assert system["id"] == API
    assert system["type"] == "https://schema.oparl.org/1.1/System"
    assert system["oparlVersion"] == "https://schema.oparl.org/1.1/"
    bodies = get_json(client, system["body"])
    names = [b["name"] for b in bodies["data"]]
    assert "Region Västmanland" in names and "Intresseföreningen Bergslaget" in names
    assert "next" not in bodies["links"]


@pytest.mark.parametrize(
    "path",
    [
        "meeting/999999",
        "meeting/abc",
        "nonsense/1",
        "body/1/nonsense",
        "body/999999/meetings",
        "organization/999999/meetings",
        "a/b/c/d",
    ],
)
def test_unknown_urls_answer_json_404_with_cors(client, world, path):
    assert answer(client, API + path, 404).get_json()["error"]["code"] == 404


def test_private_objects_answer_404(client, world):
    for kind, key in (
        ("organization", "hidden_body"),
        ("person", "sigrid"),
        ("meeting", "hidden_meeting"),
        ("agenda-item", "closed_item"),
        ("consultation", "closed_item"),
        ("paper", "secret_case"),
    ):
        answer(client, f"{API}{kind}/{world[key]}", 404)
    answer(client, f"{API}organization/{world['hidden_body']}/meetings", 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["", "meeting/1", "bodies"])
def test_only_get_is_answered(client, world, method, path):
    response = getattr(client, method)(API + path)
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_json()["error"]["code"] == 405
    assert "GET" in response.headers["Allow"]


def test_a_login_shows_nothing_more(app, client, make_client, login_demo, world):
    """An admin's or a secretary's session changes nothing: the API answers as to the public."""
    public = public_walk(app, client)
    for email in (ADMIN, ELIN):
        browser = make_client()
        login_demo(browser, email)
        answer(browser, f"{API}organization/{world['hidden_body']}", 404)
        assert walk(browser, paged=False).answers == public.answers
