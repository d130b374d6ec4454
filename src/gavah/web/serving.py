"""Serving what people uploaded without letting it act in the browser, and the security
headers every response carries.

Uploaded files are hostile until proven otherwise: an HTML or SVG file served inline on our
origin would run its scripts with the reader's session. So originals are always attachments,
types that a browser would render actively are sent as application/octet-stream, and every
response forbids sniffing and carries a Content-Security-Policy without inline script.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gavah.vault.export import safe_filename

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# Served originals and previews get a stricter policy still: nothing in them may run or load.
SANDBOX_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
# Types a browser would execute or render as a document of our origin: never under their name.
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-shockwave-flash",
        "text/xsl",
        "application/pdf",  # the browser's PDF viewer runs the document's scripts
        "multipart/x-mixed-replace",
    }
)


def download_type(mime: str) -> str:
    base = mime.split(";", 1)[0].strip().lower()
    return "application/octet-stream" if base in ACTIVE_TYPES or not base else base


def content_disposition(kind: str, filename: str, fallback: str) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients and ``filename*`` (RFC 5987) with the
    real name in UTF-8; neither can carry a path, a quote or a line break."""
    safe = safe_filename(filename, fallback)
    ascii_name = safe.encode("ascii", "ignore").decode().strip(" .") or fallback
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI: no per-request task overhead).
    Pages that show evidence must not linger in shared or public computers' caches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
