"""The secretary's agenda work: meetings, items, beslutsunderlag, plans, PDFs and the kallelse."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts import permissions
from app.agenda import jobs as kinds
from app.agenda import services
from app.agenda.forms import (
    AttachForm,
    ComingTopicsForm,
    CopyAgendaForm,
    DocumentTitleForm,
    ItemForm,
    ItemOrderForm,
    KallelseForm,
    MeetingForm,
    PlannedItemForm,
    SelectedItemsForm,
    StandardItemsForm,
    TemplateChoiceForm,
    TemplateNameForm,
    UploadForm,
)
from app.agenda.kallelse import (
    Recipient,
    candidate_recipients,
    check_agenda_update,
    check_kallelse_sendable,
    chosen_ids,
    covering_letter_of,
    draft_of,
    is_changed_since_sent,
    mailings_of,
    pending_changes,
    preview_kallelse,
    save_kallelse_draft,
)
from app.agenda.models import (
    AgendaItem,
    AgendaItemDocument,
    AgendaRemoval,
    AgendaTemplate,
    PlannedItem,
    RecipientKind,
)
from app.agenda.rendering import agenda_context, agenda_pdf_for_reading, stored_packet
from app.agenda.sentences import sentence_warnings
from app.bodies.models import Body, Membership, MembershipKind
from app.cases.models import Document
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.loading import HIDDEN, HIDDEN_FROM_ANONYMOUS, loaded
from app.core.views import (
    confirmed_post,
    handle_form,
    pdf_response,
    run_action,
    stored_pdf_response,
)
from app.documents.office import check_document_upload
from app.documents.storage import read_bytes
from app.documents.uploads import UploadRejected, title_from_filename
from app.extensions import db
from app.jobs.models import JobStatus
from app.jobs.services import active_job, start_job
from app.jobs.views import follow_job
from app.meetings.models import AgendaStatus, Meeting
from app.people.models import Person
from app.record.models import Assignment

bp = Blueprint("agenda", __name__)


# -- meetings ------------------------------------------------------------------------------


def _meeting_form(body: Body, meeting: Meeting | None = None) -> MeetingForm:
    form = MeetingForm(obj=meeting)
    seated = db.session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.body_id == body.id,
            Membership.kind.in_((MembershipKind.ORDINARY, MembershipKind.SUBSTITUTE)),
        )
        .order_by(Person.name)
        .distinct()
    ).all()
    form.adjusters.choices = [(p.id, p.name_with_party) for p in seated]
    if meeting is not None and request.method == "GET":
        form.adjusters.data = [a.person_id for a in meeting.adjusters]
    return form


def _save_meeting(body: Body, meeting: Meeting | None, form: MeetingForm, data: dict) -> Meeting:
    adjuster_ids = data.pop("adjusters") or []
    if meeting is None:
        meeting = services.schedule_meeting(current_user, body, **data)
    else:
        meeting = services.update_meeting(current_user, meeting, form.version.data, **data)
    chosen = [db.session.get(Person, person_id) for person_id in adjuster_ids]
    if [a.person_id for a in meeting.adjusters] != adjuster_ids:
        services.set_adjusters(current_user, meeting, [p for p in chosen if p is not None])
    return meeting


@bp.route("/bodies/<int:body_id>/meetings/new", methods=["GET", "POST"])
@login_required
@loaded("body_id", Body, permissions.can_manage_body)
def new_meeting(body: Body):
    form = _meeting_form(body)
    return handle_form(
        form,
        lambda data: _save_meeting(body, None, form, data),
        template="form.html",
        title=_("New meeting of %(name)s", name=body.name),
        cancel_url=url_for("bodies.show", body_id=body.id),
        success_url=lambda m: url_for(".editor", meeting_id=m.id),
        success_message=_("The meeting was created with the body's standing items."),
    )


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def edit_meeting(meeting: Meeting):
    form = _meeting_form(meeting.body, meeting)
    return handle_form(
        form,
        lambda data: _save_meeting(meeting.body, meeting, form, data),
        template="form.html",
        record=meeting,
        title=_("Edit the meeting %(date)s", date=meeting.meeting_date.isoformat()),
        cancel_url=url_for(".editor", meeting_id=meeting.id),
        success_url=lambda m: url_for(".editor", meeting_id=m.id),
        success_message=_("The meeting was saved."),
    )


# -- the agenda editor ---------------------------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/agenda")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def editor(meeting: Meeting):
    return _editor_page(meeting)


def _kallelse_form(candidates: list[Recipient]) -> KallelseForm:
    form = KallelseForm()
    form.recipient.choices = [(r.id, r.person.name) for r in candidates]
    return form


def _editor_page(meeting: Meeting, kallelse_form: KallelseForm | None = None):
    """The agenda editor; with ``kallelse_form``, its kallelse panel as the secretary sent it
    (a refused form keeps what she typed and ticked)."""
    context = agenda_context(meeting)  # first: it loads the items the panel reads too
    candidates = candidate_recipients(meeting)
    draft = draft_of(meeting)
    chosen = chosen_ids(candidates, draft)
    letter = covering_letter_of(meeting, draft)
    if kallelse_form is None:
        kallelse_form = _kallelse_form(candidates)
        kallelse_form.covering_letter.data = letter
    else:
        chosen = set(kallelse_form.recipient.data or [])
    mailings = mailings_of(meeting)
    if kallelse_form.seen_mailing.data is None:  # a fresh panel, or a bare button's POST
        kallelse_form.seen_mailing.data = mailings[0].id if mailings else 0
    meeting_url = url_for("meetings.show", meeting_id=meeting.id, _external=True)
    packet_url = url_for(".packet_pdf_file", meeting_id=meeting.id, _external=True)
    undo = services.undoable_removal(meeting)
    return render_template(
        "agenda/editor.html",
        **context,
        sentence_warnings=sentence_warnings(meeting),
        planned=services.offered_planned_items(meeting),
        assignments=services.offered_assignments(meeting),
        due_at_next_meeting=services.due_at_next_meeting,
        candidates=candidates,
        recipient_kinds=list(RecipientKind),
        chosen=chosen,
        kallelse_form=kallelse_form,
        previews=preview_kallelse(
            meeting,
            candidates,
            chosen,
            covering_letter=letter,
            meeting_url=meeting_url,
            packet_url=packet_url,
        ),
        mailings=mailings,
        agenda_changes=pending_changes(meeting) if meeting.dispatches else [],
        changed_since_sent=is_changed_since_sent(meeting),
        form=ConfirmForm(),
        copy_form=_copy_form(meeting) if _copy_offered(meeting) else None,
        template_form=_template_form(meeting) if _copy_offered(meeting) else None,
        undo=undo,
        undo_until=services.undo_deadline(undo) if undo else None,
        shown_order=",".join(str(item.id) for item in meeting.items),
    ), (422 if kallelse_form.errors else 200)


def _copy_offered(meeting: Meeting) -> bool:
    return (
        meeting.agenda_status == AgendaStatus.PRELIMINARY
        and meeting.is_still_to_come
        and services.has_only_standing_items(meeting)
    )


def _copy_form(meeting: Meeting) -> CopyAgendaForm:
    form = CopyAgendaForm(prefix="copy")
    form.source_id.set_choices(
        [(m.id, m.meeting_date.isoformat()) for m in services.copyable_meetings(meeting)]
    )
    return form


@bp.post("/meetings/<int:meeting_id>/agenda/copy")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def copy_agenda(meeting: Meeting):
    form = _copy_form(meeting)
    target = url_for(".editor", meeting_id=meeting.id)
    if not form.validate_on_submit():
        flash(
            _("Choose an earlier meeting of %(body)s with an agenda.", body=meeting.body.name),
            "error",
        )
        return redirect(target)
    source = db.session.get(Meeting, form.source_id.data)
    return run_action(
        lambda: services.copy_agenda(current_user, meeting, source),
        _(
            "The agenda was copied from the meeting %(date)s. Check each item's texts, and "
            "attach this meeting's documents.",
            date=source.meeting_date.isoformat() if source else "",
        ),
        target,
    )


def _template_form(meeting: Meeting) -> TemplateChoiceForm:
    form = TemplateChoiceForm(prefix="template")
    form.template_id.set_choices(
        [(t.id, t.name) for t in services.agenda_templates_of(meeting.body)]
    )
    return form


@bp.post("/meetings/<int:meeting_id>/agenda/from-template")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def agenda_from_template(meeting: Meeting):
    form = _template_form(meeting)
    target = url_for(".editor", meeting_id=meeting.id)
    if not form.validate_on_submit():
        flash(_("Choose one of the templates of %(body)s.", body=meeting.body.name), "error")
        return redirect(target)
    template = db.session.get(AgendaTemplate, form.template_id.data)
    if template is None:
        abort(404)
    return run_action(
        lambda: services.start_agenda_from_template(current_user, meeting, template),
        _(
            "The agenda was started from the template “%(name)s”. Check each item's texts, "
            "and attach this meeting's documents.",
            name=template.name,
        ),
        target,
    )


@bp.get("/bodies/<int:body_id>/agenda-templates")
@login_required
@loaded("body_id", Body, permissions.can_manage_body)
def agenda_templates(body: Body):
    return render_template(
        "agenda/templates.html",
        body=body,
        templates=services.agenda_templates_of(body),
    )


@bp.post("/agenda-templates/<int:template_id>/rename")
@login_required
@loaded("template_id", AgendaTemplate, permissions.can_manage_agenda_template)
def rename_agenda_template(template: AgendaTemplate):
    form = TemplateNameForm()
    target = url_for(".agenda_templates", body_id=template.body_id)
    if not form.validate_on_submit():
        flash(_("Give the template a name of at most 200 characters."), "error")
        return redirect(target)
    return run_action(
        lambda: services.rename_agenda_template(current_user, template, form.name.data),
        _("The template was renamed."),
        target,
    )


@bp.post("/agenda-templates/<int:template_id>/delete")
@login_required
@confirmed_post
@loaded("template_id", AgendaTemplate, permissions.can_manage_agenda_template)
def delete_agenda_template(template: AgendaTemplate):
    target = url_for(".agenda_templates", body_id=template.body_id)
    name = template.name
    return run_action(
        lambda: services.delete_agenda_template(current_user, template),
        _("The template “%(name)s” was deleted.", name=name),
        target,
    )


@bp.post("/meetings/<int:meeting_id>/agenda/confirm")
@login_required
@confirmed_post
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def confirm(meeting: Meeting):
    return run_action(
        lambda: services.confirm_agenda(current_user, meeting),
        _("The agenda is confirmed. Its item numbers are the ones the record will use."),
        url_for(".editor", meeting_id=meeting.id),
    )


@bp.post("/meetings/<int:meeting_id>/agenda/reopen")
@login_required
@confirmed_post
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def reopen(meeting: Meeting):
    return run_action(
        lambda: services.reopen_agenda(current_user, meeting),
        _("The agenda is preliminary again."),
        url_for(".editor", meeting_id=meeting.id),
    )


def _item_form(item: AgendaItem | None = None) -> ItemForm:
    form = ItemForm(obj=item)
    if item is not None and request.method == "GET":
        form.case_number.data = item.case.case_number if item.case else None
        form.notices.data = services.notices_text(item) or None
    return form


def _save_item(meeting: Meeting, item: AgendaItem | None, form: ItemForm, data: dict) -> AgendaItem:
    notices = services.parse_notices(data.pop("notices"))
    if item is None:
        before = None
        if request.args.get("before", type=int):
            before = db.session.get(AgendaItem, request.args.get("before", type=int))
            if before is None or before.meeting_id != meeting.id:
                abort(404)
        item = services.add_item(current_user, meeting, before=before, **data)
    else:
        item = services.update_item(current_user, item, form.version.data, **data)
    services.set_notices(current_user, item, notices)
    return item


@bp.route("/meetings/<int:meeting_id>/items/new", methods=["GET", "POST"])
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def new_item(meeting: Meeting):
    form = _item_form()
    return handle_form(
        form,
        lambda data: _save_item(meeting, None, form, data),
        template="form.html",
        title=_("New item"),
        cancel_url=url_for(".editor", meeting_id=meeting.id),
        success_url=lambda i: url_for(".edit_item", item_id=i.id),
        success_message=_("The item was added."),
    )


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def edit_item(item: AgendaItem):
    form = _item_form(item)
    attach = AttachForm(prefix="attach")
    attach.document_id.set_choices(
        [(d.id, d.title) for d in services.attachable_documents(current_user, item)]
    )
    return handle_form(
        form,
        lambda data: _save_item(item.meeting, item, form, data),
        template="agenda/item.html",
        record=item,
        item=item,
        upload=_upload_form(item),
        attach=attach,
        coming=services.planned_at(item),
        plans_next_meeting=services.plans_next_meeting(item),
        confirm=ConfirmForm(),
        title=_("Edit item %(number)s", number=item.display_number),
        cancel_url=url_for(".editor", meeting_id=item.meeting_id),
        success_url=lambda i: url_for(".editor", meeting_id=i.meeting_id) + f"#item-{i.id}",
        success_message=_("The item was saved."),
    )


@bp.post("/items/<int:item_id>/move/<direction>")
@login_required
@confirmed_post
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def move_item(item: AgendaItem, direction: str):
    offset = {"up": -1, "down": 1}.get(direction) or abort(404)
    return run_action(
        lambda: services.move_item(current_user, item, offset),
        _("The item was moved."),
        url_for(".editor", meeting_id=item.meeting_id) + f"#item-{item.id}",
    )


@bp.post("/items/<int:item_id>/remove")
@login_required
@confirmed_post
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def remove_item(item: AgendaItem):
    meeting = item.meeting
    return run_action(
        lambda: services.remove_items(current_user, meeting, [item]),
        _("The item was removed from the agenda. “Undo” above the items puts it back."),
        url_for(".editor", meeting_id=meeting.id, _anchor="items"),
    )


def _ids(text: str | None) -> list[int] | None:
    """Item ids sent as "3,5,4"; None when that is not what was sent."""
    try:
        return [int(part) for part in (text or "").split(",") if part.strip()]
    except ValueError:
        return None


@bp.post("/meetings/<int:meeting_id>/agenda/order")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def reorder(meeting: Meeting):
    """The order the secretary dropped the items in (static/js/agenda-order.js)."""
    form = ItemOrderForm()
    target = url_for(".editor", meeting_id=meeting.id, _anchor="items")
    order, shown = _ids(form.order.data), _ids(form.shown.data)
    if not form.validate_on_submit() or order is None or shown is None:
        flash(_("The new order could not be read; the order was not changed."), "error")
        return redirect(target)
    return run_action(
        lambda: services.reorder_items(current_user, meeting, order, shown or None),
        _("The order was changed and the items were numbered again."),
        target,
    )


@bp.post("/meetings/<int:meeting_id>/agenda/selected")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def selected_items(meeting: Meeting):
    """Several ticked items at once: moved up, down or to a position, removed (with undo),
    or kept as a template of the body."""
    form = SelectedItemsForm()
    target = url_for(".editor", meeting_id=meeting.id, _anchor="items")
    ids = request.form.getlist("item", type=int)
    if not form.validate_on_submit():
        flash(
            _("Give a position of 1 or more, and a template name of at most 200 characters."),
            "error",
        )
        return redirect(target)
    chosen = list(
        db.session.scalars(
            select(AgendaItem).where(AgendaItem.id.in_(ids), AgendaItem.meeting_id == meeting.id)
        )
    )
    if len(chosen) != len(set(ids)):
        flash(_("Choose items of this agenda."), "error")
        return redirect(target)
    action = form.action.data
    if action == "enter":  # Enter pressed in a field: do what the field asks
        action = "template" if form.template_name.data else "position"
    n = len(chosen)
    if action == "up":
        work, done = (
            (lambda: services.move_items(current_user, meeting, chosen, offset=-1)),
            _("The selected items were moved up."),
        )
    elif action == "down":
        work, done = (
            (lambda: services.move_items(current_user, meeting, chosen, offset=1)),
            _("The selected items were moved down."),
        )
    elif action == "position":
        if form.position.data is None:
            flash(_("Give the position to move the selected items to."), "error")
            return redirect(target)
        work, done = (
            (
                lambda: services.move_items(
                    current_user, meeting, chosen, position=form.position.data
                )
            ),
            _("The selected items were moved to position %(n)d.", n=form.position.data),
        )
    elif action == "remove":
        work, done = (
            (lambda: services.remove_items(current_user, meeting, chosen)),
            ngettext(
                "%(num)d item was removed from the agenda. “Undo” puts it back.",
                "%(num)d items were removed from the agenda. “Undo” puts them back.",
                n,
            ),
        )
    elif action == "template":
        name = form.template_name.data
        work, done = (
            (lambda: services.save_agenda_template(current_user, meeting, name, chosen)),
            _("The template “%(name)s” was saved.", name=" ".join((name or "").split())),
        )
    else:
        abort(400)
    return run_action(work, done, target)


@bp.post("/removals/<int:removal_id>/undo")
@login_required
@confirmed_post
@loaded("removal_id", AgendaRemoval, permissions.can_undo_removal)
def undo_removal(removal: AgendaRemoval):
    return run_action(
        lambda: services.undo_removal(current_user, removal),
        _("The removed items are back on the agenda, as they were."),
        url_for(".editor", meeting_id=removal.meeting_id, _anchor="items"),
    )


# -- beslutsunderlag ------------------------------------------------------------------------


def _upload_form(item: AgendaItem) -> UploadForm:
    """The upload form, with what was typed last time if that upload was refused."""
    form = UploadForm(prefix="upload")
    draft = session.pop("upload_draft", None) if request.method == "GET" else None
    if draft and draft.get("item") == item.id:
        form.title.data = draft.get("title")
        form.confidentiality.data = draft.get("confidentiality")
    return form


def _keep_upload_draft(item: AgendaItem, form: UploadForm) -> None:
    """A refused upload sends the secretary back to the item: keep what she typed."""
    confidentiality = form.confidentiality.data
    session["upload_draft"] = {
        "item": item.id,
        "title": form.title.data or "",
        "confidentiality": getattr(confidentiality, "value", confidentiality),
    }


def _titles_for(count: int) -> list[str | None]:
    """The title typed for each of ``count`` files: with JavaScript the form has a title
    field per file, in the files' order; without it one field, which names a single file
    (several files each take their own file's name)."""
    typed = [title.strip() for title in request.form.getlist("upload-title")]
    if len(typed) == count:
        return [title or None for title in typed]
    return [None] * count


@bp.post("/items/<int:item_id>/documents/upload")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def upload_document(item: AgendaItem):
    """One or more files onto the item's beslutsunderlag. Each is checked on its own: a
    refused one says why and the others are attached. Office files are converted to PDF in
    a background job each, started after the commit that stored them."""
    form = UploadForm(prefix="upload")
    target = url_for(".edit_item", item_id=item.id) + "#documents"
    files = [file for file in form.file.data or [] if file and file.filename]
    if not form.validate_on_submit() or not files:
        _keep_upload_draft(item, form)
        flash(_("Choose one or more files to upload."), "error")
        return redirect(target)
    accepted = []
    for file, typed in zip(files, _titles_for(len(files)), strict=True):
        title = typed or title_from_filename(file.filename)
        try:
            upload = check_document_upload(
                file.read(),
                file.filename,
                max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
                max_pages=current_app.config["MAX_UPLOAD_PAGES"],
            )
        except UploadRejected as rejected:
            flash(
                _("“%(title)s” was not attached: %(reason)s", title=title, reason=rejected.message),
                "error",
            )
            continue
        accepted.append((upload, title))
    if not accepted:
        _keep_upload_draft(item, form)
        return redirect(target)
    try:
        documents = services.attach_uploads(
            current_user, item, accepted, confidentiality=form.confidentiality.data
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(target)
    titles = [document.title for document in documents]
    converting = [document for document in documents if document.is_converting]
    for job in kinds.start_office_conversions(current_user, item, converting):
        if job.status == JobStatus.FAILED:  # run at once (no broker): it says why
            flash(job.error or _("The conversion to PDF failed."), "error")
    if len(titles) == 1:
        flash(_("“%(title)s” was attached.", title=titles[0]), "success")
    else:
        flash(
            _("%(n)d documents were attached: %(titles)s.", n=len(titles), titles=_quoted(titles)),
            "success",
        )
    return redirect(target)


def _quoted(titles: list[str]) -> str:
    return ", ".join(_("“%(title)s”", title=title) for title in titles)


@bp.post("/item-documents/<int:link_id>/title")
@login_required
@loaded("link_id", AgendaItemDocument, permissions.can_rename_item_document)
def rename_document(link: AgendaItemDocument):
    form = DocumentTitleForm()
    target = url_for(".edit_item", item_id=link.item_id) + "#documents"
    if not form.validate_on_submit():
        flash(_("Give the document a title of at most 500 characters."), "error")
        return redirect(target)
    before, title = link.document.title, " ".join(form.title.data.split())
    return run_action(
        lambda: services.rename_document(current_user, link, title),
        _("“%(before)s” is now called “%(title)s”.", before=before, title=title),
        target,
    )


@bp.post("/items/<int:item_id>/documents/attach")
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def attach_document(item: AgendaItem):
    form = AttachForm(prefix="attach")
    # Only what she may read is offered, and so only that is accepted (another id: "not a
    # valid choice", whether it exists or not).
    form.document_id.set_choices(
        [(d.id, d.title) for d in services.attachable_documents(current_user, item)]
    )
    target = url_for(".edit_item", item_id=item.id) + "#documents"
    if not form.validate_on_submit():
        flash(_("Choose a document."), "error")
        return redirect(target)
    document = db.session.get(Document, form.document_id.data)
    return run_action(
        lambda: services.attach_document(current_user, item, document),
        _("The document was attached."),
        target,
    )


@bp.post("/item-documents/<int:link_id>/move/<direction>")
@login_required
@confirmed_post
@loaded("link_id", AgendaItemDocument, permissions.can_manage_item_document)
def move_document(link: AgendaItemDocument, direction: str):
    offset = {"up": -1, "down": 1}.get(direction) or abort(404)
    return run_action(
        lambda: services.move_document(current_user, link, offset),
        _("The order was changed."),
        url_for(".edit_item", item_id=link.item_id) + "#documents",
    )


@bp.post("/item-documents/<int:link_id>/remove")
@login_required
@confirmed_post
@loaded("link_id", AgendaItemDocument, permissions.can_manage_item_document)
def detach_document(link: AgendaItemDocument):
    item_id = link.item_id
    return run_action(
        lambda: services.detach_document(current_user, link),
        _("The document was removed from the item (it is kept in the system)."),
        url_for(".edit_item", item_id=item_id) + "#documents",
    )


@bp.get("/item-documents/<int:link_id>/file")
@loaded("link_id", AgendaItemDocument, permissions.can_view_item_document, refusal=HIDDEN)
def document_file(link: AgendaItemDocument):
    if not link.document.has_file:
        abort(404)
    return stored_pdf_response(link.document.sha256, link.document.filename or "dokument.pdf")


@bp.get("/item-documents/<int:link_id>/original")
@login_required
@loaded("link_id", AgendaItemDocument, permissions.can_download_original)
def document_original(link: AgendaItemDocument):
    """The office file a beslutsunderlag was uploaded as, for the item's secretaries only: it
    may hold what its PDF does not show (tracked changes, comments, hidden sheets)."""
    document = link.document
    if document.source_sha256 is None:
        abort(404)
    response = Response(
        read_bytes(document.source_sha256),
        mimetype=document.source_media_type or "application/octet-stream",
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{document.source_filename or "dokument"}"'
    )
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- PDFs ----------------------------------------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/foredragningslista.pdf")
@login_required
@loaded(
    "meeting_id",
    Meeting,
    permissions.can_read_agenda_documents,
    refusal=HIDDEN_FROM_ANONYMOUS,
)
def agenda_pdf_file(meeting: Meeting):
    pdf = agenda_pdf_for_reading(meeting)  # a GET writes nothing: the kallelse stores it
    return pdf_response(pdf, f"Foredragningslista {meeting.file_stem}.pdf")


@bp.get("/meetings/<int:meeting_id>/handlingar.pdf")
@login_required
@loaded(
    "meeting_id",
    Meeting,
    permissions.can_read_agenda_documents,
    refusal=HIDDEN_FROM_ANONYMOUS,
)
def packet_pdf_file(meeting: Meeting):
    """The stored handlingar when they are current; else they are built as a background job
    (one at a time per reader and meeting) and served when it has finished, or its page is
    shown."""
    filename = f"Handlingar {meeting.file_stem}.pdf"
    pdf = stored_packet(meeting)
    if pdf is not None:
        return pdf_response(pdf, filename)
    db.session.rollback()  # checking wrote nothing worth keeping
    job = active_job(kinds.PACKET, current_user, meeting_id=meeting.id) or start_job(
        current_user, kinds.PACKET, arguments={"meeting_id": meeting.id}, body_id=meeting.body_id
    )
    if job.status == JobStatus.DONE:
        return stored_pdf_response(job.result["sha256"], filename)
    return follow_job(job)


# -- kallelse ------------------------------------------------------------------------------


@bp.post("/meetings/<int:meeting_id>/kallelse")
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def send(meeting: Meeting):
    """Save the covering letter and the chosen recipients, and (``action=send``) mail the
    kallelse by a background job (kallelse.send_kallelse holds the rules and checks them
    again). A bare button's POST, without the panel's fields, sends what was saved."""
    candidates = candidate_recipients(meeting)
    form = _kallelse_form(candidates)
    target = url_for(".editor", meeting_id=meeting.id, _anchor="kallelse")
    if not form.validate_on_submit():
        flash(_("Please correct the errors marked below."), "error")
        return _editor_page(meeting, form)
    chosen: list[int] | None
    seen_mailing = form.seen_mailing.data
    if "covering_letter" in request.form:
        letter, chosen = form.covering_letter.data or "", list(form.recipient.data or [])
        try:
            draft = save_kallelse_draft(
                current_user, meeting, covering_letter=letter, recipient_ids=chosen
            )
            letter = covering_letter_of(meeting, draft)  # as kept: line ends made plain
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(target)
        if request.form.get("action") != "send":
            flash(_("The covering letter and the recipients are saved."), "success")
            return redirect(target)
    else:
        draft = draft_of(meeting)
        letter = covering_letter_of(meeting, draft)
        # As saved (of those still on the list), or None: the ledamöter and ersättare.
        chosen = (
            sorted(chosen_ids(candidates, draft))
            if draft is not None and draft.recipient_ids is not None
            else None
        )
    # The secretary's explicit choice to send an agenda not yet fastställd.
    preliminary = request.form.get("preliminary") == "1"
    try:
        check_kallelse_sendable(
            meeting, preliminary=preliminary, recipient_ids=chosen, seen_mailing_id=seen_mailing
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(target)
    db.session.rollback()  # checking wrote nothing worth keeping
    # A second click while the first is still sending follows that job.
    job = active_job(kinds.KALLELSE, current_user, meeting_id=meeting.id) or start_job(
        current_user,
        kinds.KALLELSE,
        arguments={
            "meeting_id": meeting.id,
            "meeting_url": url_for("meetings.show", meeting_id=meeting.id, _external=True),
            "packet_url": url_for(".packet_pdf_file", meeting_id=meeting.id, _external=True),
            "preliminary": preliminary,
            "recipient_ids": chosen,
            "covering_letter": letter,
            "seen_mailing_id": seen_mailing,
        },
        body_id=meeting.body_id,
    )
    return follow_job(job)


@bp.post("/meetings/<int:meeting_id>/kallelse/update")
@login_required
@confirmed_post
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def send_update(meeting: Meeting):
    """Mail what changed since the kallelse, by a background job (send_agenda_update holds
    the rules and checks them again)."""
    try:
        check_agenda_update(meeting)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".editor", meeting_id=meeting.id, _anchor="kallelse"))
    db.session.rollback()
    job = active_job(kinds.KALLELSE_UPDATE, current_user, meeting_id=meeting.id) or start_job(
        current_user,
        kinds.KALLELSE_UPDATE,
        arguments={
            "meeting_id": meeting.id,
            "meeting_url": url_for("meetings.show", meeting_id=meeting.id, _external=True),
            "packet_url": url_for(".packet_pdf_file", meeting_id=meeting.id, _external=True),
        },
        body_id=meeting.body_id,
    )
    return follow_job(job)


# -- planned items and uppdrag -------------------------------------------------------------


@bp.route("/bodies/<int:body_id>/planned", methods=["GET", "POST"])
@login_required
@loaded("body_id", Body, permissions.can_manage_body)
def planned(body: Body):
    form = PlannedItemForm()
    upcoming = services.upcoming_meetings(body)
    form.meeting_id.set_choices([(m.id, m.meeting_date.isoformat()) for m in upcoming])
    form.meeting_id.choices[0] = (None, _("The next meeting"))
    topics = db.session.scalars(
        select(PlannedItem).where(PlannedItem.body_id == body.id).order_by(PlannedItem.created_at)
    ).all()
    return handle_form(
        form,
        lambda data: services.plan_item(current_user, body, **data),
        template="agenda/planned.html",
        body=body,
        topics=topics,
        title=_("Coming meetings: planned topics"),
        cancel_url=url_for("bodies.show", body_id=body.id),
        success_url=lambda p: url_for(".planned", body_id=body.id),
        success_message=_("The topic was added to the plan."),
    )


@bp.route("/items/<int:item_id>/coming-topics", methods=["GET", "POST"])
@login_required
@loaded("item_id", AgendaItem, permissions.can_manage_item)
def coming_topics(item: AgendaItem):
    """The topics a meeting plans for the next one ("Kommande möte"), one a line."""
    form = ComingTopicsForm()
    if request.method == "GET":
        form.topics.data = "\n".join(t.title for t in services.planned_at(item)) or None
    return handle_form(
        form,
        lambda data: services.plan_from_item(
            current_user, item, (data.get("topics") or "").splitlines()
        ),
        template="form.html",
        title=_("Topics for the next meeting: %(item)s", item=item.title),
        cancel_url=url_for(".edit_item", item_id=item.id),
        success_url=lambda _topics: url_for(".edit_item", item_id=item.id) + "#coming",
        success_message=_("The planned topics were saved; the next agenda offers them."),
    )


@bp.post("/planned/<int:planned_id>/pull/<int:meeting_id>")
@login_required
@confirmed_post
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)  # the meeting is asked first
@loaded("planned_id", PlannedItem, permissions.can_pull_onto_agenda)
def pull_planned(planned: PlannedItem, meeting: Meeting):
    return run_action(
        lambda: services.pull_planned_item(current_user, planned, meeting),
        _("The topic was added to the agenda."),
        url_for(".editor", meeting_id=meeting.id),
    )


