"""Pictures and videos made at test time: scenes, and the copies a repost would make of them."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from PIL import Image


def scene(seed: int, width: int = 640, height: int = 480) -> Image.Image:
    """A picture with structure at every scale: coloured blocks over a gradient, some noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height)], -1)
    pixels = base.astype(np.int16)
    for _ in range(12):
        x0, y0 = rng.integers(0, width - 40), rng.integers(0, height - 40)
        w, h = rng.integers(40, width // 2), rng.integers(40, height // 2)
        pixels[y0 : y0 + h, x0 : x0 + w] = rng.integers(0, 256, 3)
    pixels += rng.integers(-12, 13, pixels.shape, dtype=np.int16)
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8), "RGB")


def repost(image: Image.Image) -> Image.Image:
    """What a messenger does to a picture: cropped a little (1% each side: PDQ tolerates light
    crops only, some 14 bits more per 1% on these scenes), resized to 60%, re-encoded as a
    lower-quality JPEG."""
    w, h = image.size
    cropped = image.crop((w // 100, h // 100, w * 99 // 100, h * 99 // 100))
    small = cropped.resize((cropped.width * 6 // 10, cropped.height * 6 // 10))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=55)
    return Image.open(io.BytesIO(out.getvalue()))


def save(image: Image.Image, path: Path, **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)  # type: ignore[arg-type]
    return path


def video(
    path: Path,
    seeds: list[int],
    *,
    codec: str = "mpeg4",
    size: tuple[int, int] = (320, 240),
    crop: float = 0.0,
    gop: int = 10,
) -> Path:
    """One scene a second (10 frames of it, drifting), encoded with a key frame every ``gop``
    frames; ``crop`` cuts that share off each side before scaling to ``size``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.codec_context.gop_size = gop
        for second, seed in enumerate(seeds):
            picture = scene(seed)
            w, h = picture.size
            box = (int(w * crop), int(h * crop), int(w * (1 - crop)), int(h * (1 - crop)))
            for i in range(10):
                moved = picture.crop((box[0] + i, box[1], box[2] + i, box[3])).resize(size)
                frame = av.VideoFrame.from_ndarray(np.asarray(moved), format="rgb24")
                frame.pts = second * 10 + i
                for packet in stream.encode(frame):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
