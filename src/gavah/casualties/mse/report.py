"""The estimate explained for people: plain text, and one self-contained HTML page with a chart
of the posterior and of the strata (inline SVG: no script, no fonts or styles from elsewhere)."""

from __future__ import annotations

from collections.abc import Mapping
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


def text(result: Result) -> str:
    """A short report: what was documented, what was estimated, how, and the caveats."""
    lo, hi = result.interval
    lines = [
        f"Documented: {result.observed:,} victims on {len(result.lists)} lists "
        f"({', '.join(result.lists)}).",
        f"Estimated total, documented and undocumented: {_n(result.estimate)} "
        f"(95% interval {_n(lo)} to {_n(hi)}).",
        f"Estimated undocumented: {_n(result.estimate - result.observed)}.",
        f"Method: {result.method}, {METHODS[result.method]}; seed {result.seed}.",
    ]
    if len(result.strata) > 1 or result.strata[0].stratum:
        lines.append("By stratum:")
        for s in result.strata:
            label = ", ".join(f"{k}={v}" for k, v in s.stratum.items())
            e = s.estimate
            lines.append(
                f"  {label}: documented {e.observed:,}, estimated {_n(e.estimate)} "
                f"({_n(e.interval[0])} to {_n(e.interval[1])})"
            )
    if result.warnings:
        lines.append("Warnings:")
        lines += [f"  - {w}" for w in result.warnings]
    lines.append("Caveats:")
    lines += [f"  - {c}" for c in CAVEATS]
    return "\n".join(lines) + "\n"


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
    lines = text(result).splitlines() + (linkage_text(linkage).splitlines() if linkage else [])
    body = "".join(f"<p>{escape(line)}</p>" for line in lines if line.strip())
    charts = _posterior_svg(result) + _strata_svg(result)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">"
        f"<title>gavah estimate: {escape(result.method)}</title>"
        "<style>body{font-family:sans-serif;max-width:52rem;margin:2rem auto;line-height:1.4}"
        "svg{display:block;margin:1rem 0}</style></head><body>"
        f"<h1>Estimated number of victims</h1>{charts}{body}</body></html>\n"
    )


def _posterior_svg(result: Result, width: int = 600, height: int = 160) -> str:
    if not result.draws:
        return ""
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
        f'<h2>Posterior distribution of the total</h2><svg width="{width}" height="{height}" '
        f'role="img" aria-label="histogram of posterior draws">{bars}{labels}</svg>'
    )


def _strata_svg(result: Result, width: int = 600) -> str:
    if len(result.strata) < 2:
        return ""
    upper = max(s.estimate.interval[1] for s in result.strata) or 1.0
    row = 22
    parts = []
    for i, s in enumerate(result.strata):
        e, y = s.estimate, i * row + 14
        label = escape(", ".join(s.stratum.values()))
        x0, x1, xm = (200 + v / upper * (width - 210) for v in (*e.interval, e.estimate))
        parts.append(
            f'<text x="0" y="{y + 4}" font-size="11">{label}</text>'
            f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y}" y2="{y}" stroke="#4a6fa5" stroke-width="3"/>'
            f'<circle cx="{xm:.1f}" cy="{y}" r="4" fill="#a54a4a"/>'
        )
    height = len(result.strata) * row + 10
    return (
        f'<h2>Strata: estimate and 95% interval</h2><svg width="{width}" height="{height}" '
        f'role="img" aria-label="estimates by stratum">{"".join(parts)}</svg>'
    )
