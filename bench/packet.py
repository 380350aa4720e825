"""How long the handlingar packet of 300 pages takes, against qpdf merging the same files.

    .venv/bin/python bench/packet.py [ROUNDS]

The inputs: a 4-page front document and 37 beslutsunderlag of 8 pages (300 pages in all),
rendered once with print.css like any stored PDF. "Ours" is app.documents.packet.build_packet:
merging with pikepdf (qpdf), a bookmark per section and document, and "Sida N (300)" stamped on
every page (drawn from one WeasyPrint specimen), in a child process with time and memory
limits. Also shown: the same work in this process (build_packet_here: what the sandbox costs is
the difference), the merge alone in pikepdf (no stamps, no bookmarks) and, for comparison, in
pypdf (what the packet was built with before).
The baseline is ``qpdf --empty --pages FILES -- out.pdf`` (merging only, C++). Medians of
wall time (qpdf runs in its own process; ours measured the same way) and the ratio to qpdf.
Also shown: qpdf with --remove-unreferenced-resources=no, which skips reading every page's
content to drop the resources it does not use (most of what the baseline's time goes to; the
packet does not do it either).
Needs qpdf (`make bench` installs it: scripts/bench-packages).
"""

import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pikepdf
from pypdf import PdfReader, PdfWriter

from app import create_app
from app.documents.packet import PacketDocument, PacketSection, build_packet, build_packet_here
from app.documents.render import render_pdf

DOCUMENTS = 37
PAGES_EACH = 8
FRONT_PAGES = 4


def _document(name: str, pages: int) -> bytes:
    paragraph = (
        "Förvaltningen har utrett frågan och redovisar sina slutsatser i denna "
        "tjänsteskrivelse. Kostnaderna ryms inom ramen för nämndens budget. "
    ) * 12
    body = "".join(
        f'<h1 style="{"break-before: page" if number > 1 else ""}">{name}, sida {number}</h1>'
        f"<p>{paragraph}</p><p>{paragraph}</p>"
        for number in range(1, pages + 1)
    )
    return render_pdf(
        '<!doctype html><html lang="sv"><head><link rel="stylesheet" '
        f'href="/static/css/print.css"></head><body>{body}</body></html>'
    )


def _median(action, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _pypdf_merge(pdfs: list[bytes]) -> bytes:
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pikepdf_merge(pdfs: list[bytes]) -> bytes:
    packet = pikepdf.Pdf.new()
    sources = [pikepdf.Pdf.open(io.BytesIO(pdf)) for pdf in pdfs]
    for source in sources:
        packet.pages.extend(source.pages)
    out = io.BytesIO()
    packet.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def main(rounds: int) -> None:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        sys.exit("qpdf is missing: run scripts/bench-packages (as root) or `make bench`")
    folder = Path(tempfile.mkdtemp(prefix="sekretariat-bench-"))
    app = create_app("testing")
    with app.app_context():
        front = _document("Föredragningslista", FRONT_PAGES)
        documents = [_document(f"Beslutsunderlag {n}", PAGES_EACH) for n in range(1, DOCUMENTS + 1)]
        files = []
        for number, pdf in enumerate([front, *documents]):
            path = folder / f"{number:03d}.pdf"
            path.write_bytes(pdf)
            files.append(str(path))
        sections = [
            PacketSection(f"{n} Ärende {n}", [PacketDocument(f"Beslutsunderlag {n}", pdf)])
            for n, pdf in enumerate(documents, 1)
        ]
        packet = build_packet(front, "Föredragningslista", sections)
        pages = len(PdfReader(io.BytesIO(packet)).pages)
        assert pages == FRONT_PAGES + DOCUMENTS * PAGES_EACH, pages

        ours = _median(lambda: build_packet(front, "Föredragningslista", sections), rounds)
        # The same without the child process and its limits (app.documents.sandbox).
        unsandboxed = _median(
            lambda: build_packet_here(front, "Föredragningslista", sections), rounds
        )
        pikepdf_only = _median(lambda: _pikepdf_merge([front, *documents]), rounds)
        pypdf_only = _median(lambda: _pypdf_merge([front, *documents]), rounds)
    out = folder / "qpdf.pdf"
    command = [qpdf, "--empty", "--pages", *files, "--", str(out)]
    baseline = _median(lambda: subprocess.run(command, check=True), rounds)
    lean = [qpdf, "--remove-unreferenced-resources=no", *command[1:]]
    lean_baseline = _median(lambda: subprocess.run(lean, check=True), rounds)
    assert len(PdfReader(out).pages) == pages
    shutil.rmtree(folder, ignore_errors=True)

    print(f"Handlingar packet, {pages} pages from {DOCUMENTS + 1} files, {rounds} rounds (medians)")
    print(
        f"  ours (merge, bookmarks, page stamps) {ours * 1000:7.0f} ms   "
        f"{ours / baseline:6.2f}× qpdf"
    )
    print(
        f"  the same in this process (no sandbox){unsandboxed * 1000:7.0f} ms   "
        f"{unsandboxed / baseline:6.2f}× qpdf"
    )
    print(
        f"  pikepdf merge alone                  {pikepdf_only * 1000:7.0f} ms   "
        f"{pikepdf_only / baseline:6.2f}× qpdf"
    )
    print(
        f"  pypdf merge alone (before)           {pypdf_only * 1000:7.0f} ms   "
        f"{pypdf_only / baseline:6.2f}× qpdf"
    )
    print(f"  qpdf --empty --pages (baseline)      {baseline * 1000:7.0f} ms")
    print(
        f"  qpdf, unreferenced resources kept    {lean_baseline * 1000:7.0f} ms   "
        f"{lean_baseline / baseline:6.2f}× qpdf"
    )
    print(f"  ours against the latter              {ours / lean_baseline:13.2f}×")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
