"""Minnesanteckningar from the demo data read as the seed documents do (001, the three groups)."""

import re

import pytest
from markupsafe import escape

from app.bodies.models import BodyKind, NumberingRule, RecordType
from app.core.errors import DomainError
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from app.record.models import AttendanceRole
from app.record.rendering import record_pdf
from app.record.services import (
    accept_finding,
    add_attendance,
    completeness,
    finalise_minutes,
    record_problems,
    start_record,
    update_decision,
)
from tests.conftest import ELIN
from tests.record.helpers import (
    HALSA,
    KOMPETENS,
    NARA_VARD,
    assert_in_order,
    make_committee,
    meeting_of,
    new_meeting,
    pdf_text,
    without_page_furniture,
)

ROLES = (
    (AttendanceRole.VOTING, "Beslutande ledamöter"),
    (AttendanceRole.SUBSTITUTE_NOT_SERVING, "Ej tjänstgörande ersättare"),
    (AttendanceRole.OTHER, "Övriga närvarande"),
)

# body, date, heading, place and time, counts (beslutande / ej tjänstgörande / övriga), secretary
MEETINGS = {
    "kompetensforsorjning": (
        *KOMPETENS,
        "Samverkansgrupp Kompetensförsörjning 2023",
        "Volvo Group Trucks Operations, Ullvileden 9, 731 80 Köping kl. 08:30-12:00",
        (8, 5, 11),
        "Elin Hellström",
    ),
    "halsa": (
        *HALSA,
        "Samverkansgrupp Hälsa 2023",
        "Sammanträdesrum Silvergruvan, Regionhuset, ingång 4, Västerås kl. 09:00-12:00",
        (10, 4, 4),
        "Eva Wilhelmsson",
    ),
    "nara-vard": (
        *NARA_VARD,
        "Samverkansgrupp Nära vård 2023",
        "Sammanträdesrum Mälaren, Regionhuset, ingång 4, Västerås kl. 09:00-12:00",
        (12, 5, 7),
        "Eva Wilhelmsson",
    ),
}

# Attendance lines exactly as the seed prints them (001:196-235, 614-640, 757-790).
SEED_LINES = {
    "kompetensforsorjning": [
        "Jenny Landernäs (M) (Ordförande) (Region Västmanland)",
        "Jenny Hödefors (S) (Vice ordförande) (Hallstahammar)",
        "Christine Andersen (S) (Skinnskatteberg) ersätter Ewa Olsson-Bergstedt (SD)",
        "Johanna Olofsson (M)",
        "Andreas Trygg (V) (Köping)",
        "Elin Hellström (mötessekreterare)",
        "Ann-Louise Johansson (HR-chef Volvo Köping)",
    ],
    "halsa": [
        "Malin Gabrielsson (KD) (Ordförande) (Region Västmanland)",
        "Pernilla Danielsson (M) (Surahammar) ersätter Katarina Hart (S)",
        "Vicki Skure-Eriksson (C) (Västerås) från del av punkt 3",
        "Roger Ingvarsson (S) (Skinnskatteberg)",
        "Eva Wilhelmsson (mötessekreterare)",
    ],
    "nara-vard": [
        "Lina Eriksson (L) (Ordförande) (Region Västmanland)",
        "Annica Lindholm (V) (Fagersta) ersätter Niclas Bergström (S)",
        "Roger Ingvarsson (S) (Skinnskatteberg) ersätter Therese Emtin (SD)",
        "Denise Norström (S) (Västerås) ersätter Amanda Grönlund (KD)",
        "Anita Lilja-Stenholm (L) (Norberg)",
        "Eva-Lena Odeling (socialchef Surahammar)",
    ],
}


def _minutes(app, key: str) -> tuple[str, dict[AttendanceRole, list[str]]]:
    body_name, day, *_rest = MEETINGS[key]
    with app.test_request_context():
        meeting = meeting_of(body_name, day)
        assert meeting.record_status == RecordStatus.FINAL
        lines = {
            role: [a.line for a in meeting.attendances if a.role == role] for role, _l in ROLES
        }
        return pdf_text(record_pdf(meeting)), lines


