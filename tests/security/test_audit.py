"""The audit log: every change through the forms is recorded (who, what, when, before and
after), the admins read it, and records with legal weight are never deleted."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.permissions import can_manage_meeting
from app.agenda.models import AgendaItem
from app.core.audit import PAGE_SIZE, AuditEntry, record_change
from app.core.dates import local_today
from app.core.retention import RetentionError
from app.extensions import db
from app.justering.models import RecordRevision, Signoff, SignoffStatus
from app.meetings.models import Meeting, RecordStatus
from app.organisations.models import Organisation, OrganisationKind
from app.publication.models import Posting
from app.record.models import Decision
from tests.conftest import ADMIN, ELIN

# Bookkeeping that is not a change of the records: when someone last logged in.
BOOKKEEPING = {("User", ("last_login_at",))}
# A background job's row is its own log (who started it, when, each step, the outcome); the
# work it does is audited by the service it calls, in the same transaction as the job's end.
# A login session (started at login, ended at logout) is the session's own state, like the
# cookie it backs; logins are counted by last_login_at.
BOOKKEEPING_KINDS = {"Job", "LoginSession"}


@pytest.fixture
def transactions(app):
    """Every committed transaction: what it changed and which audit entries it added."""
    committed: list[dict] = []
    current: dict = {"changed": [], "audited": []}

    def after_flush(session, _context):
        for record in [*session.new, *session.dirty, *session.deleted]:
            if isinstance(record, AuditEntry):
                current["audited"].append((record.object_type, record.action))
                continue
            if record in session.dirty and not session.is_modified(record):
                continue
            state = db.inspect(record)
            keys = tuple(sorted(a.key for a in state.attrs if a.history.has_changes()))
            current["changed"].append((type(record).__name__, keys))

    def after_commit(_session):
        changed = [
            c for c in current["changed"] if c not in BOOKKEEPING and c[0] not in BOOKKEEPING_KINDS
        ]
        if changed:
            committed.append({"changed": changed, "audited": list(current["audited"])})
        current["changed"], current["audited"] = [], []

    def after_rollback(_session, _transaction):
        current["changed"], current["audited"] = [], []

    listeners = (
        ("after_flush", after_flush),
        ("after_commit", after_commit),
        ("after_soft_rollback", after_rollback),
    )
    for name, listener in listeners:
        event.listen(Session, name, listener)
    yield committed
    for name, listener in listeners:
        event.remove(Session, name, listener)


def test_every_change_through_the_forms_is_audited(demo, transactions, hostile):
    assert len(transactions) > 30  # the whole walk: organisation to final minutes
    unaudited = [t["changed"] for t in transactions if not t["audited"]]
    assert unaudited == []
    audited = {object_type for t in transactions for object_type, _action in t["audited"]}
    assert {
        "Organisation",
        "Body",
        "Term",
        "Membership",
        "Person",
        "Meeting",
        "AgendaItem",
        "PlannedItem",
        "Document",
        "Attendance",
    } <= audited


def test_a_signature_is_audited_with_its_signatory(app, justerat_demo):
    with app.test_request_context():
        approvals = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == "Signoff", AuditEntry.action == "sign"
            )
        ).all()
        signed = db.session.scalars(
            select(Signoff).where(Signoff.status == SignoffStatus.APPROVED)
        ).all()
        assert signed and {e.object_id for e in approvals} == {s.id for s in signed}
        for entry in approvals:
            assert entry.actor_id is not None
            assert entry.changes["status"]["after"] == "approved"
            assert entry.changes["decided_by_id"]["after"] == entry.actor_id
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "Posting"))


# -- the admins' page -----------------------------------------------------------------------------


def test_the_audit_page_shows_before_and_after_and_filters(app, demo, make_client, login_demo):
    with app.app_context():
        region = db.session.scalar(
            select(Organisation).where(Organisation.name == "Region Västmanland")
        )
        region_id = region.id
    admin = make_client()
    login_demo(admin, ADMIN)
    from tests.security.helpers import form_data, forms_on

    url = f"/organisations/{region_id}/edit"
    form = next(
        f
        for f in forms_on(admin.get(url).get_data(as_text=True), url)
        if f.method == "post" and f.action == url
    )
    assert (
        admin.post(url, data=form_data(form, {"county": "Västmanlands län (ändrat)"})).status_code
        == 302
    )

    page = admin.get("/admin/audit?object_type=Organisation").get_data(as_text=True)
    # Swedish names, not the code's: the record's kind, the action, the field.
    assert f"Organisation #{region_id}: ändrad" in page
    assert "Västmanlands län (ändrat)" in page  # after
    assert "<td>Län</td>" in page and "county" not in page
    assert "Organ #" not in page  # filtered to organisations
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == ADMIN))
        elin_id = db.session.scalar(select(User.id).where(User.email == ELIN))
    by_admin = admin.get(f"/admin/audit?actor={admin_id}").get_data(as_text=True)
    assert "Västmanlands län (ändrat)" in by_admin
    by_elin = admin.get(f"/admin/audit?actor={elin_id}").get_data(as_text=True)
    assert "Västmanlands län (ändrat)" not in by_elin
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert "Inga poster matchar." in admin.get(f"/admin/audit?since={tomorrow}").get_data(
        as_text=True
    )
    today = local_today().isoformat()
    assert "Västmanlands län (ändrat)" in admin.get(
        f"/admin/audit?since={today}&until={today}"
    ).get_data(as_text=True)


def test_the_audit_page_is_paged(app, factory, make_client, login):
    factory.user("admin@example.se", is_admin=True)
    with app.test_request_context():
        organisation = Organisation(
            name="Sidkommun", short_name="Sid", kind=OrganisationKind.MUNICIPALITY
        )
        db.session.add(organisation)
        db.session.flush()
        for n in range(PAGE_SIZE + 5):
            before = {"name": organisation.name}
            organisation.name = f"Sidkommun {n}"
            record_change(db.session, None, "update", organisation, before)
        db.session.commit()
    admin = make_client()
    login(admin, "admin@example.se")
    first = admin.get("/admin/audit?object_type=Organisation").get_data(as_text=True)
    assert "Sida 1 av 2" in first and "Sidkommun 54" in first and "Sidkommun 3<" not in first
    assert 'rel="next" href="/admin/audit?' in first and "object_type=Organisation" in first
    second = admin.get("/admin/audit?object_type=Organisation&page=2").get_data(as_text=True)
    assert "Sida 2 av 2" in second and "Sidkommun 3<" in second
    assert admin.get("/admin/audit?page=99").status_code == 200  # clamped to the last page


# -- records with legal weight are never deleted ------------------------------------------------


@pytest.fixture
def justerat(justerat_demo):
    return justerat_demo


def _refused(app, change) -> RetentionError:
    with app.test_request_context():
        with pytest.raises(RetentionError) as raised:
            change()
            db.session.flush()
        db.session.rollback()
    return raised.value


def test_legal_records_cannot_be_deleted(app, justerat):
    def first(model, *where):
        return lambda: db.session.delete(db.session.scalar(select(model).where(*where).limit(1)))

    final = select(Meeting.id).where(Meeting.record_status == RecordStatus.FINAL)
    for change in (
        first(AuditEntry),
        first(Posting),
        first(RecordRevision, RecordRevision.justered_at.is_not(None)),
        first(Signoff, Signoff.status == SignoffStatus.APPROVED),
        first(Meeting, Meeting.record_status == RecordStatus.FINAL),
        first(AgendaItem, AgendaItem.meeting_id.in_(final)),
        first(
            Decision,
            Decision.item_id.in_(select(AgendaItem.id).where(AgendaItem.meeting_id.in_(final))),
        ),
    ):
        error = _refused(app, change)
        with app.test_request_context():
            assert "rättelse" in error.message
    with app.app_context():  # all still there
        assert db.session.scalar(select(Posting.id))
        assert db.session.scalar(select(AuditEntry.id))


def test_the_audit_log_and_a_justerad_revision_cannot_be_rewritten(app, justerat):
    def rewrite_entry():
        db.session.scalar(select(AuditEntry).order_by(AuditEntry.id).limit(1)).action = "changed"

    def rewrite_revision():
        revision = db.session.scalar(
            select(RecordRevision).where(RecordRevision.justered_at.is_not(None))
        )
        revision.signed_pdf_sha256 = "0" * 64

    with app.app_context():
        entry_id, action = db.session.execute(
            select(AuditEntry.id, AuditEntry.action).order_by(AuditEntry.id).limit(1)
        ).one()
        revision_id, sha = db.session.execute(
            select(RecordRevision.id, RecordRevision.signed_pdf_sha256).where(
                RecordRevision.justered_at.is_not(None)
            )
        ).first()
    for change in (rewrite_entry, rewrite_revision):
        error = _refused(app, change)
        with app.test_request_context():
            assert "rättelse" in error.message
    with app.app_context():  # both as they were
        assert db.session.get(AuditEntry, entry_id).action == action
        assert db.session.get(RecordRevision, revision_id).signed_pdf_sha256 == sha


def test_drafts_can_still_be_removed(app, demo):
    """The guard refuses only what has legal weight: a draft agenda's item goes."""
    with app.test_request_context():
        item = db.session.scalar(
            select(AgendaItem)
            .join(Meeting)
            .where(Meeting.record_status == RecordStatus.NONE)
            .limit(1)
        )
        item_id = item.id
        db.session.delete(item)
        db.session.flush()
        db.session.expunge_all()
        assert db.session.get(AgendaItem, item_id) is None  # gone, and nothing refused it
        db.session.rollback()


