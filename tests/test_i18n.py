"""The Swedish catalogue is complete: every string the code and templates use is translated."""

import html
import io
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.justering import services as justering
from app.justering.models import JusteringRound
from app.meetings.models import Meeting
from app.people.models import Person
from tests.justering.helpers import BO, STINA, committee_with_record

ROOT = Path(__file__).resolve().parents[1]


def test_swedish_catalogue_covers_every_ui_string(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        used = {m.id for m in read_po(handle) if m.id}
    # The extraction must really see the code and the templates, or this test proves nothing.
    assert {"Log in", "Wrong email or password.", "Skip to content"} <= used
    with (ROOT / "translations" / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(str(i) for i in used - translated)
    assert missing == [], f"untranslated (run `make translations-update` and translate): {missing}"


def test_pages_are_swedish_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Logga in" in page and "Lösenord" in page
    assert "Password" not in page


# -- the record and justering pages in English (issue 14) ----------------------------------------

# Swedish UI words the English pages once showed (labels, headings, choices, statuses, the
# history's actions), and for the Swedish pages their English twins. A word in parentheses is
# the Swedish term an English label names on purpose ("Motions (yrkanden)"), and the record
# itself (<article class="record">: the protokoll as a document) is Swedish in either language.
SWEDISH_UI_WORDS = (
    "Spara", "Sparat", "Skicka", "Justerare", "Justerat", "Närvarande", "Närvaro", "Beslut",
    "Jäv", "Uppdrag", "Anslag", "Ja", "Nej", "Avstår", "Godkänn", "Avvisa", "Ändringshistorik",
    "skapad", "ändrad", "Sekreterare", "Ordförande", "Väntar", "Godkänd",
)  # fmt: skip
ENGLISH_UI_WORDS = (
    "Save", "Saved", "Send", "Adjuster", "Adjusters", "Approved", "Attendance", "Decision",
    "Conflicts", "Assignments", "Notice", "Yes", "No", "Abstains", "Approve", "Reject",
    "Revision history", "create", "update", "Secretary", "Chair", "Waiting",
)  # fmt: skip


def _ui_text(page: str, data: list[str]) -> str:
    """What a page says in its own words: no record document, no markup, no data (names,
    titles, texts as typed), no parenthesised Swedish terms."""
    page = re.sub(r'<article class="record"[^>]*>.*?</article>', " ", page, flags=re.S)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    # Option values and other attributes are not read; what is shown is.
    text = html.unescape(re.sub(r"<[^>]+>", "\n", page))
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    text = re.sub(r"\([^()]*\)", " ", text)
    text = re.sub(r'"[^"]*"|”[^”]*”', " ", text)  # a quoted example of what is typed
    return " ".join(text.split())


def _words_in(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def _contexts(text: str, words: list[str]) -> list[str]:
    """Where each word was found, to say which label it is."""
    return [
        text[max(0, m.start() - 60) : m.end() + 60]
        for w in words
        for m in re.finditer(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)
    ]


def test_the_record_and_justering_pages_are_complete_in_english(app, factory, make_client, login):
    """The secretary's record pages (the record, attendance, an item's record) and the
    justering pages (the round, the page a justerare signs on, the verification page with a
    signed protokoll checked) in English say nothing in Swedish but the data and the record
    itself; in Swedish, nothing in English."""
    ids = committee_with_record(app, factory)
    meeting_id, item_id = ids["meeting"], ids["item"]

    def data() -> list[str]:
        with app.app_context():
            texts = [p.name_with_party for p in db.session.scalars(select(Person))]
            texts += [p.name for p in db.session.scalars(select(Person))]
            meeting = db.session.get(Meeting, meeting_id)
            texts += [meeting.title, meeting.body.name, meeting.body.organisation.name]
            texts += [meeting.place or "", meeting.adjustment_place_time or ""]
            for i in meeting.items:
                texts += [i.title, i.proposal or "", i.summary or ""]
                texts += [i.decision.text or ""] if i.decision else []
            return [t for t in texts if t]

    def read(who: str, locale: str, urls: list[str], *, verify: bytes | None = None) -> str:
        client = make_client()
        login(client, who)
        client.submit("/language", {"locale": locale, "next": "/"}, form_url="/")
        pages = []
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            page = response.get_data(as_text=True)
            assert f'<html lang="{locale}">' in page, url
            pages.append(page)
        if verify is not None:
            token = client.csrf_token("/verifiera")
            response = client.post(
                "/verifiera",
                data={"csrf_token": token, "file": (io.BytesIO(verify), "protokoll.pdf")},
                content_type="multipart/form-data",
            )
            assert response.status_code == 200
            pages.append(response.get_data(as_text=True))
        return "\n".join(pages)

    record_pages = [
        f"/meetings/{meeting_id}/record",
        f"/meetings/{meeting_id}/attendance",
        f"/items/{item_id}/record",
    ]
    readings = {locale: [read(STINA, locale, record_pages)] for locale in ("en", "sv")}

    # Out for justering: the secretary's round page, the justerare's page to sign on.
    with app.test_request_context():
        stina = db.session.scalar(select(User).where(User.email == STINA))
        sent = justering.send_to_justering(
            stina, db.session.get(Meeting, meeting_id), review_url=lambda r: f"/justering/{r}"
        ).round
        db.session.commit()
        round_id = sent.id
        round_pdf = justering.round_pdf(db.session.get(JusteringRound, round_id))
    round_pages = [f"/justering/{round_id}", f"/meetings/{meeting_id}/record"]
    for locale in ("en", "sv"):
        readings[locale].append(read(STINA, locale, round_pages))
        readings[locale].append(read(BO, locale, [f"/justering/{round_id}"], verify=round_pdf))

    for locale, swedish in (("en", True), ("sv", False)):
        pages = "\n".join(readings[locale])
        text = _ui_text(pages, data())
        words = SWEDISH_UI_WORDS if swedish else ENGLISH_UI_WORDS
        found = _words_in(text, words)
        assert found == [], (locale, _contexts(text, found))
    # The check sees the pages: their own words are there.
    english = _ui_text("\n".join(readings["en"]), data())
    assert _words_in(english, ("Attendance", "Approve", "Secretary", "Adjuster", "Yes")) == [
        "Attendance",
        "Approve",
        "Secretary",
        "Adjuster",
        "Yes",
    ]
    swedish = _ui_text("\n".join(readings["sv"]), data())
    assert _words_in(swedish, ("Närvaro", "Godkänn", "Sekreterare", "Justerare", "Ja")) == [
        "Närvaro",
        "Godkänn",
        "Sekreterare",
        "Justerare",
        "Ja",
    ]