@pytest.mark.parametrize("key", list(MEETINGS))
def test_minutes_header_and_attendance_match_the_seed(app, demo, key):
    _body, day, heading, place_and_time, counts, secretary = MEETINGS[key]
    text, lines = _minutes(app, key)
    assert [len(lines[role]) for role, _label in ROLES] == list(counts)
    # The header: title, date, body with term label, place and time, then the three lists.
    assert_in_order(
        text,
        [
            "MINNESANTECKNINGAR",
            "Mötesdatum",
            day,
            "Plats och tid",
            place_and_time,
            "Beslutande ledamöter",
            "Ej tjänstgörande ersättare",
            "Övriga närvarande",
            "Vid minnesanteckningarna",
            secretary,
        ],
    )
    assert "PROTOKOLL" not in text and "Justerare" not in text and "Paragrafer" not in text
    header = text[: text.index("Plats och tid")]
    assert header.index("MINNESANTECKNINGAR") < header.index(heading)
    # Each list holds exactly its people, each line as printed, in the seed's order.
    labels = [label for _role, label in ROLES] + ["Vid minnesanteckningarna"]
    for (role, label), following in zip(ROLES, labels[1:], strict=True):
        section = text[text.index(label) + len(label) : text.index(following)].strip()
        assert section == " ".join(lines[role])
    for line in SEED_LINES[key]:
        assert line in text


def test_kompetensforsorjning_items_and_decisions_match_the_seed(app, demo):
    text, _lines = _minutes(app, "kompetensforsorjning")
    text = without_page_furniture(text)
    assert_in_order(
        text,
        [
            "§ 1 Inledning",
            "Sammanfattning Ordförande inleder och hälsar samverkansgrupp Kompetensförsörjning välkomna.",
            "§ 2 Samverkan skola och arbetsliv- Ullvigymnasiet och Volvo",
            "Sammanfattning Temapass om vikten av samverkan mellan skola och arbetsliv för att hitta och forma framtidens medarbetare.",
            "År 2023 utsågs Volvo Group Trucks Operations i Köping till årets samverkansföretag i Teknikcollage Sverige.",
            "Förslag till beslut Informationen noteras. Beslut Informationen noteras.",
            "§ 3 Nästa sammanträde",
            "Förslag till beslut Nästa sammanträde ska äga rum fredagen den 26 april 2024 klockan 09.00. "
            "Beslut Nästa sammanträde ska äga rum fredagen den 26 april 2024 klockan 09.00.",
            "§ 4 Återkoppling från föregående möte Punkten utgår.",
            "§ 5 Uppföljning planering och dimensionering",
            "Sammanfattning Riksdagen har beslutat om en reform för gymnasieskola och den kommunala vuxenutbildningen (komvux).",
            "Sista ansökningsdag för projektansökan är den 18 mars i år och eventuell projektstart är kommande höst.",
            "Förslag till beslut Informationen noteras. Beslut Informationen noteras.",
            "§ 6 Samverkan skola och arbetsliv",
            # The seed's "fick vid mötet 2023-10-27 § 26 i uppdrag" is rendered from the link.
            "Återrapporterat uppdrag Uppdrag till ledamöter och ersättare vid mötet 2023-10-27 "
            "§ 26: Till kommande möte reflektera över hur samverkan mellan skola och arbetsliv "
            "kan stärkas i respektive kommun.",
            "Sammanfattning Återkoppling från kommunernas representanter.",
            "Ingen närvarande representant från Sala, Kungsör och Västerås.",
            "Förslag till beslut Informationen noteras. Beslut Informationen noteras.",
            "§ 7 Nästa möte",
            "Infrastruktur ur ett kompetensförsörjningsperspektiv.",
            "Förslag till beslut Informationen noteras. Beslut Informationen noteras.",
            "§ 8 Övriga frågor",
            "Sammanfattning Inga övriga frågor anmäls.",
        ],
    )
    # The item that utgår carries nothing but the note: no proposal, no decision.
    withdrawn = text[text.index("§ 4 Återkoppling") : text.index("§ 5 Uppföljning")]
    assert withdrawn.strip() == "§ 4 Återkoppling från föregående möte Punkten utgår."


