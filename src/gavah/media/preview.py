"""Previews that are safe to show in a browser: new pixels, no metadata, no active content.

An image is decoded and re-encoded as PNG, so its EXIF, GPS, XMP and ICC data never reach the
browser (a photo's location can endanger the person who took it). A PDF's first page is rendered
to pixels on the server by PDFium (pypdfium2), so no PDF JavaScript, form or link runs in the
reader's browser. Video and audio are played from the original bytes, under a media type from
:data:`PLAYABLE` only.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from PIL import Image, ImageOps

from gavah.errors import InputError

PREVIEW_PIXELS = 1280  # longest side
MAX_SOURCE_PIXELS = 100_000_000  # refuse to decode more than this (decompression bombs)
MAX_PREVIEW_BYTES = 200 * 1024 * 1024  # previews read the blob into memory; larger: no preview
IMAGES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp", "image/heic"}
)
PDF = "application/pdf"
PLAYABLE = frozenset(
    {
        "video/mp4",
        "video/webm",
        "video/ogg",
        "video/quicktime",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/x-wav",
        "audio/webm",
        "audio/mp4",
        "audio/aac",
        "audio/flac",
    }
)


TEXTS = frozenset({"text/plain", "text/csv", "text/tab-separated-values"})
TEXT_PREVIEW_BYTES = 64 * 1024  # the start of a text is shown; the rest is downloaded


def kind_of(mime: str, size: int) -> str | None:
    """Which preview an item gets: ``image``, ``pdf``, ``video``, ``audio``, ``text`` or None."""
    if mime in TEXTS:
        return "text"
    if mime in IMAGES and size <= MAX_PREVIEW_BYTES:
        return "image"
    if mime == PDF and size <= MAX_PREVIEW_BYTES:
        return "pdf"
    if mime in PLAYABLE:
        return mime.split("/", 1)[0]
    return None


def _png(image: Image.Image) -> bytes:
    image = ImageOps.exif_transpose(image)  # show it the right way up, then drop the tags
    image.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    # A new image from the pixels alone: Pillow writes no EXIF/XMP/ICC unless asked.
    Image.frombytes(image.mode, image.size, image.tobytes()).save(out, "PNG", optimize=False)
    return out.getvalue()


def image_preview(src: BinaryIO) -> bytes:
    """PNG of the first frame, at most PREVIEW_PIXELS on its longest side, with no metadata."""
    try:
        with Image.open(src) as image:
            if image.width * image.height > MAX_SOURCE_PIXELS:
                raise InputError("the image is too large to preview; download it instead")
            image.seek(0)
            image.load()
            return _png(image)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise InputError(f"this image cannot be previewed: {exc}") from None


def pdf_preview(data: bytes) -> bytes:
    """PNG of the PDF's first page, rendered on the server."""
    import pypdfium2 as pdfium  # loaded on demand: only PDF previews need it

    try:
        document = pdfium.PdfDocument(data)
        try:
            if len(document) == 0:
                raise InputError("the PDF has no pages to preview")
            page = document[0]
            width, height = page.get_size()
            scale = min(2.0, PREVIEW_PIXELS / max(width, height, 1))
            image = page.render(scale=scale, may_draw_forms=False).to_pil()
            return _png(image)
        finally:
            document.close()
    except pdfium.PdfiumError as exc:
        raise InputError(f"this PDF cannot be previewed: {exc}") from None


def text_preview(head: bytes, complete: bool) -> tuple[list[str], bool]:
    """The lines of the start of a text file (UTF-8; a character cut at the end is dropped), and
    whether the file goes on after them. Shown escaped, never interpreted."""
    text = head.decode("utf-8", errors="replace" if complete else "ignore")
    if not complete and "\n" in text:
        text = text[: text.rindex("\n")]  # the last line may be cut in the middle
    return text.splitlines(), not complete