def test_no_route_deletes_a_legal_record(app):
    """The only removals the application offers are of drafts: each is listed here, and each
    service refuses once the record is final (and the guard would refuse too)."""
    removals = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and ("remove" in rule.rule or "delete" in rule.rule)
    )
    assert removals == [
        # A body's agenda template (a working aid of the secretary's, no record).
        "agenda.delete_agenda_template",
        "agenda.detach_document",
        "agenda.remove_item",
        # The letterhead's logo: a justerat record keeps the logo it was signed with
        # (tests/organisations/test_logo.py).
        "organisations.delete_logo",
        "record.remove_attendance",
        "record.remove_part",
        # Taking back a report-back on an uppdrag: while the record is a draft only
        # (tests/record/test_report_back.py).
        "record.undo_report_back",
    ]


def test_a_refused_delete_is_a_clear_message(app, demo, make_client, login_demo):
    """Through the UI: removing someone from the attendance of final minutes is refused with a
    message, and the attendance stays."""
    from app.record.models import Attendance

    with app.app_context():
        elin_user = db.session.scalar(select(User).where(User.email == ELIN))
        attendance = next(
            attendance
            for attendance in db.session.scalars(
                select(Attendance)
                .join(Meeting, Attendance.meeting_id == Meeting.id)
                .where(Meeting.record_status == RecordStatus.FINAL)
                .order_by(Attendance.id)
            )
            if can_manage_meeting(elin_user, attendance.meeting)
        )
        attendance_id = attendance.id
    elin = make_client()
    login_demo(elin, ELIN)
    token = elin.csrf_token("/")
    response = elin.post(
        f"/attendance/{attendance_id}/remove", data={"csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "flash-error" in page
    with app.app_context():
        assert db.session.get(Attendance, attendance_id) is not None


def test_the_suites_cleanup_empties_even_legal_records(app, justerat):
    """The suite empties the tables after each test with bulk statements (tests/conftest.py),
    which the guard (on the ORM session's flush) lets through: after the demo cycle, audit
    entries, signoffs, the justerad revision and the anslag all go, and no table keeps a row."""
    from tests.conftest import _empty_tables, _tables_with_rows

    with app.app_context():
        connection = db.session.connection()
        kept = {table.name for table in _tables_with_rows(connection)}
        assert {"audit_entries", "postings", "signoffs", "record_revisions"} <= kept, kept
        _empty_tables(connection)
        assert _tables_with_rows(connection) == []
        for table in db.metadata.sorted_tables:
            assert connection.scalar(select(func.count()).select_from(table)) == 0, table.name
        db.session.rollback()


def test_gallring_is_the_one_deliberate_way(app, justerat):
    """Culling under an archive decision is possible, but only inside ``gallring``."""
    from app.core.retention import gallring

    with app.test_request_context():
        posting = db.session.scalar(select(Posting))
        posting_id = posting.id
        with gallring(db.session):
            db.session.delete(posting)
            db.session.flush()
            # Gone within this transaction: the guard let the deliberate delete through.
            assert db.session.scalar(select(Posting.id).where(Posting.id == posting_id)) is None
        db.session.rollback()
        assert db.session.scalar(select(Posting.id)) is not None  # rolled back, still there
    _refused(app, lambda: db.session.delete(db.session.scalar(select(Posting))))