def test_halsa_and_nara_vard_decisions_match_the_seed(app, demo):
    halsa, _lines = _minutes(app, "halsa")
    assert_in_order(
        without_page_furniture(halsa),
        [
            "1 Ordförande hälsar samverkansgrupp hälsa välkomna",
            "2 Nästa sammanträde",
            "Nästa sammanträde ska äga rum fredagen den 12 april 2024 kl 09.00.",
            "3 Muntlig information",
            "4 Sammanfattning/diskussion, fokusområde tidiga livet, skolresultat",
            "Sammanfattning Ledamöterna diskuterar vilka insatser som kan göras för att öka skolresultaten.",
            "Beslut Samverkansgruppen uppdrar till presidiet att formulera frågor till chefsnätverken och regionala ledningsgruppen.",
            "5 Laget runt- aktuellt inom kommunerna",
            # The seed prints "§6" here, beside plain "1"-"5"; the body numbers plainly.
            "6 Övriga frågor",
            "Inga övriga frågor framställs.",
        ],
    )
    nara, _lines = _minutes(app, "nara-vard")
    assert_in_order(
        without_page_furniture(nara),
        [
            "1 Ordförande hälsar samverkansgrupp nära vård välkomna",
            "3 Besök och information från Mottagningen för tidiga insatser",
            "4 Årsplan 2024",
            "Beslut Redovisat förslag till Årsplan 2024 godkänns och överlämnas till SRB.",
            "5 Gemensam målbild Nära vård",
            "Sammanfattning Cecilia von Alten och Sara Fredin presenterar bakgrunden till gemensam målbild för region och kommuner, "
            "Framtidens hälso- och sjukvård genom omställningen till Nära vård. Målbilden innefattar Västmanlands Nära vård med de "
            "fyra målområdena ekonomi, kompetens, medicinsk kvalitet och servicekvalitet. Ledamöterna diskuterar den politiska "
            "förankringen inom kommunerna. "
            "Beslut Samverkansgrupp Nära vård rekommenderar Strategisk regional beredning (SRB) att rekommendera Region "
            "Västmanland och länets kommuner att anta målbilden för nära vård.",
            "7 Information om målbild Hälso- och sjukvård 2029 i nära vård perspektiv.",
            "8 Övriga frågor",
        ],
    )
    # The seeds' group minutes give no Förslag till beslut for these items, so none is printed.
    assert "Förslag till beslut" not in halsa and "Förslag till beslut" not in nara


def test_summary_without_a_label_prints_without_a_heading(app, demo):
    """AgendaItem.summary_label: "None prints the summary text without a heading, as some
    minutes do." The seed prints these texts straight under the item title (001:643, 800, 852)."""
    halsa, _lines = _minutes(app, "halsa")
    assert (
        "2 Nästa sammanträde Nästa sammanträde ska äga rum fredagen den 12 april 2024 kl 09.00."
        in without_page_furniture(halsa)
    )
    nara, _lines = _minutes(app, "nara-vard")
    nara = without_page_furniture(nara)
    assert (
        "4 Årsplan 2024 Cecilia von Alten och Sara Fredin presenterar förslag till årsplan 2024. Beslut"
        in nara
    )
    assert "8 Övriga frågor Inga övriga frågor framställs." in nara


def _page_lines(app, key: str) -> tuple[int, list[str], list[str]]:
    body_name, day, *_rest = MEETINGS[key]
    with app.app_context():
        meeting = meeting_of(body_name, day)
        lines = [a.line for a in meeting.attendances]
        decisions = [item.decision.text for item in meeting.items if item.decision]
        return meeting.id, lines, decisions


