"""Guard rails: conditions under which an MSE number would mislead, said in plain words.

Each check either refuses (raises :class:`InputError` with the reason) or returns a warning that
travels with the estimate into every output. Nothing here is silent.
"""

from __future__ import annotations

from gavah.casualties.mse.patterns import CaptureHistories
from gavah.errors import InputError

MIN_RECORDS = 50
"""Below this many documented victims in a stratum, estimates are too unstable to report alone."""
MIN_LIST_RECORDS = 10


def check(histories: CaptureHistories) -> list[str]:
    """Refuse what cannot be estimated; return warnings for what can, but with caveats."""
    k = len(histories.lists)
    if k < 2:
        raise InputError(
            "multiple systems estimation needs at least two lists; one list says nothing about "
            "whom it missed"
        )
    if histories.observed == 0:
        raise InputError("no victim is recorded on any list")
    refuse_isolated_lists(histories)
    warnings = []
    if k == 2:
        warnings.append(
            "only two lists: the estimate assumes the lists are independent, and with two lists "
            "that assumption cannot be checked; three or more lists are needed for that"
        )
    warnings += _copies(histories)
    warnings += _small(histories)
    return warnings


def refuse_isolated_lists(histories: CaptureHistories) -> None:
    """A list sharing no victim with any other says nothing about whom it missed: the estimate
    would have no upper bound."""
    for i, name in enumerate(histories.lists):
        shared = sum(
            c
            for p, c in zip(histories.patterns, histories.counts, strict=True)
            if p[i] and sum(p) > 1
        )
        if shared == 0:
            raise InputError(
                f"list {name!r} shares no victim with any other list, so nothing tells how much "
                "it misses: MSE cannot be used with it",
                hint="check the record linkage, or leave this list out (--lists)",
            )


def _copies(histories: CaptureHistories) -> list[str]:
    warnings = []
    totals = histories.list_totals()
    for i, a in enumerate(histories.lists):
        for j, b in enumerate(histories.lists):
            if i == j or totals[a] == 0:
                continue
            on_a_not_b = sum(
                c
                for p, c in zip(histories.patterns, histories.counts, strict=True)
                if p[i] and not p[j]
            )
            if on_a_not_b == 0 and (totals[a] < totals[b] or i < j):
                warnings.append(
                    f"every victim on list {a!r} is also on list {b!r}: {a!r} may copy {b!r}. Lists "
                    "that copy each other are not independent sources and bias the estimate "
                    "downwards; consider merging them into one list"
                )
    return warnings


def _small(histories: CaptureHistories) -> list[str]:
    warnings = []
    if histories.observed < MIN_RECORDS:
        warnings.append(
            f"only {histories.observed} documented victims: too few for a stable estimate "
            f"(fewer than {MIN_RECORDS}); report it with great caution or merge strata"
        )
    for name, total in histories.list_totals().items():
        if total < MIN_LIST_RECORDS:
            warnings.append(f"list {name!r} records only {total} victims here")
    return warnings
