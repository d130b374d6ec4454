"""Results as a Rich table for people, or one JSON document for scripts."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from bench._timing import Result
from bench.sizes import Sizes


def _figure(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if value >= 1000 else f"{value:.3g} {unit}"


def _met(met: bool | None) -> str:
    return {True: "[green]yes[/]", False: "[red]NO[/]", None: ""}[met]


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        return "/".join(_value(v) for v in value)
    return str(value)


def _notes(notes: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in notes.items())


def table(results: Sequence[Result], sizes: Sizes, seconds: float) -> Table:
    title = f"gavah benchmarks ({sizes.mode} run, synthetic data, {seconds:.0f} s in all)"
    out = Table(title=title)
    for column in ("target", "measured", "ours", "baseline", "ratio", "goal", "met", "notes"):
        out.add_column(column, overflow="fold")
    for r in results:
        base = ""
        if r.baseline_value is not None:
            base = f"{_figure(r.baseline_value, r.unit.split()[0])}: {r.baseline}"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else ""
        out.add_row(
            r.bench,
            r.what,
            _figure(r.value, r.unit),
            base,
            ratio,
            r.target or "",
            _met(r.met),
            _notes(r.notes),
        )
    return out


def print_table(results: Sequence[Result], sizes: Sizes, seconds: float) -> None:
    Console(width=max(Console().width, 180)).print(table(results, sizes, seconds))


def json_document(results: Sequence[Result], sizes: Sizes, seconds: float) -> str:
    document = {
        "mode": sizes.mode,
        "synthetic_data": True,
        "seconds": seconds,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "results": [r.to_dict() for r in results],
    }
    return json.dumps(document, indent=2) + "\n"
