"""The growing result of one extraction: sections found so far and problems met on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gavah.media._values import JsonValue, clean_text


@dataclass
class Findings:
    """Sections of metadata read from one file, and the problems recorded instead of raised."""

    path: Path
    sections: dict[str, JsonValue] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, section: str, value: JsonValue) -> None:
        """Keep a section unless it came out empty (an empty section says nothing)."""
        if value:
            self.sections[section] = value

    def note(self, section: str, problem: str) -> None:
        """Record a problem; the path is masked so the same file gives the same words anywhere."""
        problem = problem.replace(str(self.path), "<file>")
        self.errors.append(clean_text(f"{section}: {problem}"))

    def fail(self, section: str, error: BaseException) -> None:
        """Record an exception raised while reading ``section``."""
        self.note(section, f"{type(error).__name__}: {error}")

    def as_dict(self) -> dict[str, JsonValue]:
        """The result :func:`gavah.media.extract_metadata` promises; ``errors`` always present."""
        return {**self.sections, "errors": list(self.errors)}
