"""Check the quick start's main job from outside, as a person would use it: `make demo` is running
(`gavah serve` on the demo workspace); sign in as the demo admin with the password and TOTP
secret it printed, and see the synthetic samples listed.

    python scripts/check_demo.py --log demo.log --port 8000

Exit 0 when every step worked; otherwise the step that failed is printed. Only the standard
library and gavah are used; the session cookie is carried by hand because it is Secure (a
browser sends it to 127.0.0.1; urllib's cookie jar would not over plain HTTP).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPResponse

from gavah.accounts.credentials import totp_now


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _request(
    url: str, cookies: dict[str, str], form: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data)
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        response: HTTPResponse = _OPENER.open(request, timeout=30)
    except urllib.error.HTTPError as exc:
        response = exc  # type: ignore[assignment]
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    body = response.read().decode("utf-8", "replace")
    return response.status, body, dict(response.headers)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not found:
        sys.exit("check_demo: no CSRF field on the page")
    return found.group(1)


def _credentials(log: str) -> tuple[str, str]:
    with open(log, encoding="utf-8") as f:
        text = f.read()
    password = re.search(r"password:\s+(\S+)", text)
    secret = re.search(r"TOTP secret:\s+([A-Z2-7]+)", text)
    if not password or not secret:
        sys.exit("check_demo: the demo did not print the admin's password and TOTP secret")
    return password.group(1), secret.group(1)


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(base: str, seconds: float, pid: int | None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            sys.exit("check_demo: `make demo` stopped before the server answered")
        try:
            if _request(f"{base}/healthz", {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(1)
    sys.exit(f"check_demo: {base} did not answer within {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log", required=True, help="What `make demo` printed.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--wait", type=float, default=900, help="Seconds to wait for the server.")
    parser.add_argument("--pid", type=int, default=None, help="Give up if this process ends.")
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    _wait(base, args.wait, args.pid)
    password, secret = _credentials(args.log)
    cookies: dict[str, str] = {}
    status, html, _ = _request(f"{base}/login", cookies)
    assert status == 200, f"GET /login answered {status}"
    form = {"name": "demo-admin", "password": password, "csrf_token": _csrf(html)}
    status, _, headers = _request(f"{base}/login", cookies, form)
    assert status == 303 and headers.get("location", "").startswith("/login/code"), (
        status,
        headers,
    )
    status, html, _ = _request(f"{base}/login/code", cookies)
    form = {"code": totp_now(secret), "csrf_token": _csrf(html)}
    status, _, headers = _request(f"{base}/login/code", cookies, form)
    assert status == 303, f"the TOTP code was refused ({status})"
    status, html, _ = _request(f"{base}/items", cookies)
    assert status == 200 and "photo-synthetic.jpg" in html, "the samples are not listed"
    status, _, _ = _request(f"{base}/api/v1/items", {})
    assert status == 401, f"the API answered {status} without credentials"
    print(f"check_demo: signed in as demo-admin with TOTP and saw the samples at {base}")


if __name__ == "__main__":
    main()
