"""Checks that a running `make run` serves the demo as the README promises.

Used by scripts/smoke-make-run (and so by .ci/run): logs in as the demo secretary, opens the
SRB meeting found on the public anslagstavla, and fetches its föredragningslista PDF and the
signed original of its justerat protokoll, reading both back. Exits non-zero with the reason.

    python scripts/check-demo-served.py http://127.0.0.1:5000
"""

import io
import re
import sys
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

from pypdf import PdfReader

SECRETARY = "elin.hellstrom@example.se"
PASSWORD = "sekretariat-demo"  # noqa: S105 - the README's demo password


def fail(message: str) -> None:
    print(f"demo check failed: {message}", file=sys.stderr)
    sys.exit(1)


def main(base: str) -> None:
    opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def get(path: str) -> tuple[bytes, str]:
        try:
            with opener.open(base + path, timeout=60) as response:
                return response.read(), response.headers.get("Content-Type", "")
        except HTTPError as error:
            fail(f"GET {path} answered {error.code}")
        raise AssertionError  # unreachable

    board, _ = get("/anslagstavla")
    match = re.search(rb'href="/protokoll/(\d+)/(\d+)"', board)
    if not match:
        fail("the anslagstavla lists no protokoll")
    meeting_id, number = (int(group) for group in match.groups())

    login_page, _ = get("/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', login_page)
    if not token:
        fail("the login page has no CSRF token")
    form = {"email": SECRETARY, "password": PASSWORD, "csrf_token": token.group(1).decode()}
    with opener.open(base + "/login", data=urlencode(form).encode(), timeout=60) as response:
        landed = response.read().decode()
    if "Logga ut" not in landed:
        fail(f"logging in as {SECRETARY} did not work")

    page, _ = get(f"/meetings/{meeting_id}")
    if "Strategisk regional beredning" not in page.decode():
        fail(f"/meetings/{meeting_id} is not the SRB meeting")

    agenda, kind = get(f"/meetings/{meeting_id}/foredragningslista.pdf")
    if kind != "application/pdf":
        fail(f"the agenda PDF came as {kind}")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(agenda)).pages)
    if "Föredragningslista" not in text and "FÖREDRAGNINGSLISTA" not in text:
        fail("the agenda PDF does not read as a föredragningslista")

    original, kind = get(f"/meetings/{meeting_id}/record/{number}/original.pdf")
    reader = PdfReader(io.BytesIO(original))
    fields = [f for f in (reader.get_fields() or {}).values() if f.get("/FT") == "/Sig"]
    signed = [f for f in fields if f.get("/V")]
    if not fields or len(signed) != len(fields):
        fail(f"the signed original has {len(signed)} of {len(fields)} signatures")
    text = "\n".join(p.extract_text() for p in reader.pages)
    if "Justerare" not in text:
        fail("the signed original does not read as a protokoll")
    print(
        f"demo served: meeting {meeting_id}, agenda PDF {len(agenda)} bytes, "
        f"signed protokoll {len(original)} bytes with {len(signed)} signatures"
    )


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:5000")
