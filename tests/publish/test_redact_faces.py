"""The face detector and the blur: a recall floor on a small generated set (bench/faces.py at
test size), boxes that do not depend on what ran before, and a blur nothing can undo.
LFW faces shipped in scikit-image's wheel, in synthetic scenes."""

from __future__ import annotations

import numpy as np
import pytest

from gavah.publish import faces

pytest.importorskip("skimage")

from bench.faces import centerface, haar_frontal, scenes, score  # noqa: E402
from bench.faces import faces as lfw_faces

RECALL_FLOOR = 0.9  # on ~40 scenes; the bench's target on 2,000 is 0.95
MAX_FALSE_PER_IMAGE = 0.25  # a false box costs a reviewer a click; reported by the bench


def test_recall_floor_on_a_small_generated_set() -> None:
    cases = list(scenes(share=0.02, seed=11))
    assert len(cases) >= 30
    ours = score(centerface, cases)
    assert ours.recall >= RECALL_FLOOR, ours
    assert ours.false_per_image <= MAX_FALSE_PER_IMAGE, ours
    # the measurement can tell detectors apart: the Haar baseline misses turned faces
    turned = [c for c in cases if abs(c.angle) == 25]
    assert score(centerface, turned).recall > score(haar_frontal, turned).recall


def test_no_face_in_an_empty_scene() -> None:
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    assert faces.detect(np.zeros((480, 640, 3), np.uint8)) == []
    assert len(faces.detect(noise)) <= 1


def test_detections_do_not_depend_on_the_previous_image_size() -> None:
    from skimage import data

    big = data.astronaut()
    small = np.ascontiguousarray(big[::2, ::2])
    first = faces.detect(big)
    faces.detect(small)
    assert faces.detect(big) == first and len(first) == 1


def test_blur_is_irreversible_and_local() -> None:
    face = np.kron(lfw_faces()[0], np.ones((4, 4), np.uint8))  # 100 x 100
    image = np.zeros((200, 200, 3), np.uint8)
    image[50:150, 50:150] = face[..., None]
    box = faces.Box(50, 50, 100, 100)
    out = faces.blur(image, [box])
    region = out[50:150, 50:150, 0].astype(float)
    # what is left is coarser than the 8-cell mosaic: no face-scale detail
    assert np.abs(np.diff(region, axis=0)).max() < 12 and np.abs(np.diff(region, axis=1)).max() < 12
    corr = np.corrcoef(region.ravel(), face.ravel().astype(float))[0, 1]
    assert corr < 0.8
    assert (out[:20, :20] == image[:20, :20]).all()  # outside the padded box: untouched
    assert faces.detect(np.ascontiguousarray(out)) == []