@pytest.mark.parametrize("who", ["elin", "anonymous"])
def test_final_minutes_are_shown_on_the_meeting_page(app, demo, make_client, login_demo, who):
    client = make_client()
    if who == "elin":
        login_demo(client, ELIN)
    for key in MEETINGS:
        meeting_id, lines, decisions = _page_lines(app, key)
        response = client.get(f"/meetings/{meeting_id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert len(lines) == sum(MEETINGS[key][4])
        assert_in_order(page, [str(escape(line)) for line in lines])
        for line in SEED_LINES[key]:
            assert str(escape(line)) in page
        assert decisions, key
        for text in decisions:
            # Under a "Beslut" heading, not only as the Förslag till beslut with the same words.
            decision = r"Beslut\s*</h\d>\s*<div[^>]*>\s*(?:<p>)?" + re.escape(str(escape(text)))
            assert re.search(decision, page), text
        assert f"Vid minnesanteckningarna: {MEETINGS[key][5]}" in page


def test_final_minutes_no_longer_change(app, demo):
    with app.test_request_context():
        meeting = meeting_of(*KOMPETENS)
        paragraphs = [item.paragraph for item in meeting.items]
        with pytest.raises(DomainError):
            start_record(None, meeting)
        with pytest.raises(DomainError):
            add_attendance(
                None, meeting, person=meeting.attendances[0].person, role=AttendanceRole.OTHER
            )
        with pytest.raises(DomainError):
            update_decision(None, meeting.items[1], None, text="Något annat.")
        assert [item.paragraph for item in meeting.items] == paragraphs == list(range(1, 9))
        db.session.rollback()


def test_new_group_minutes_are_signed_by_the_secretary(app, factory, make_client):
    ids = make_committee(
        factory,
        NumberingRule.PLAIN,
        name="Samverkansgrupp Kultur",
        kind=BodyKind.COOPERATION_GROUP,
        record_type=RecordType.NOTES,
    )
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        start_record(None, meeting)
        assert [a.line for a in meeting.attendances][-1] == "Stina Sekreterare (mötessekreterare)"
        # Minnesanteckningar need no justerare and no Beslut on every item, but every item
        # says something: Övriga frågor, which says nothing, is the one point of the check.
        findings = completeness(meeting)
        assert [(f.kind, f.item.title) for f in findings] == [("no-decision", "Övriga frågor")]
        other = findings[0].item
        update_decision(None, other, None, text="Inga övriga frågor anmäls.")
        assert record_problems(meeting) == []
        db.session.commit()
        meeting_id = meeting.id
    anonymous = make_client()
    assert "Gus Falk (M)" not in anonymous.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        finalise_minutes(None, meeting)
        db.session.commit()
        assert meeting.record_status == RecordStatus.FINAL
        text = pdf_text(record_pdf(meeting))
        db.session.commit()
    assert_in_order(
        text,
        [
            "MINNESANTECKNINGAR",
            "Samverkansgrupp Kultur 2023–2026",
            "Mötesdatum 2025-03-14",
            "Ej tjänstgörande ersättare Fia Ros (S) Gus Falk (M)",
            "Vid minnesanteckningarna",
            "Stina Sekreterare",
            "1 Fastställande av föredragningslista",
        ],
    )
    assert "Justerare" not in text and "§" not in text
    page = anonymous.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Gus Falk (M)" in page and "Vid minnesanteckningarna: Stina Sekreterare" in page


def test_final_minutes_read_the_same_when_later_meetings_are_planned(app, factory):
    """A final record "can no longer change" (_require_draft). Its PDF is remade whenever its
    content changes (record_pdf), so scheduling the next meeting must not rewrite it: the
    Förslag till beslut printed under "Nästa sammanträde" must stay the one the decision was
    made on."""
    ids = make_committee(
        factory,
        NumberingRule.PLAIN,
        name="Samverkansgrupp Kultur",
        kind=BodyKind.COOPERATION_GROUP,
        record_type=RecordType.NOTES,
    )
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        start_record(None, meeting)
        other = next(item for item in meeting.items if item.title == "Övriga frågor")
        accept_finding(None, meeting, f"no-decision/{other.id}", "Inga övriga frågor togs upp.")
        finalise_minutes(None, meeting)
        before = pdf_text(record_pdf(meeting))
        sha256 = meeting.record_pdf_sha256
        db.session.commit()
        new_meeting(ids["body"], "2025-05-16")
        db.session.commit()
        meeting = db.session.get(Meeting, meeting.id)
        after = pdf_text(record_pdf(meeting))
        db.session.commit()
        unchanged = meeting.record_pdf_sha256 == sha256
    assert (
        # A notes body's agenda has no Justering: Nästa sammanträde is the third item.
        "3 Nästa sammanträde Förslag till beslut Tid för nästa sammanträde meddelas senare."
        in before
    )
    assert after == before
    assert unchanged
