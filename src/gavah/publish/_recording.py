"""Video and audio re-encoded for publication: every frame passed through a function (faces
blurred), no tags carried over. PyAV's own FFmpeg, as :mod:`gavah.media.transcode`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import av

from gavah.errors import InputError
from gavah.media.audio_video import CONTAINER_OPTIONS
from gavah.media.transcode import AUDIO_RATE, OPUS_FRAME, video_stream

MAX_SIDE = 1280
VIDEO_BIT_RATE = 2_000_000


def transcode(src: Path, dest: Path, each_frame: Callable[[Any], Any]) -> bool:
    """Write ``src``'s first video and audio streams to ``dest`` as WebM, each video frame's RGB
    pixels replaced by ``each_frame(pixels)``. Returns whether there was video."""
    try:
        # A file object, not a path: the demuxers' protocol whitelist is "none" (no file:, no
        # network), so nothing inside the recording can make FFmpeg open anything else.
        with (
            src.open("rb") as raw,
            av.open(
                raw, "r", container_options=CONTAINER_OPTIONS, metadata_errors="replace"
            ) as inp,
        ):
            video_in = next((s for s in inp.streams if s.type == "video"), None)
            audio_in = next((s for s in inp.streams if s.type == "audio"), None)
            if video_in is None and audio_in is None:
                raise InputError("the recording has no video or audio stream")
            with av.open(str(dest), "w", format="webm") as out:
                _copy(inp, out, video_in, audio_in, each_frame)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise InputError(f"this recording cannot be redacted ({type(exc).__name__})") from None
    return video_in is not None


def _copy(inp: Any, out: Any, video_in: Any, audio_in: Any, each: Callable[[Any], Any]) -> None:
    video = video_stream(out, video_in, MAX_SIDE, VIDEO_BIT_RATE) if video_in is not None else None
    audio = out.add_stream("libopus", rate=AUDIO_RATE) if audio_in is not None else None
    resampler = av.AudioResampler(format="flt", layout="stereo", rate=AUDIO_RATE)
    fifo = av.AudioFifo()
    for packet in inp.demux(*[s for s in (video_in, audio_in) if s is not None]):
        for frame in packet.decode():
            if isinstance(frame, av.VideoFrame) and video is not None:
                _mux(out, video.encode(_redacted(frame, video, each)))
            elif isinstance(frame, av.AudioFrame) and audio is not None:
                for chunk in resampler.resample(frame):
                    fifo.write(chunk)
                _drain(out, audio, fifo, final=False)
    if audio is not None:
        for chunk in resampler.resample(None):
            fifo.write(chunk)
        _drain(out, audio, fifo, final=True)
        _mux(out, audio.encode(None))
    if video is not None:
        _mux(out, video.encode(None))


def _redacted(frame: Any, stream: Any, each: Callable[[Any], Any]) -> Any:
    # Faces are found on the frame at its original size (the reviewer's boxes are in its pixels),
    # then the blurred frame is scaled for the encoder.
    pixels = each(frame.to_ndarray(format="rgb24"))
    fresh = av.VideoFrame.from_ndarray(pixels, format="rgb24")
    fitted = fresh.reformat(width=stream.width, height=stream.height, format="yuv420p")
    fitted.pts = None
    return fitted


def _drain(out: Any, audio: Any, fifo: Any, final: bool) -> None:
    while fifo.samples >= OPUS_FRAME or (final and fifo.samples):
        chunk = fifo.read(OPUS_FRAME, partial=final)
        if chunk is None:
            return
        chunk.pts = None
        _mux(out, audio.encode(chunk))


def _mux(out: Any, packets: Any) -> None:
    for packet in packets:
        out.mux(packet)
