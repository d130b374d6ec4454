"""What the verification command groups share (sources, incidents, claims, assess, review)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from gavah.cli._common import open_vault, say
from gavah.errors import InputError

if TYPE_CHECKING:
    from gavah.verify.store import Verification


def verification(ctx: typer.Context) -> Verification:
    """Verification as the workspace's operator (``GAVAH_ACTOR`` names the person)."""
    from gavah.verify.store import Verification

    return Verification(open_vault(ctx))


def figures(text: str | None, what: str) -> tuple[int | None, int | None]:
    """``N`` or ``MIN-MAX`` (:func:`gavah.verify.model.figures_written`)."""
    from gavah.verify.model import figures_written

    return figures_written(text, f"--{what}")


def write_output(output: Path | None, write: Callable[[IO[str]], int]) -> int:
    """Write to ``output`` (whole or not at all: a partial file is renamed when done), or to
    standard output."""
    if output is None:
        return write(sys.stdout)
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as stream:
            count = write(stream)
        os.replace(partial, output)
    except OSError as exc:
        raise InputError(f"{output}: cannot write: {exc.strerror}") from None
    return count


def level_line(level: dict[str, Any]) -> str:
    return f"{level['airwars']} / {level['proof']} (rule {level['rule']})"


def say_explained(found: dict[str, Any]) -> None:
    """A level and why, for people."""
    say(f"level: {level_line(found)}")
    say(f"because {found['because']}")
    say("counts: " + ", ".join(f"{k} {v}" for k, v in found["counts"].items()))
    for voice in found["counted"]:
        group = ", ".join(voice["independent_group"])
        also = voice["same_group_not_counted"]
        say(
            f"  counted: {voice['stance']} {voice['strength']}: assessment {voice['assessment']} "
            f"(source {voice['source']}, {voice['reliability']}{voice['credibility']}"
            + (f", evidence {voice['evidence']}" if voice["evidence"] else "")
            + f"); independent group {group}"
            + (f"; same group, not counted again: {', '.join(also)}" if also else "")
        )
    for assessment, why in found["not_counted"].items():
        say(f"  not counted: {assessment}: {why}")
    for step in found["would_raise_it"]:
        say(f"would raise it: {step}")
