"""Container and stream headers of video and audio files, read through PyAV (FFmpeg).

FFmpeg demuxers can open further files named inside the input (HLS playlists, concat lists,
image sequences), which from a hostile file means reading other files or the network. Only
demuxers that read the one file given are allowed, and every protocol for nested opens is refused.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import av

from gavah.media._findings import Findings
from gavah.media._values import JsonValue, decimal_text, rate_text, safe_dict

DEMUXERS = (
    "mov,matroska,avi,asf,flv,mpegts,mpeg,ogg,wav,w64,aiff,caf,au,mp3,aac,ac3,eac3,flac,amr,wv"
)
"""FFmpeg demuxers allowed (``mov`` covers mp4/m4a/3gp, ``matroska`` covers webm)."""

CONTAINER_OPTIONS = {"format_whitelist": DEMUXERS, "protocol_whitelist": "none"}

SECONDS_PLACES = 6
"""FFmpeg keeps container durations in microseconds (AV_TIME_BASE), so six places are exact."""

MICROSECONDS = 1_000_000


def read_audio_video(path: Path, findings: Findings) -> None:
    """Add the ``av`` section for a video or audio file."""
    try:
        # A file object (not the path) keeps FFmpeg from reading the name as a URL.
        with path.open("rb") as stream, _open_container(stream) as container:
            section = _container_fields(container)
    except Exception as error:  # FFmpeg reports damaged input through many error classes
        findings.fail("av", error)
        return
    findings.add("av", section)


def _open_container(stream: BinaryIO) -> Any:
    return av.open(stream, container_options=CONTAINER_OPTIONS, metadata_errors="replace")


def _container_fields(container: Any) -> dict[str, JsonValue]:
    tags = safe_dict(dict(container.metadata))
    fields: dict[str, JsonValue] = {
        "format": container.format.name,
        "tags": tags,
        "streams": [_stream_fields(stream) for stream in container.streams],
    }
    if container.duration is not None:
        duration = Fraction(container.duration, MICROSECONDS)
        fields["duration_seconds"] = decimal_text(duration, SECONDS_PLACES)
    if "creation_time" in tags:
        fields["creation_time"] = tags["creation_time"]
    return fields


def _stream_fields(stream: Any) -> dict[str, JsonValue]:
    fields: dict[str, JsonValue] = {
        "type": stream.type,
        "codec": _codec_name(stream),
        "tags": safe_dict(dict(stream.metadata)),
    }
    if stream.duration is not None and stream.time_base is not None:
        seconds = stream.duration * Fraction(stream.time_base)
        fields["duration_seconds"] = decimal_text(seconds, SECONDS_PLACES)
    if stream.type == "video":
        fields.update(_video_fields(stream))
    elif stream.type == "audio":
        fields.update(_audio_fields(stream))
    return fields


def _codec_name(stream: Any) -> str | None:
    context = getattr(stream, "codec_context", None)
    return None if context is None else str(context.name)


def _video_fields(stream: Any) -> dict[str, JsonValue]:
    context = stream.codec_context
    rate = stream.average_rate
    return {
        "width": int(context.width),
        "height": int(context.height),
        "frame_rate": None if not rate else rate_text(Fraction(rate)),
    }


def _audio_fields(stream: Any) -> dict[str, JsonValue]:
    context = stream.codec_context
    return {"sample_rate": int(context.sample_rate), "channels": int(context.channels)}
