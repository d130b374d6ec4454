"""What every command shares: finding the workspace, printing for people or for scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from gavah.settings import Settings, load_settings
from gavah.vault import Vault
from gavah.workspace import Workspace, open_workspace

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

JSON_OPTION = typer.Option(
    False, "--json", help="Print one JSON document for scripts instead of text."
)


def printable(text: str) -> str:
    """Text safe for a terminal: control characters (newlines in file names, escape sequences)
    are shown as escapes instead of acting on the screen."""
    return "".join(
        c if c.isprintable() or c in _SHOWN else c.encode("unicode_escape").decode() for c in text
    )


# Space, and the zero-width (non-)joiners that Persian writes inside words (محمد‌رضا). Other
# invisible characters, bidi overrides above all, stay escaped: they could disguise a name.
_SHOWN = frozenset(" \u200c\u200d")


def settings_from(ctx: typer.Context) -> Settings:
    workspace: Path | None = (ctx.find_root().obj or {}).get("workspace")
    return load_settings(workspace)


def open_vault(ctx: typer.Context) -> Vault:
    ws: Workspace = open_workspace(settings_from(ctx))
    ctx.call_on_close(ws.close)
    return Vault(ws)


def print_json(data: Any) -> None:
    """JSON for scripts. Invisible characters in its strings (a bidi override in a file name)
    are written as \\u escapes: the same JSON value, but nothing that acts on a terminal."""
    lines = json.dumps(data, ensure_ascii=False, indent=2, default=str).split("\n")
    sys.stdout.write("\n".join(map(_json_line, lines)) + "\n")


def _json_line(line: str) -> str:
    if line.isprintable():
        return line
    return "".join(
        c if c.isprintable() or c in _SHOWN else json.dumps(c)[1:-1]  # \uXXXX (pairs past BMP)
        for c in line
    )


def say(text: str) -> None:
    """A line for people, with markup off: nothing user-supplied can style or hide output."""
    out.print(printable(text), markup=False)
