"""Deleted and depublished objects: their URL answers with a tombstone (id, type, created,
modified = when it went, deleted: true), and the lists carry it, also to a client that only
asks for what changed since its last visit. What the API never served leaves nothing."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.agenda.services import detach_document, remove_item
from app.bodies.models import Body, Membership, MembershipKind
from app.cases.models import Confidentiality, Document
from app.core.retention import gallring
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus
from app.oparl.models import ObjectKind, OparlTombstone
from app.people.models import Person
from tests.oparl import schemas
from tests.oparl.conftest import PUBLIC_FILE
from tests.oparl.walk import API, answer, get_json, walk
from tests.record.helpers import KOMPETENS, meeting_of

TOMBSTONE_KEYS = {"id", "type", "created", "modified", "deleted"}


def url(kind: str, object_id: int) -> str:
    return f"{API}{kind}/{object_id}"


def assert_tombstone(client, object_url: str, type_name: str, after: datetime) -> dict:
    stone = get_json(client, object_url)
    assert set(stone) == TOMBSTONE_KEYS, stone
    assert stone["id"] == object_url
    assert stone["type"] == f"https://schema.oparl.org/1.1/{type_name}"
    assert stone["deleted"] is True
    assert datetime.fromisoformat(stone["modified"]) >= after.replace(microsecond=0)
    assert datetime.fromisoformat(stone["created"]) <= datetime.fromisoformat(stone["modified"])
    assert not schemas.errors(stone)
    return stone


def changed_since(client, list_url: str, moment: datetime) -> list[dict]:
    page = get_json(client, f"{list_url}?modified_since={quote(moment.isoformat())}")
    return page["data"]


def test_an_item_taken_off_a_sent_agenda_leaves_tombstones(app, client, world):
    region_url = f"{API}body/{world['region']}"
    item_url = url("agenda-item", world["public_item"])
    served = get_json(client, item_url)
    public_file = next(f for f in served["auxiliaryFile"] if f["name"] == PUBLIC_FILE)
    before = datetime.now(UTC)
    with app.test_request_context():
        item = db.session.get(AgendaItem, world["public_item"])
        case_id = item.case_id
        remove_item(None, item)
        db.session.commit()

    stone = assert_tombstone(client, item_url, "AgendaItem", before)
    assert stone["created"] == served["created"]
    assert_tombstone(client, url("consultation", world["public_item"]), "Consultation", before)
    # The paper was treated by this item only; the file was attached to it only.
    assert_tombstone(client, url("paper", case_id), "Paper", before)
    assert_tombstone(client, public_file["id"], "File", before)

    meeting = get_json(client, url("meeting", world["srb_meeting"]))
    assert item_url not in [i["id"] for i in meeting["agendaItem"]]
    # A client syncing from before the change gets the tombstones in the lists.
    for name, object_url in (
        ("agenda-items", item_url),
        ("consultations", url("consultation", world["public_item"])),
        ("papers", url("paper", case_id)),
        ("files", public_file["id"]),
    ):
        changes = changed_since(client, f"{region_url}/{name}", before - timedelta(seconds=1))
        assert stone_in(changes, object_url), name
        # …and one syncing from later does not.
        later = datetime.now(UTC) + timedelta(seconds=2)
        assert not stone_in(changed_since(client, f"{region_url}/{name}", later), object_url)
    # The whole API stays valid with tombstones in it.
    result = walk(client, paged=False)
    assert not result.invalid
    assert item_url in result.answers


def stone_in(objects: list[dict], object_url: str) -> bool:
    return any(o["id"] == object_url and o.get("deleted") is True for o in objects)


def test_a_body_made_non_public_leaves_tombstones_for_what_was_shown_of_it(app, client, world):
    region_url = f"{API}body/{world['region']}"
    with app.app_context():
        meeting = meeting_of(*KOMPETENS)
        body_id, meeting_id = meeting.body_id, meeting.id
        item_id = meeting.items[1].id
        membership_id = db.session.scalar(
            select(Membership.id).where(Membership.body_id == body_id)
        )
    organization = get_json(client, url("organization", body_id))
    assert organization["name"] == "Samverkansgrupp Kompetensförsörjning"
    before = datetime.now(UTC)
    with app.app_context():
        db.session.get(Body, body_id).is_public = False
        db.session.commit()

    assert_tombstone(client, url("organization", body_id), "Organization", before)
    assert_tombstone(client, url("meeting", meeting_id), "Meeting", before)
    assert_tombstone(client, url("location", meeting_id), "Location", before)
    assert_tombstone(client, url("agenda-item", item_id), "AgendaItem", before)
    assert_tombstone(client, url("membership", membership_id), "Membership", before)
    # The pages agree: the body is gone for the public.
    assert client.get(f"/bodies/{body_id}").status_code == 404
    assert client.get(f"/meetings/{meeting_id}").status_code == 404
    meetings = get_json(client, f"{region_url}/meetings")["data"]
    assert stone_in(meetings, url("meeting", meeting_id))
    own = get_json(client, f"{API}organization/{body_id}/meetings")["data"]
    assert own and all(o.get("deleted") for o in own)

    # Made public again, it is served again and its tombstones leave the lists.
    with app.app_context():
        db.session.get(Body, body_id).is_public = True
        db.session.commit()
    assert "deleted" not in get_json(client, url("meeting", meeting_id))
    meetings = get_json(client, f"{region_url}/meetings")["data"]
    assert not any(o.get("deleted") for o in meetings)
    assert [o["id"] for o in meetings].count(url("meeting", meeting_id)) == 1


def test_a_document_made_secret_or_detached_leaves_a_tombstone(app, client, world):
    item = get_json(client, url("agenda-item", world["public_item"]))
    [public_file] = [f for f in item["auxiliaryFile"] if f["name"] == PUBLIC_FILE]
    before = datetime.now(UTC)
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.title == PUBLIC_FILE))
        document.confidentiality = Confidentiality.SECRET
        db.session.commit()
    assert_tombstone(client, public_file["id"], "File", before)
    result = walk(client, paged=False)
    assert PUBLIC_FILE not in "\n".join(result.texts)

    # Public again, then detached from its only item: gone again, its tombstone renewed.
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.title == PUBLIC_FILE))
        document.confidentiality = Confidentiality.PUBLIC
        db.session.commit()
    assert get_json(client, public_file["id"])["name"] == PUBLIC_FILE
    again = datetime.now(UTC)
    with app.test_request_context():
        item_ = db.session.get(AgendaItem, world["public_item"])
        link = next(link for link in item_.documents if link.document.title == PUBLIC_FILE)
        detach_document(None, link)
        db.session.commit()
    assert_tombstone(client, public_file["id"], "File", again)
    with app.app_context():
        assert (
            db.session.scalar(select(db.func.count()).where(OparlTombstone.kind == ObjectKind.FILE))
            == 1
        )


def test_a_deleted_person_and_membership_answer_as_tombstones(app, client, world):
    region_url = f"{API}body/{world['region']}"
    with app.app_context():
        body = db.session.scalar(select(Body).where(Body.short_name == "SRB"))
        person = Person(name="Tillfällig Ledamot", party="L", email="tillfallig@example.se")
        membership = Membership(
            person=person, body=body, term=body.terms[0], kind=MembershipKind.SUBSTITUTE
        )
        db.session.add_all([person, membership])
        db.session.commit()
        person_id, membership_id = person.id, membership.id
    served = get_json(client, url("person", person_id))
    assert [m["id"] for m in served["membership"]] == [url("membership", membership_id)]
    before = datetime.now(UTC)
    with app.app_context():
        db.session.delete(db.session.get(Membership, membership_id))
        db.session.delete(db.session.get(Person, person_id))
        db.session.commit()
    assert_tombstone(client, url("person", person_id), "Person", before)
    assert_tombstone(client, url("membership", membership_id), "Membership", before)
    people = changed_since(client, f"{region_url}/people", before - timedelta(seconds=1))
    assert stone_in(people, url("person", person_id))


def test_what_was_never_served_leaves_nothing(app, client, world):
    # Deletions of final records: culled (gallring), the one way they may go.
    with app.app_context(), gallring(db.session):
        # A non-public item, a meeting of a non-public body, and a rolled back deletion.
        db.session.delete(db.session.get(AgendaItem, world["closed_item"]))
        db.session.delete(db.session.get(AgendaItem, world["hidden_item"]).decision)
        db.session.delete(db.session.get(Meeting, world["hidden_meeting"]))
        db.session.commit()
        db.session.delete(db.session.get(Meeting, world["planned_meeting"]))
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(db.func.count()).select_from(OparlTombstone)) == 0
    for kind, key in (
        ("agenda-item", "closed_item"),
        ("meeting", "hidden_meeting"),
        ("agenda-item", "hidden_item"),
    ):
        answer(client, url(kind, world[key]), 404)
    assert "deleted" not in get_json(client, url("meeting", world["planned_meeting"]))


def test_a_cancelled_meeting_keeps_its_place_but_its_agenda_goes(app, client, world):
    meeting_url = url("meeting", world["srb_meeting"])
    items = [item["id"] for item in get_json(client, meeting_url)["agendaItem"]]
    assert len(items) == 15
    before = datetime.now(UTC)
    with app.app_context():
        db.session.get(Meeting, world["srb_meeting"]).status = MeetingStatus.CANCELLED
        db.session.commit()
    meeting = get_json(client, meeting_url)
    assert meeting["cancelled"] is True and "agendaItem" not in meeting
    for item_url in items:
        assert_tombstone(client, item_url, "AgendaItem", before)
    assert client.get(f"/meetings/{world['srb_meeting']}").status_code == 200
    assert f'id="item-{world["public_item"]}"' not in client.get(
        f"/meetings/{world['srb_meeting']}"
    ).get_data(as_text=True)
