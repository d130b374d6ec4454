"""Real media files made at test time; nothing is downloaded."""

from __future__ import annotations

import math
import struct
import wave
import zlib
from collections.abc import Callable
from pathlib import Path

import av
import pytest
from media_samples import XMP_PACKET, camera_exif, save_jpeg
from PIL import Image


@pytest.fixture
def exif_jpeg(tmp_path: Path) -> Path:
    return save_jpeg(tmp_path / "scene.jpg", camera_exif())


@pytest.fixture
def plain_jpeg(tmp_path: Path) -> Path:
    return save_jpeg(tmp_path / "plain.jpg")


@pytest.fixture
def xmp_jpeg(tmp_path: Path) -> Path:
    return save_jpeg(tmp_path / "xmp.jpg", xmp=XMP_PACKET)


@pytest.fixture
def png_named_jpg(tmp_path: Path) -> Path:
    path = tmp_path / "disguised.jpg"
    Image.new("RGB", (8, 8), "red").save(path, "PNG")
    return path


@pytest.fixture
def truncated_jpeg(tmp_path: Path) -> Path:
    """Headers intact, picture data cut off halfway: a typical damaged upload."""
    full = tmp_path / "full.jpg"
    Image.effect_noise((400, 300), 64).convert("RGB").save(full, "JPEG", exif=camera_exif())
    data = full.read_bytes()
    path = tmp_path / "truncated.jpg"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture
def broken_header_jpeg(exif_jpeg: Path, tmp_path: Path) -> Path:
    path = tmp_path / "broken.jpg"
    path.write_bytes(exif_jpeg.read_bytes()[:40])
    return path


@pytest.fixture
def random_bytes(tmp_path: Path) -> Path:
    path = tmp_path / "noise.jpg"
    path.write_bytes(bytes([0xFF, 0xD8, 0xFF]) + bytes((i * 7919 + 13) % 256 for i in range(4096)))
    return path


@pytest.fixture
def empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    return path


@pytest.fixture
def persian_text(tmp_path: Path) -> Path:
    path = tmp_path / "testimony.jpg"
    path.write_text("شاهد گفت که ساعت نه صبح صدای انفجار شنید.\n" * 50, encoding="utf-8")
    return path


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares a size but carries (almost) no pixel data: a cheap bomb."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"")
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


@pytest.fixture
def png_of_size(tmp_path: Path) -> Callable[[int, int], Path]:
    def make(width: int, height: int) -> Path:
        path = tmp_path / f"declared-{width}x{height}.png"
        path.write_bytes(png_header(width, height))
        return path

    return make


def encode_video(path: Path, codec: str) -> Path:
    """Ten 64x48 frames at 25 fps with container title and creation time."""
    with av.open(str(path), "w") as container:
        container.metadata["title"] = "Checkpoint, north road"
        container.metadata["creation_time"] = "2024-03-01T09:30:05.000000Z"
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 48), (i * 20, 0, 0)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture
def mp4_video(tmp_path: Path) -> Path:
    return encode_video(tmp_path / "clip.mp4", "mpeg4")


@pytest.fixture
def mkv_video(tmp_path: Path) -> Path:
    if "libx264" not in av.codecs_available:
        pytest.skip("this PyAV build has no libx264")
    return encode_video(tmp_path / "clip.mkv", "libx264")


@pytest.fixture
def wav_audio(tmp_path: Path) -> Path:
    """One second of a 8 kHz mono tone, written with the standard library."""
    path = tmp_path / "call.wav"
    samples = (int(8000 * math.sin(i / 5)) for i in range(8000))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return path
