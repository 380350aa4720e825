"""The OParl 1.1 endpoints: the System, the lists and every object by its URL.

Read-only and public: every request is answered as for a reader who is not logged in, whatever
cookie it carries, and no response sets one. Every response is JSON in UTF-8 and carries
``Access-Control-Allow-Origin: *``, errors included.
"""

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from app.accounts import permissions
from app.core.loading import loaded
from app.oparl import serializers, services
from app.oparl.models import ObjectKind
from app.organisations.models import Organisation

bp = Blueprint("oparl", __name__, url_prefix="/oparl/v1")
JSON = "application/json"


def _json(data: dict[str, Any]) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), mimetype=JSON)


@bp.after_app_request
def _envelope(response: Response) -> Response:
    """Every response under the API gets the CORS header and sets no cookie, also those no
    view of it made: a URL it does not know or a method other than GET, which the application
    answers with its HTML error page (whose form token would start a session) before any view
    runs; that page is replaced by the JSON error."""
    if request.path != bp.url_prefix and not request.path.startswith(f"{bp.url_prefix}/"):
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    session.modified = False
    if response.status_code >= 400 and response.mimetype != JSON:
        status = response.status_code
        response.set_data(_body(status, HTTP_STATUS_CODES.get(status, "Error")))
        response.mimetype = JSON
    if response.status_code == 405:
        response.headers["Allow"] = "GET, HEAD, OPTIONS"  # every URL of the API
    return response


def _body(code: int, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)


def _error(error: HTTPException) -> Response:
    code = error.code or 500
    return Response(_body(code, error.description or error.name), code, mimetype=JSON)


# By code: the application's HTML pages for these codes would come first otherwise.
for _code in (400, 404, 500):
    bp.register_error_handler(_code, _error)


@bp.errorhandler(services.BadRequest)
def _bad_request(error: services.BadRequest) -> Response:
    return Response(_body(400, str(error)), 400, mimetype=JSON)


def _number(name: str, default: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1:
        raise services.BadRequest(f"{name} must be a whole number from 1")
    return int(text)


def _page(segments_for: Callable[[services.Filters], list[services.Segment]]) -> Response:
    """A list page: ``data``, ``pagination`` and ``links`` (``next`` unless it is the last)."""
    filters = services.Filters.from_args(request.args)
    number = _number("page", 1)
    size = min(_number("limit", _number("elementsPerPage", services.PAGE_SIZE)), services.PAGE_SIZE)
    page = services.page_of(segments_for(filters), number, size)

    def link(to: int) -> str:
        args: dict[str, Any] = {**(request.view_args or {}), **filters.as_args()}
        if size != services.PAGE_SIZE:
            args["limit"] = size
        if to > 1:
            args["page"] = to
        return url_for(request.endpoint or "", **args, _external=True)

    links = {"first": link(1), "self": link(number), "last": link(page.pages)}
    if number > 1:
        links["prev"] = link(min(number - 1, page.pages))
    if number < page.pages:
        links["next"] = link(number + 1)
    return _json(
        {
            "data": [serializers.serialize(kind, obj) for kind, obj in page.entries],
            "pagination": {
                "totalElements": page.total,
                "elementsPerPage": size,
                "currentPage": number,
                "totalPages": page.pages,
            },
            "links": links,
        }
    )


@bp.get("/")
def system():
    return _json(serializers.system())


@bp.get("/bodies")
def bodies():
    return _page(lambda filters: services.listing([ObjectKind.BODY], filters))


@bp.get("/body/<int:organisation_id>/<name>")
@loaded("organisation_id", Organisation, permissions.can_view_organisation)
def body_list(organisation: Organisation, name: str):
    """The external lists of a Body: organizations, people, meetings, papers, …"""
    kinds = services.BODY_LISTS.get(name)
    if kinds is None:
        abort(404)
    return _page(lambda filters: services.listing(kinds, filters, organisation_id=organisation.id))


@bp.get("/organization/<int:body_id>/meetings")
def organization_meetings(body_id: int):
    if services.find(ObjectKind.ORGANIZATION, body_id) is None:
        abort(404)
    return _page(lambda filters: services.listing([ObjectKind.MEETING], filters, body_id=body_id))


@bp.get("/<kind>/<int:object_id>")
def show(kind: str, object_id: int):
    """One object by its id (a URL); a deleted or depublished one answers as a tombstone."""
    try:
        object_kind = ObjectKind(kind)
    except ValueError:
        abort(404)
    found = services.find(object_kind, object_id)
    if found is None:
        abort(404)
    return _json(serializers.serialize(object_kind, found))