@bp.post("/assignments/<int:assignment_id>/pull/<int:meeting_id>")
@login_required
@confirmed_post
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)  # the meeting is asked first
@loaded("assignment_id", Assignment, permissions.can_pull_onto_agenda)
def pull_assignment(assignment: Assignment, meeting: Meeting):
    return run_action(
        lambda: services.pull_assignment(current_user, assignment, meeting),
        _("The report-back was added to the agenda."),
        url_for(".editor", meeting_id=meeting.id),
    )


# -- standing items ------------------------------------------------------------------------


@bp.route("/bodies/<int:body_id>/standing-items", methods=["GET", "POST"])
@login_required
@loaded("body_id", Body, permissions.can_manage_body)
def standing_items(body: Body):
    form = StandardItemsForm()
    if request.method == "GET":
        rows = services.standard_items_of(body)
        for _i in range(len(rows) + 3 - len(form.rows)):
            form.rows.append_entry()
        for entry, row in zip(form.rows, rows, strict=False):
            entry.form.title.data = row.title
            entry.form.placement.data = row.placement
            entry.form.kind.data = row.kind
    elif form.validate_on_submit():
        chosen = [
            (entry.form.placement.data, entry.form.title.data, entry.form.kind.data)
            for entry in form.rows
            if entry.form.title.data
        ]
        try:
            services.set_standard_items(current_user, body, chosen)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("The standing items were saved. New agendas start from them."), "success")
            return redirect(url_for("bodies.show", body_id=body.id))
    else:
        flash(_("Please correct the errors marked below."), "error")
    return render_template("agenda/standing_items.html", body=body, form=form)
