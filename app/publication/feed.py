"""The anslagstavla as an Atom feed (RFC 4287), for feed readers and the organisation's CMS.

Entry ids are tag URIs (RFC 4151) made of the site's host, the day the anslag was registered
and the posting's id: they never change, whatever happens to the page addresses. The feed is
Swedish whatever the reader's UI language, like the notices themselves.
"""

from collections.abc import Callable
from datetime import datetime

from feedgen.feed import FeedGenerator

from app.publication.services import Notice


def _summary(notice: Notice) -> str:
    lines = [
        f"Organ: {notice.organ}",
        f"Sammanträdesdatum: {notice.meeting_date.isoformat()}",
    ]
    if notice.paragraphs:
        lines.append(f"Paragrafer: {notice.paragraphs}")
    if notice.correction:
        lines.append(f"Rättelse: {notice.correction[1]}")
    lines += [
        f"Datum då anslaget sattes upp: {notice.posted_on.isoformat()}",
        f"Datum då anslaget tas ned: {notice.takedown_on.isoformat()}",
        f"Sista dag för överklagande: {notice.appeal_last_day.isoformat()}",
        f"Förvaringsplats för protokollet: {notice.kept_at}",
    ]
    return "\n".join(lines)


def entry_id(notice: Notice, authority: str) -> str:
    posting = notice.posting
    return f"tag:{authority},{posting.created_at.date().isoformat()}:anslag/{posting.id}"


def anslagstavla_feed(
    notices: list[Notice],
    *,
    authority: str,
    board_url: str,
    feed_url: str,
    notice_url: Callable[[Notice], str],
    updated: datetime,
) -> bytes:
    """The current notices as Atom XML. ``updated`` is used when there are none."""
    feed = FeedGenerator()
    feed.id(f"tag:{authority},2026:anslagstavla")
    feed.title("Anslagstavla")
    feed.subtitle("Tillkännagivanden av justerade protokoll")
    feed.author({"name": "Sekretariat"})
    feed.language("sv")
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=board_url, rel="alternate", type="text/html")
    feed.updated(max((n.posting.created_at for n in notices), default=updated))
    for notice in notices:
        entry = feed.add_entry(order="append")
        entry.id(entry_id(notice, authority))
        entry.title(notice.title)
        entry.link(href=notice_url(notice), rel="alternate", type="text/html")
        entry.author({"name": notice.organisation})
        entry.updated(notice.posting.created_at)
        entry.published(notice.posting.created_at)
        entry.summary(_summary(notice))
    return feed.atom_str(pretty=True)
