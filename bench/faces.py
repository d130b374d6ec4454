"""Face recall of the redaction detector, beside OpenCV's Haar frontal cascade, in the same run.

Faces: the 100 face crops of Labeled Faces in the Wild that scikit-image ships inside its wheel
(``skimage.data.lfw_subset()``, 25 x 25 grey, tightly cropped; no download). Each is scaled to a
size, turned in the image plane by an angle, and pasted into a 640 x 480 scene cut from
scikit-image's other shipped photographs (coffee, rocket, cat, brick, grass, gravel, Hubble
field, retina). A face counts as found when a detection's centre falls inside its square. False
positives are the other detections, per image. Synthetic scenes, real faces; what this does not
measure: turned heads (profile), occlusion, crowds, low light, motion blur (docs/redaction.md).

``python -m bench --only 15``: all sizes and angles; ``--quick`` takes 2% of the scenes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench._timing import Result, Say

SIZES = (40, 64, 96, 160)
ANGLES = (-25, -10, 0, 10, 25)
SCENE = (640, 480)
TARGET_RECALL = 0.95


@dataclass(frozen=True)
class Scene:
    pixels: Any  # H x W x 3 uint8, RGB
    face: tuple[int, int, int]  # x, y, side of the square the face was pasted into
    size: int
    angle: int


def _backgrounds() -> list[Any]:
    from skimage import data

    shots = [
        data.coffee(),
        data.rocket(),
        data.chelsea(),
        data.brick(),
        data.grass(),
        data.gravel(),
        data.hubble_deep_field(),
        data.retina(),
    ]
    return [s[..., :3] if s.ndim == 3 else np.stack([s] * 3, axis=-1) for s in shots]


def faces() -> Any:
    """The 100 LFW face crops scikit-image ships (its other 100 images are not faces)."""
    from skimage import data

    return (data.lfw_subset()[:100] * 255).astype(np.uint8)


def scenes(share: float = 1.0, seed: int = 7) -> Iterator[Scene]:
    """Every face at every size and angle, or a random ``share`` of those, in a random place."""
    import cv2

    rng = np.random.default_rng(seed)
    backgrounds = _backgrounds()
    for n, face in enumerate(faces()):
        for size in SIZES:
            for angle in ANGLES:
                if rng.random() >= share:
                    continue
                bg = cv2.resize(backgrounds[n % len(backgrounds)], SCENE)
                yield _paste(np.array(bg), face, size, angle, rng)


def _paste(scene: Any, face: Any, size: int, angle: int, rng: Any) -> Scene:
    import cv2

    grown = cv2.resize(np.stack([face] * 3, axis=-1), (size, size), interpolation=cv2.INTER_CUBIC)
    turn = cv2.getRotationMatrix2D((size / 2, size / 2), angle, 1.0)
    turned = cv2.warpAffine(grown, turn, (size, size))
    mask = cv2.warpAffine(np.full((size, size), 255, np.uint8), turn, (size, size)) > 0
    x = int(rng.integers(0, SCENE[0] - size))
    y = int(rng.integers(0, SCENE[1] - size))
    scene[y : y + size, x : x + size][mask] = turned[mask]
    return Scene(scene, (x, y, size), size, angle)


Detector = Callable[[Any], Sequence[tuple[int, int, int, int]]]


def centerface(pixels: Any) -> list[tuple[int, int, int, int]]:
    from gavah.publish import faces as detector

    return [(b.x, b.y, b.w, b.h) for b in detector.detect(pixels)]


def haar_frontal(pixels: Any) -> list[tuple[int, int, int, int]]:
    """The baseline: OpenCV's own default frontal cascade, shipped in the same wheel."""
    import cv2

    cascade = _haar()
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    return [
        tuple(int(v) for v in b) for b in cascade.detectMultiScale(grey, 1.1, 5, minSize=(20, 20))
    ]  # type: ignore[misc]


_CASCADE: list[Any] = []


def _haar() -> Any:
    import cv2

    if not _CASCADE:
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
        _CASCADE.append(cv2.CascadeClassifier(path))
    return _CASCADE[0]


@dataclass(frozen=True)
class Score:
    scenes: int
    found: int
    false_positives: int
    seconds: float
    by_size: dict[int, float]

    @property
    def recall(self) -> float:
        return self.found / self.scenes if self.scenes else 0.0

    @property
    def false_per_image(self) -> float:
        return self.false_positives / self.scenes if self.scenes else 0.0


def score(detect: Detector, cases: Sequence[Scene]) -> Score:
    found = false = 0
    hits: dict[int, list[int]] = {}
    start = time.perf_counter()
    for case in cases:
        boxes = detect(case.pixels)
        inside = [b for b in boxes if _centre_inside(b, case.face)]
        found += bool(inside)
        false += len(boxes) - len(inside)
        hits.setdefault(case.size, []).append(int(bool(inside)))
    seconds = time.perf_counter() - start
    by_size = {size: sum(h) / len(h) for size, h in sorted(hits.items())}
    return Score(len(cases), found, false, seconds, by_size)


def _centre_inside(box: Sequence[int], face: tuple[int, int, int]) -> bool:
    x, y, w, h = box
    fx, fy, side = face
    return fx <= x + w / 2 <= fx + side and fy <= y + h / 2 <= fy + side


def run(quick: bool, say: Say) -> list[Result]:
    cases = list(scenes(share=0.02 if quick else 1.0))  # quick: about 40 scenes, a smoke run
    say(f"15. faces: Haar frontal cascade (baseline) on {len(cases)} scenes")
    base = score(haar_frontal, cases)
    say(f"15. faces: CenterFace (gavah) on {len(cases)} scenes")
    ours = score(centerface, cases)
    notes = {
        "scenes": ours.scenes,
        "false positives per image": round(ours.false_per_image, 4),
        "baseline false positives per image": round(base.false_per_image, 4),
        "ms per image": round(ours.seconds / ours.scenes * 1000),
        "baseline ms per image": round(base.seconds / base.scenes * 1000),
        "recall by face size (px)": {k: round(v, 3) for k, v in ours.by_size.items()},
        "baseline recall by face size (px)": {k: round(v, 3) for k, v in base.by_size.items()},
    }
    return [
        Result(
            "15 faces",
            "face recall, LFW faces in synthetic scenes (sizes 40-160 px, -25..25 degrees)",
            round(ours.recall, 4),
            "recall",
            "OpenCV Haar frontal cascade",
            round(base.recall, 4),
            target=f">= {TARGET_RECALL}",
            met=ours.recall >= TARGET_RECALL,
            notes=notes,
        )
    ]
