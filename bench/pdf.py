"""How long our PDFs take against WeasyPrint alone rendering the same final HTML (the floor).

    .venv/bin/python bench/pdf.py [ROUNDS]

Two documents: the demo SRB föredragningslista (15 items) and a protokoll of 100 paragraphs
(a meeting of SRB with 100 items, each with a sammanfattning and a decision, the record started
from the memberships). "Our path" is what a request for the PDF runs when nothing is stored yet:
the print template, the fingerprint, WeasyPrint through the restricted static-file fetcher with
PDF/A-3u and tags, and storing the bytes. The floor is ``weasyprint.HTML(string=html).write_pdf``
with the same PDF/A-3u and tags options on the HTML our template produced, with WeasyPrint's
own fetcher; the plain (not archival) render is printed for scale. Prints the median per
document (CPU time of the process) and the ratio to the floor; the target is ≤ 1.2. Throwaway
SQLite database.
"""

import io
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader
from weasyprint import HTML

from app import create_app
from app.agenda.models import AgendaItem
from app.agenda.rendering import agenda_pdf, agenda_print_html
from app.demo import synthetic
from app.documents.render import ARCHIVAL_OPTIONS
from app.documents.storage import read_bytes
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus
from app.record.rendering import record_pdf, record_print_html
from app.record.services import start_record

TARGET = 1.2


def _median(action, rounds: int) -> float:
    """Median CPU time of this process: rendering is single-threaded and CPU-bound, and the
    machine is shared, so wall time would count other programs' work."""
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        action()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def _protocol_of_100(srb: Meeting) -> Meeting:
    """A meeting of SRB with 100 items, sammanfattning and decision each, record started."""
    rng = random.Random(7)
    meeting = Meeting(
        body_id=srb.body_id,
        term_id=srb.term_id,
        meeting_date=date(2024, 10, 18),
        start_time=clock(9, 0),
        end_time=clock(15, 0),
        room="Sammanträdesrum Tinget",
        building="Regionhuset",
        location="Västerås",
        status=MeetingStatus.HELD,
    )
    db.session.add(meeting)
    for number in range(1, 101):
        summary = "\n\n".join(
            " ".join(
                synthetic._fill(rng, sentence, 2024)
                for sentence in rng.sample(synthetic.SUMMARY_SENTENCES, 3)
            )
            for _ in range(2)
        )
        meeting.items.append(
            AgendaItem(
                position=number,
                number=number,
                title=synthetic._fill(rng, rng.choice(synthetic.TITLES), 2024),
                summary=summary,
                proposal=synthetic._fill(
                    rng, rng.choice(synthetic.DECISIONS), 2024, body="Beredningen"
                ),
            )
        )
    db.session.flush()
    start_record(None, meeting)
    db.session.flush()
    return meeting


def _floor(html: str, static_folder: str, archival: bool = True):
    """WeasyPrint alone on our final HTML, with its own fetcher: ``/static/…`` links point at
    the static folder's files directly, so it loads the same stylesheet and fonts."""
    static = Path(static_folder).resolve()
    html = html.replace('"/static/', f'"{static.as_uri()}/')
    return lambda: HTML(string=html, base_url=static.as_uri() + "/").write_pdf(
        **(ARCHIVAL_OPTIONS if archival else {})
    )


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def main(rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="sekretariat-bench-"))
    app = create_app("testing")
    app.config["STORAGE_PATH"] = str(folder / "storage")
    with app.test_request_context():
        db.create_all()
        from app.demo.cycle import srb_meeting
        from app.demo.loader import load_demo

        load_demo()
        srb = srb_meeting()
        protocol = _protocol_of_100(srb)

        def ours_agenda():
            srb.agenda_fingerprint = None  # nothing stored: the full path
            agenda_pdf(srb)

        def ours_protocol():
            protocol.record_fingerprint = None
            record_pdf(protocol)

        cases = (
            ("SRB föredragningslista", ours_agenda, agenda_print_html(srb), "agenda_pdf_sha256"),
            ("protokoll, 100 §§", ours_protocol, record_print_html(protocol), "record_pdf_sha256"),
        )
        print(f"PDF rendering, {rounds} rounds (medians); floor = WeasyPrint alone, PDF/A-3u")
        worst = 0.0
        for (name, ours, html, stored), meeting in zip(cases, (srb, protocol), strict=True):
            ours()  # warm: fonts, templates
            # The same document both ways: the floor's PDF has as many pages as ours.
            pages = _pages(read_bytes(getattr(meeting, stored)))
            assert _pages(_floor(html, app.static_folder)()) == pages, name
            ours_time = _median(ours, rounds)
            floor_time = _median(_floor(html, app.static_folder), rounds)
            plain_time = _median(_floor(html, app.static_folder, archival=False), rounds)
            ratio = ours_time / floor_time
            worst = max(worst, ratio)
            print(
                f"  {name:24} {pages:3d} pages  ours {ours_time * 1000:7.0f} ms   "
                f"floor {floor_time * 1000:7.0f} ms   {ratio:5.2f}× floor   "
                f"(plain PDF {plain_time * 1000:5.0f} ms)"
            )
        db.session.rollback()
    verdict = "meets" if worst <= TARGET else "MISSES"
    print(f"  overhead ratio {worst:.2f} {verdict} the target ≤ {TARGET}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
