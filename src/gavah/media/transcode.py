"""Video and audio previews for what a browser cannot play: a WebM copy (VP8 and Opus), made with
PyAV's own FFmpeg, without the original's container tags.

Phones and messengers still send MPEG-4 Part 2, H.263, AMR or WMV, which no browser decodes: the
page showed an endless spinner. The codecs of each stream are read at intake (the item's
metadata, :mod:`gavah.media.audio_video`); when one is outside what browsers play, the preview is
this copy instead of the original bytes. VP8 and Opus are royalty-free and play in every current
browser. The copy is small (at most :data:`MAX_SIDE` pixels on its longest side) and carries no
tags: a preview never shows more than the evidence's pixels and sound.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import av

from gavah.errors import InputError
from gavah.media.audio_video import CONTAINER_OPTIONS

# What current browsers play (Chromium, Firefox, Safari: the common part, plus HEVC left out).
BROWSER_CODECS = frozenset(
    {
        "h264",
        "vp8",
        "vp9",
        "av1",
        "theora",
        "aac",
        "mp3",
        "mp3float",
        "opus",
        "vorbis",
        "flac",
        "pcm_s16le",
        "pcm_s24le",
        "pcm_u8",
        "pcm_f32le",
    }
)
MAX_SIDE = 640
MAX_SECONDS = 20 * 60  # longer recordings are downloaded, not transcoded on a page view
VIDEO_BIT_RATE = 900_000
AUDIO_RATE = 48_000
OPUS_FRAME = 960  # 20 ms at 48 kHz: the frame size libopus takes


def unplayable(metadata: Mapping[str, Any]) -> str | None:
    """The first codec among the item's streams that browsers cannot play, or None (all play,
    or the item has no stream information)."""
    streams = (metadata.get("av") or {}).get("streams") or []
    for stream in streams:
        codec = stream.get("codec") if isinstance(stream, dict) else None
        if stream.get("type") in ("video", "audio") and codec and codec not in BROWSER_CODECS:
            return str(codec)
    return None


def too_long(metadata: Mapping[str, Any]) -> bool:
    seconds = (metadata.get("av") or {}).get("duration_seconds")
    try:
        return seconds is not None and Fraction(str(seconds)) > MAX_SECONDS
    except ValueError:
        return False


def webm_copy(src: BinaryIO, dest: Path) -> None:
    """Write a WebM copy of ``src`` (its first video and first audio stream) to ``dest``,
    atomically: a half-made copy is never at ``dest``. Raises InputError when FFmpeg cannot
    read the original."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=".making-", suffix=".webm")
    os.close(fd)
    try:
        if _seekable(src):
            _transcode(src, Path(name))
        else:  # an S3 stream: MP4 keeps its index at the end, so FFmpeg must seek
            with tempfile.TemporaryFile(dir=dest.parent) as local:
                shutil.copyfileobj(src, local, 1024 * 1024)
                local.seek(0)
                _transcode(local, Path(name))
        os.replace(name, dest)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise InputError(
            f"this recording could not be made playable here ({type(exc).__name__})",
            hint="download the original to play it",
        ) from None
    finally:
        Path(name).unlink(missing_ok=True)


def _seekable(src: BinaryIO) -> bool:
    try:
        return bool(src.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _transcode(src: BinaryIO, out_path: Path) -> None:
    with av.open(
        src, mode="r", container_options=CONTAINER_OPTIONS, metadata_errors="replace"
    ) as inp:
        video_in = next((s for s in inp.streams if s.type == "video"), None)
        audio_in = next((s for s in inp.streams if s.type == "audio"), None)
        if video_in is None and audio_in is None:
            raise ValueError("no video or audio stream")
        with av.open(str(out_path), "w", format="webm") as out:
            video = video_stream(out, video_in) if video_in is not None else None
            audio = out.add_stream("libopus", rate=AUDIO_RATE) if audio_in is not None else None
            resampler = av.AudioResampler(format="flt", layout="stereo", rate=AUDIO_RATE)
            fifo = av.AudioFifo()
            wanted = [s for s in (video_in, audio_in) if s is not None]
            for packet in inp.demux(*wanted):
                for frame in packet.decode():
                    if isinstance(frame, av.VideoFrame) and video is not None:
                        _mux(out, video.encode(_fit(frame, video)))
                    elif isinstance(frame, av.AudioFrame) and audio is not None:
                        for chunk in resampler.resample(frame):
                            fifo.write(chunk)
                        for chunk in _opus_frames(fifo):
                            _mux(out, audio.encode(chunk))
            if audio is not None:
                for chunk in resampler.resample(None):
                    fifo.write(chunk)
                for chunk in _opus_frames(fifo, final=True):
                    _mux(out, audio.encode(chunk))
                _mux(out, audio.encode(None))
            if video is not None:
                _mux(out, video.encode(None))


def video_stream(
    out: Any, video_in: Any, max_side: int = MAX_SIDE, bit_rate: int = VIDEO_BIT_RATE
) -> Any:
    """A VP8 output stream for ``video_in``: its frame rate, at most ``max_side`` pixels on
    its longest side (even sizes, as the encoder needs), 4:2:0. Also used by the redacted
    copies made for publication (gavah.publish)."""
    rate = video_in.average_rate or Fraction(25)
    stream = out.add_stream("libvpx", rate=Fraction(rate).limit_denominator(1000))
    width, height = int(video_in.codec_context.width), int(video_in.codec_context.height)
    scale = min(1.0, max_side / max(width, height, 1))
    stream.width = max(2, int(width * scale) // 2 * 2)
    stream.height = max(2, int(height * scale) // 2 * 2)
    stream.pix_fmt = "yuv420p"
    stream.bit_rate = bit_rate
    return stream


def _fit(frame: Any, stream: Any) -> Any:
    fitted = frame.reformat(width=stream.width, height=stream.height, format="yuv420p")
    fitted.pts = None  # the encoder numbers frames at the stream's rate
    return fitted


def _opus_frames(fifo: Any, final: bool = False) -> Iterator[Any]:
    while fifo.samples >= OPUS_FRAME or (final and fifo.samples):
        chunk = fifo.read(OPUS_FRAME, partial=final)
        if chunk is None:
            return
        chunk.pts = None
        yield chunk


def _mux(out: Any, packets: Any) -> None:
    for packet in packets:
        out.mux(packet)
