"""The estimate explained for people: plain text, and one self-contained HTML page with charts
(inline SVG: no script, no fonts or styles from elsewhere): the guard rails first, then the
interval of each method, of each stratum and at each linkage threshold, the overlaps between
lists, and the posterior where the method gives one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np

from gavah.casualties.mse.run import METHODS, Result

CAVEATS = (
    "The estimate counts victims of the kind the lists record; it cannot say anything about "
    "people no list could ever have recorded.",
    "It depends on the record linkage: victims wrongly merged or split across lists move the "
    "number, sometimes by a large factor.",
    "Each method makes assumptions about how lists depend on each other; where methods disagree, "
    "report the disagreement.",
)


def _n(x: float) -> str:
    return f"{round(x):,}"


def text(result: Result, *, every_warning: bool = False) -> str:
    """A short report: the guard rails first, then what was documented, what was estimated,
    how, by stratum and by method, and the caveats."""
    lo, hi = result.interval
    lines = []
    if result.guard_rails:
        lines.append("Read this first:")
        lines += [f"  ! {g.message}" for g in result.guard_rails]
    lines += [
        f"Documented: {result.observed:,} victims on {len(result.lists)} lists "
        f"({', '.join(result.lists)}).",
        f"Estimated total, documented and undocumented: {_n(result.estimate)} "
        f"(95% interval {_n(lo)} to {_n(hi)}).",
        f"Estimated undocumented: {_n(result.estimate - result.observed)}.",
        f"Method: {result.method}, {METHODS[result.method]}; seed {result.seed}.",
    ]
    if len(result.strata) > 1 or result.strata[0].stratum or result.unestimated:
        lines.append("By stratum:")
        for s in result.strata:
            e = s.estimate
            lines.append(
                f"  {_label(s.stratum)}: documented {e.observed:,}, estimated "
                f"{_n(e.estimate)} ({_n(e.interval[0])} to {_n(e.interval[1])})"
            )
        for u in result.unestimated:
            lines.append(
                f"  {_label(u.stratum)}: documented {u.observed:,}, not estimated: {u.reason}"
            )
    if result.compared:
        stratified = any(c.method == result.method for c in result.compared)
        lines.append(
            "Each method on all strata together:" if stratified else "Other methods, same people:"
        )
        for c in result.compared:
            if c.result is None:
                lines.append(f"  {c.method}: no estimate ({c.reason})")
            else:
                r = c.result
                lines.append(
                    f"  {c.method}: {_n(r.estimate)} ({_n(r.interval[0])} to {_n(r.interval[1])})"
                )
    lines += _warnings(result, every=every_warning)
    lines.append("Caveats:")
    lines += [f"  - {c}" for c in CAVEATS]
    return "\n".join(lines) + "\n"


STRATUM_WARNINGS_SHOWN = 10


def _warnings(result: Result, *, every: bool) -> list[str]:
    """The warnings; with many strata, those of the strata are counted, not listed (the JSON
    and the HTML report list every one), so that the guard rails above are not drowned."""
    if not result.warnings:
        return []
    labels = [_label(s.stratum) + ": " for s in result.strata if s.stratum]
    mine = [w for w in result.warnings if labels and w.startswith(tuple(labels))]
    if every or len(mine) <= STRATUM_WARNINGS_SHOWN:
        return ["Warnings:", *(f"  - {w}" for w in result.warnings)]
    others = [w for w in result.warnings if w not in mine]
    strata = len({w.split(": ", 1)[0] for w in mine})
    return [
        "Warnings:",
        f"  - {len(mine)} warnings about {strata} strata (each listed in --json and --html)",
        *(f"  - {w}" for w in others),
    ]


def _label(stratum: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in stratum.items()) or "all"


def linkage_text(linkage: Mapping[str, Any]) -> str:
    """How the estimate moves with the record linkage (thresholds or draws), for people."""
    if not linkage.get("variants"):
        return ""
    how = "draws of the linkage" if linkage.get("mode") == "samples" else "linkage thresholds"
    lines = [f"How the estimate moves across {how} (linkage run {linkage['run']}):"]
    for v in linkage["variants"]:
        lo, hi = v["interval"]
        lines.append(
            f"  {v['linkage']}: {v['observed']:,} people, estimate {_n(v['estimate'])} "
            f"({_n(lo)} to {_n(hi)})"
        )
    if linkage.get("ratio"):
        lines.append(f"  highest / lowest estimate: {linkage['ratio']:.2f}")
    return "\n".join(lines)


def html(result: Result, linkage: Mapping[str, Any] | None = None) -> str:
    rails = "".join(f"<li>{escape(g.message)}</li>" for g in result.guard_rails)
    warning_box = (
        f'<section class="rails"><h2>Read this first</h2><ul>{rails}</ul></section>'
        if rails
        else ""
    )
    lines = text(result, every_warning=True).splitlines()
    lines += linkage_text(linkage).splitlines() if linkage else []
    body = "".join(
        f"<p>{escape(line)}</p>" for line in lines if line.strip() and not line.startswith("  !")
    )
    body = body.replace("<p>Read this first:</p>", "")
    shown = "".join(f"<h2>{escape(title)}</h2>{svg}" for title, svg in charts(result, linkage))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">"
        f"<title>gavah estimate: {escape(result.method)}</title>"
        "<style>body{font-family:sans-serif;max-width:52rem;margin:2rem auto;line-height:1.4}"
        "svg{display:block;margin:1rem 0}.rails{border:3px solid #a54a4a;padding:0 1rem;"
        "background:#fff4f2}</style></head><body>"
        f"<h1>Estimated number of victims</h1>{warning_box}"
        f"<p><strong>{_n(result.estimate)}</strong> (95% interval {_n(result.interval[0])} to "
        f"{_n(result.interval[1])}), {result.observed:,} documented; method "
        f"{escape(result.method)}.</p>{shown}{body}</body></html>\n"
    )


Chart = tuple[str, str]  # its title, and the SVG


def charts(result: Result, linkage: Mapping[str, Any] | None = None) -> list[Chart]:
    """The report's charts, each with its title (the web workspace translates the titles):
    each method's interval, each stratum's, each linkage threshold's, the overlaps between
    lists and the posterior, where the estimate has them."""
    made = (
        _methods_svg(result),
        _strata_svg(result),
        _linkage_svg(result, linkage),
        _overlaps_svg(result),
        _posterior_svg(result),
    )
    return [chart for chart in made if chart is not None]


Row = tuple[str, float, float, float] | tuple[str, None, None, None]  # label, estimate, low, high

LEFT = 220  # room for the labels, in pixels


def _intervals_svg(title: str, rows: Sequence[Row], documented: float, width: int = 640) -> str:
    """One row per label: the 95% interval as a bar and the estimate as a dot, on one scale
    that starts at zero; a dashed line marks the number documented. A row without an estimate
    says so."""
    if not rows:
        return ""
    upper = max([documented, *(r[3] for r in rows if r[3] is not None)]) or 1.0
    scale = (width - LEFT - 70) / upper  # room after the bar for its number
    row_height = 24
    parts = []
    for i, (label, point, low, high) in enumerate(rows):
        y = i * row_height + 16
        parts.append(f'<text x="0" y="{y + 4}" font-size="12">{escape(label)}</text>')
        if point is None or low is None or high is None:
            parts.append(
                f'<text x="{LEFT}" y="{y + 4}" font-size="12" fill="#a54a4a">not estimated</text>'
            )
            continue
        x0, x1, xm = (LEFT + v * scale for v in (low, high, point))
        parts.append(
            f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y}" y2="{y}" stroke="#4a6fa5" '
            f'stroke-width="4"/><circle cx="{xm:.1f}" cy="{y}" r="4" fill="#a54a4a"/>'
            f'<text x="{x1 + 6:.1f}" y="{y + 4}" font-size="11">'
            f"{_n(point)}</text>"
        )
    height = len(rows) * row_height + 30
    xd = LEFT + documented * scale
    axis = f'<text x="{LEFT}" y="{height - 4}" font-size="11">0</text>'
    if documented:
        axis += (
            f'<line x1="{xd:.1f}" x2="{xd:.1f}" y1="2" y2="{height - 18}" stroke="#333" '
            f'stroke-dasharray="4 3"/><text x="{xd:.1f}" y="{height - 4}" font-size="11" '
            f'text-anchor="start">documented {_n(documented)}</text>'
        )
    return (
        f'<svg width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">{"".join(parts)}{axis}</svg>'
    )


def _methods_svg(result: Result) -> Chart:
    stratified = any(c.method == result.method for c in result.compared)
    mine = f"{result.method}, summed over strata" if stratified else result.method
    rows: list[Row] = [(mine, result.estimate, *result.interval)]
    for c in result.compared:
        label = f"{c.method}, all strata together" if stratified else c.method
        if c.result is None:
            rows.append((label, None, None, None))
        else:
            rows.append((label, c.result.estimate, *c.result.interval))
    title = "Each method: estimate and 95% interval"
    return title, _intervals_svg(title, rows, result.observed)


def _strata_svg(result: Result) -> Chart | None:
    if len(result.strata) < 2 and not result.unestimated:
        return None
    rows: list[Row] = [
        (_label(s.stratum), s.estimate.estimate, *s.estimate.interval) for s in result.strata
    ]
    rows += [(_label(u.stratum), None, None, None) for u in result.unestimated]
    title = "Each stratum: estimate and 95% interval"
    return title, _intervals_svg(title, rows, 0)


def _linkage_svg(result: Result, linkage: Mapping[str, Any] | None) -> Chart | None:
    variants = (linkage or {}).get("variants") or []
    if len(variants) < 2:
        return None
    rows: list[Row] = [
        (f"{v['linkage']} ({v['observed']:,} people)", v["estimate"], *v["interval"])
        for v in variants
    ]
    title = "Each linkage threshold: estimate and 95% interval"
    return title, _intervals_svg(title, rows, result.observed)


def _overlaps_svg(result: Result, cell: int = 60) -> Chart | None:
    """A table of the lists: people on each (the diagonal) and shared by each two."""
    found = result.overlaps()
    if not found:
        return None
    names = list(found["people"])
    both = {tuple(s["lists"]): s["people"] for s in found["shared"]}
    parts = []
    for i, a in enumerate(names):
        y = (i + 1) * cell
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + cell / 2 + 4:.0f}" font-size="12" '
            f'text-anchor="end">{escape(a)}</text>'
            f'<text x="{LEFT + i * cell + cell / 2:.0f}" y="{cell - 8}" font-size="12" '
            f'text-anchor="middle">{escape(a)}</text>'
        )
        for j, b in enumerate(names):
            n = found["people"][a] if i == j else both.get((a, b), both.get((b, a), 0))
            share = n / max(min(found["people"][a], found["people"][b]), 1)
            fill = "#dde4ee" if i == j else f"rgba(165,74,74,{0.1 + 0.8 * share:.2f})"
            x = LEFT + j * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}"/>'
                f'<text x="{x + cell / 2:.0f}" y="{y + cell / 2 + 4:.0f}" font-size="12" '
                f'text-anchor="middle">{n:,}</text>'
            )
    size = (len(names) + 1) * cell + 10
    return (
        "Overlaps: people on each list (diagonal) and on both of two lists",
        f'<svg width="{LEFT + len(names) * cell + 10}" height="{size}" role="img" '
        f'aria-label="overlaps between lists">{"".join(parts)}</svg>',
    )


def _posterior_svg(result: Result, width: int = 600, height: int = 160) -> Chart | None:
    if not result.draws:
        return None
    counts, edges = np.histogram(np.asarray(result.draws), bins=40)
    top = max(int(counts.max()), 1)
    bar = width / len(counts)
    bars = "".join(
        f'<rect x="{i * bar:.1f}" y="{height - 20 - c / top * (height - 30):.1f}" '
        f'width="{bar - 1:.1f}" height="{c / top * (height - 30):.1f}" fill="#4a6fa5"/>'
        for i, c in enumerate(counts)
    )
    labels = (
        f'<text x="0" y="{height - 4}" font-size="11">{_n(edges[0])}</text>'
        f'<text x="{width}" y="{height - 4}" font-size="11" text-anchor="end">{_n(edges[-1])}</text>'
    )
    return (
        "Posterior distribution of the total",
        f'<svg width="{width}" height="{height}" '
        f'role="img" aria-label="histogram of posterior draws">{bars}{labels}</svg>',
    )
