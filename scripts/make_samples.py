"""Regenerate samples/: small SYNTHETIC files for the quick start (no real people, places or
events). Run: .venv/bin/python scripts/make_samples.py"""

from __future__ import annotations

import io
import math
import struct
import wave
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "samples"


def photo() -> None:
    img = Image.new("RGB", (320, 200), (40, 60, 90))
    ImageDraw.Draw(img).text((10, 90), "SYNTHETIC SAMPLE - gavah demo", fill=(255, 255, 255))
    exif = Image.Exif()
    exif[0x010F] = "gavah-synthetic"  # Make
    exif[0x0110] = "Demo Camera"  # Model
    exif[0x0132] = "2026:01:08 20:15:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps.update(
        {1: "N", 2: (35.0, 0.0, 0.0), 3: "E", 4: (51.0, 0.0, 0.0)}
    )  # a round, fictitious point
    img.save(OUT / "photo-synthetic.jpg", exif=exif, quality=80)


def report() -> None:
    text = (
        "نمونهٔ مصنوعی — این پرونده واقعی نیست.\n"
        "SYNTHETIC SAMPLE: this file describes no real person or event.\n"
        "It exists so that `make demo` has something in Persian to ingest.\n"
    )
    (OUT / "گزارش-نمونه.txt").write_text(text, encoding="utf-8")


def tone() -> None:
    rate = 8000
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(rate)
    )
    with wave.open(str(OUT / "tone-synthetic.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


def video() -> None:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as container:
        container.metadata["title"] = "gavah synthetic sample"
        container.metadata["creation_time"] = "2026-01-08T20:15:00.000000Z"
        stream = container.add_stream("mpeg4", rate=Fraction(5, 1))
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 48), (i * 25, 80, 120)))
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    (OUT / "clip-synthetic.mp4").write_bytes(buf.getvalue())


def victim_lists() -> None:
    """Three synthetic lists of the dead, as three NGOs might publish them (invented names)."""
    from gavah.casualties import synthetic

    folder = OUT / "victim-lists"
    folder.mkdir(exist_ok=True)
    population = synthetic.people(500, seed=2026)
    for j, records in enumerate(synthetic.lists(population, [0.55, 0.45, 0.4], seed=2027)):
        synthetic.write_csv(records, folder / f"list-{synthetic.list_prefix(j)}.csv")


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    photo()
    report()
    tone()
    video()
    victim_lists()
