"""How long signing a protokoll takes: rendering it with signature boxes, creating the fields,
each signature, and verifying the signed file, on the demo SRB protokoll (15 items).

    .venv/bin/python bench/signing.py [ROUNDS]

Prints medians over ROUNDS (default 5) and each step's ratio to a plain PDF render of the same
record in the same run (the baseline). Uses a throwaway SQLite database and signing folder.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app
from app.documents.render import render_pdf, render_pdf_with_boxes
from app.extensions import db
from app.record.rendering import SignatureLine, record_print_html
from app.signing.backends import backend_from_config
from app.signing.keys import init_dev_signing
from app.signing.pdf import Signatory, SignatureSlot, add_signature_fields, sign_pdf
from app.signing.verify import verify_pdf


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def main(rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="sekretariat-bench-"))
    app = create_app("testing")
    app.config["SIGNING_DIR"] = str(folder / "signing")
    app.config["STORAGE_PATH"] = str(folder / "storage")
    init_dev_signing(app.config["SIGNING_DIR"], password=app.config["SIGNING_PKCS12_PASSWORD"])
    with app.test_request_context():
        db.create_all()
        from app.demo.cycle import srb_meeting
        from app.demo.loader import load_demo
        from app.record.services import start_record

        load_demo()
        meeting = srb_meeting()
        start_record(None, meeting)
        lines = [
            SignatureLine("sekreterare", "Sekreterare", "Elin Hellström"),
            SignatureLine("ordforande", "Ordförande", "Demo Ordförande"),
            SignatureLine("justerare-1", "Justerare", "Johanna Odö"),
        ]
        plain_html = record_print_html(meeting)
        html = record_print_html(meeting, signature_lines=lines)
        backend = backend_from_config()
        timings: dict[str, list[float]] = {
            "render (baseline)": [],
            "render with boxes": [],
            "add 3 fields": [],
            "one signature": [],
            "verify 3 signatures": [],
        }
        for _ in range(rounds):
            start = time.perf_counter()
            render_pdf(plain_html)
            timings["render (baseline)"].append(time.perf_counter() - start)

            start = time.perf_counter()
            pdf, boxes = render_pdf_with_boxes(html, [f"sig-{line.field}" for line in lines])
            timings["render with boxes"].append(time.perf_counter() - start)

            start = time.perf_counter()
            pdf = add_signature_fields(
                pdf,
                [
                    SignatureSlot(
                        line.field, boxes[f"sig-{line.field}"].page, boxes[f"sig-{line.field}"].box
                    )
                    for line in lines
                ],
            )
            timings["add 3 fields"].append(time.perf_counter() - start)

            for line in lines:
                start = time.perf_counter()
                pdf = sign_pdf(
                    pdf,
                    field=line.field,
                    signatory=Signatory(line.name, line.label),
                    backend=backend,
                    reason="Justerat",
                )
                timings["one signature"].append(time.perf_counter() - start)

            start = time.perf_counter()
            report = verify_pdf(pdf)
            timings["verify 3 signatures"].append(time.perf_counter() - start)
            assert report.valid, report
        db.session.rollback()

    baseline = _median(timings["render (baseline)"])
    print(f"SRB protokoll, {len(meeting.items)} items, {rounds} rounds (medians)")
    for name, samples in timings.items():
        median = _median(samples)
        print(f"  {name:22} {median * 1000:8.0f} ms   {median / baseline:5.2f}× baseline")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
