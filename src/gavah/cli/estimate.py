"""``gavah estimate``: how many victims in total, documented and undocumented, with an interval."""

from __future__ import annotations

from pathlib import Path

import typer

from gavah.cli._common import JSON_OPTION, print_json, say
from gavah.errors import InputError

METHOD_HELP = (
    "loglinear (AIC/BIC averaging), lcmcr (latent classes, as HRDAG) or dga (Madigan-York)."
)


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()] if text else []


def estimate(
    patterns: Path = typer.Option(
        ...,
        "--patterns",
        help="Capture-pattern table (CSV): one 0/1 column per list, a count column, "
        "and any stratum columns.",
    ),
    lists: str | None = typer.Option(
        None, "--lists", help="Comma-separated lists to use (default: every list column)."
    ),
    stratify: str | None = typer.Option(
        None, "--stratify", help="Comma-separated stratum columns, e.g. province,month."
    ),
    method: str = typer.Option("loglinear", "--method", "-m", help=METHOD_HELP),
    seed: int = typer.Option(
        19481210, "--seed", help="Random seed: the same seed, the same result."
    ),
    samples: int = typer.Option(
        10_000,
        "--samples",
        min=20,
        help="lcmcr: posterior draws kept (each after --thinning sweeps).",
    ),
    burnin: int = typer.Option(10_000, "--burnin", min=0, help="lcmcr: sweeps discarded first."),
    thinning: int = typer.Option(10, "--thinning", min=1, help="lcmcr: sweeps per kept draw."),
    html: Path | None = typer.Option(None, "--html", help="Also write an HTML report with charts."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Estimate the total number of victims, documented plus undocumented, with a 95% interval
    (multiple systems estimation), per stratum and summed.

    Warnings about the data (too few lists, lists that copy each other, tiny strata) are printed
    with the number, never hidden; data MSE cannot use is refused with the reason."""
    from gavah.casualties.mse import report
    from gavah.casualties.mse.patterns import read_strata
    from gavah.casualties.mse.run import METHODS, estimate_strata

    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    strata = _names(stratify)
    chosen = _names(lists)
    if lists is not None and len(chosen) < 2:
        raise InputError("--lists needs at least two list names, separated by commas")
    tables = read_strata(patterns, strata)
    options = (
        {"samples": samples, "burnin": burnin, "thinning": thinning} if method == "lcmcr" else {}
    )
    result = estimate_strata(
        tables, strata, method, lists=chosen or None, seed=seed, options=options
    )
    if html is not None:
        try:
            html.write_text(report.html(result), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {html}: {exc.strerror}") from None
    if as_json:
        print_json(result.to_dict())
    else:
        for line in report.text(result).splitlines():
            say(line)


def register(app: typer.Typer) -> None:
    app.command()(estimate)
