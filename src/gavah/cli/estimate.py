"""``gavah estimate``: how many victims in total, documented and undocumented, with an interval."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from gavah.cli._common import JSON_OPTION, print_json, say
from gavah.errors import InputError

METHOD_HELP = (
    "loglinear (AIC/BIC averaging), lcmcr (latent classes, as HRDAG) or dga (Madigan-York)."
)


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()] if text else []


def estimate(
    ctx: typer.Context,
    patterns: Path | None = typer.Option(
        None,
        "--patterns",
        help="Capture-pattern table (CSV): one 0/1 column per list, a count column, "
        "and any stratum columns. Without it, the victim register is used.",
    ),
    lists: str | None = typer.Option(
        None, "--lists", help="Comma-separated lists to use (default: every list)."
    ),
    stratify: str | None = typer.Option(
        None,
        "--stratify",
        help="Comma-separated strata, e.g. province,month. From the register: province, place, "
        "month, year, gender, age_group, cause.",
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
    max_missing: int | None = typer.Option(
        None,
        "--max-missing",
        min=1,
        help="dga (also side by side): the largest number of unlisted victims considered "
        "(default: 10 x documented, at least 1,000). Raise it when the output warns that the "
        "grid cuts the posterior off.",
    ),
    threshold: float = typer.Option(
        0.9,
        "--threshold",
        min=0.0,
        max=1.0,
        help="Register: match probability from which linked records count as one person.",
    ),
    thresholds: str | None = typer.Option(
        None,
        "--thresholds",
        help="Register: also estimate at these thresholds (e.g. 0.5,0.8,0.99) and show how "
        "much the answer moves.",
    ),
    linkage_samples: int = typer.Option(
        0,
        "--linkage-samples",
        min=0,
        help="Register: pool this many draws of the linkage (each pair linked with its "
        "probability), so the interval carries linkage uncertainty.",
    ),
    run: int | None = typer.Option(None, "--run", help="Register: linkage run (default: latest)."),
    html: Path | None = typer.Option(None, "--html", help="Also write an HTML report with charts."),
    compare: bool = typer.Option(
        True,
        "--compare/--no-compare",
        help="Also estimate with the other two methods and show them side by side (a guard "
        "rail says when they disagree beyond their intervals).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Estimate the total number of victims, documented plus undocumented, with a 95% interval
    (multiple systems estimation), per stratum and summed.

    The counts come from a capture-pattern table (--patterns) or from the victim register, where
    records are first linked into distinct people (gavah victims link). Guard rails say, in plain
    words, when the number cannot be trusted as it is: lists that copy each other, lists covering
    different periods or places, a register that counts people twice, an estimate many times the
    documented count, methods that disagree. A stratum that cannot be estimated is reported as
    such and the others still are; data MSE cannot use at all is refused with the reason."""
    from gavah.casualties.mse import report
    from gavah.casualties.mse.patterns import read_strata
    from gavah.casualties.mse.run import METHODS, assess, estimate_strata

    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    strata = _names(stratify)
    chosen = _names(lists)
    if lists is not None and len(chosen) < 2:
        raise InputError("--lists needs at least two list names, separated by commas")
    if max_missing is not None and method != "dga" and not compare:
        raise InputError(
            "--max-missing applies to dga only: --method dga, or the methods side by side "
            "(without --no-compare)"
        )
    per_method: dict[str, dict[str, int]] = {
        "lcmcr": {"samples": samples, "burnin": burnin, "thinning": thinning},
        "dga": {"max_missing": max_missing} if max_missing is not None else {},
    }
    options = per_method.get(method, {})
    linkage: dict[str, object] | None = None
    checks: dict[str, Any] = {}
    if patterns is not None:
        if thresholds or linkage_samples or run is not None:
            raise InputError(
                "--thresholds, --linkage-samples and --run apply to the register, not --patterns"
            )
        tables = read_strata(patterns, strata)
        result = estimate_strata(
            tables, strata, method, lists=chosen or None, seed=seed, options=options
        )
    else:
        result, linkage, tables, checks = _from_register(
            ctx, chosen, strata, method, seed, options, threshold, thresholds, linkage_samples, run
        )
    compared: tuple[Any, ...] = ()
    if compare:
        from gavah.casualties.mse.run import compare as compare_methods

        with _spinner(f"comparing with the other methods than {method}"):
            compared = compare_methods(
                tables,
                method,
                stratified=bool(strata),
                lists=chosen or None,
                seed=seed,
                options=per_method,
            )
    result = assess(result, tables, lists=chosen or None, compared=compared, **checks)
    if html is not None:
        try:
            html.write_text(report.html(result, linkage), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {html}: {exc.strerror}") from None
    if as_json:
        print_json({**result.to_dict(), **({"linkage": linkage} if linkage else {})})
        return
    for line in report.text(result).splitlines():
        say(line)
    if linkage and linkage.get("variants"):
        say("")
        for line in report.linkage_text(linkage).splitlines():
            say(line)


@contextmanager
def _spinner(what: str) -> Iterator[None]:
    from rich.progress import Progress

    from gavah.cli._common import err

    with Progress(console=err, transient=True) as progress:
        progress.add_task(what, total=None)
        yield


def _from_register(
    ctx: typer.Context,
    lists: list[str],
    strata: list[str],
    method: str,
    seed: int,
    options: dict[str, int],
    threshold: float,
    thresholds: str | None,
    linkage_samples: int,
    run: int | None,
) -> tuple[Any, dict[str, object], Any, dict[str, Any]]:
    """The estimate from the register, how it moves with the linkage, the capture tables at
    ``threshold`` (for the guard rails and the other methods) and what the guard rails ask of
    the register."""
    from gavah.casualties.mse import sensitivity
    from gavah.casualties.mse.run import estimate_strata
    from gavah.casualties.people import People
    from gavah.cli._common import open_vault

    if thresholds and linkage_samples:
        raise InputError("give --thresholds or --linkage-samples, not both")
    grid = [threshold]
    for text in _names(thresholds):
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"--thresholds: {text!r} is not a number") from None
        if not 0.0 <= value <= 1.0:
            raise InputError(f"--thresholds: {value} is not a probability between 0 and 1")
        if value not in grid:
            grid.append(value)
    from rich.progress import Progress

    from gavah.cli._common import err

    people = People(open_vault(ctx))
    variants = []
    at_threshold: Any = None  # the capture tables at `threshold` (the grid's first)
    steps = linkage_samples or len(grid)
    with Progress(console=err, transient=True, disable=steps < 2) as progress:
        task = progress.add_task("estimating over the linkage", total=steps)
        for label, tables in people.histories(
            lists or None,
            strata,
            thresholds=grid,
            samples=linkage_samples,
            seed=seed,
            run=run,
        ):
            result = estimate_strata(tables, strata, method, seed=seed, options=options)
            variants.append(sensitivity.Variant(label, result))
            at_threshold = tables if at_threshold is None else at_threshold
            progress.advance(task)
    run_id = people.run_id(run)
    if linkage_samples:  # the draws are not the register at `threshold`: build it once
        ((_, at_threshold),) = people.histories(
            lists or None, strata, thresholds=[threshold], run=run
        )
    tables = at_threshold
    coverage, apart = people.checks(lists or None, threshold=threshold, run=run)
    checks = {"coverage": coverage, "looks_alike": (apart, threshold)}
    if linkage_samples:
        pooled = {"run": run_id, "mode": "samples", **sensitivity.summary(variants)}
        return sensitivity.pool(variants), pooled, tables, checks
    info: dict[str, object] = {"run": run_id, "mode": "thresholds", "threshold": threshold}
    if len(variants) > 1:
        info.update(sensitivity.summary(variants))
    return variants[0].result, info, tables, checks


def register(app: typer.Typer) -> None:
    app.command()(estimate)
