"""``/search``: full-text search for everyone, showing only what the reader may see."""

import time

import click
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.search import services
from app.search.forms import SearchForm
from app.search.index import rebuild_index
from app.search.jobs import start_reading, unread_files
from app.search.models import SearchKind

bp = Blueprint("search", __name__, cli_group="search")


@bp.get("/search")
def index():
    form = SearchForm(formdata=request.args)
    form.set_choices(services.searchable_bodies(current_user), services.meeting_years(current_user))
    results = None
    if form.q.data and form.validate():
        filters = services.Filters(
            body_id=form.body.data,
            year=form.year.data,
            kind=SearchKind(form.kind.data) if form.kind.data else None,
        )
        page = request.args.get("page", 1, type=int) or 1
        results = services.search(current_user, form.q.data, filters, page)
    return render_template(
        "search/index.html", form=form, results=results, kinds=list(SearchKind), page_url=_page_url
    )


def _page_url(number: int) -> str:
    """This search (query and filters) on another page."""
    return url_for("search.index", **{**request.args.to_dict(), "page": number})


@bp.cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the records."""
    started = time.perf_counter()
    count = rebuild_index(db.session.connection())
    db.session.commit()
    click.echo(f"Search index rebuilt: {count} rows in {time.perf_counter() - started:.2f} s.")


@bp.cli.command("read-texts")
def read_texts_command() -> None:
    """Read the text of every stored file not read yet (a job each; OCR for scans)."""
    files = unread_files()
    jobs = start_reading(files)
    click.echo(f"Text of {len(jobs)} files queued for reading.")
