"""From scored pairs and human decisions to distinct people.

Human decisions come first and are transitive: if a reviewer said A is B and B is C, then A is C;
if A is B and B is not C, then A is not C. Model pairs at or above the threshold are then merged,
strongest first, unless a merge would join two groups a reviewer has said are different people.
"unsure" leaves the pair to the model. The result does not depend on the order of the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

SAME, DIFFERENT, UNSURE = "same", "different", "unsure"
DECISIONS = (SAME, DIFFERENT, UNSURE)

Pair = tuple[str, str]


def pair(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


class Groups:
    """Union-find over record ids with "must not join" constraints between groups."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self.parent: dict[str, str] = {i: i for i in ids}
        self.apart: dict[str, set[str]] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = parent.setdefault(x, x)
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def kept_apart(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        return any(self.find(x) == rb for x in self.apart.get(ra, ()))

    def union(self, a: str, b: str) -> bool:
        """Join a's and b's groups; False (and nothing changes) if they are kept apart."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.kept_apart(ra, rb):
            return False
        if rb < ra:  # the smaller id is the root: stable group ids
            ra, rb = rb, ra
        self.parent[rb] = ra
        if rb in self.apart:
            self.apart.setdefault(ra, set()).update(self.apart.pop(rb))
        return True

    def separate(self, a: str, b: str) -> bool:
        """Record that a's and b's groups are different people; False if they are one group."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.apart.setdefault(ra, set()).add(rb)
        self.apart.setdefault(rb, set()).add(ra)
        return True

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for x in sorted(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return out


@dataclass(frozen=True)
class Conflict:
    pair: Pair
    decision: str
    reason: str


def human_groups(
    ids: Iterable[str], decisions: Mapping[Pair, str]
) -> tuple[Groups, list[Conflict]]:
    """Groups from decisions alone. A decision that contradicts earlier ones (in pair order) is
    reported as a conflict and not applied."""
    groups = Groups(ids)
    conflicts: list[Conflict] = []
    for p, d in sorted(decisions.items()):
        if d == SAME and not groups.union(*p):
            conflicts.append(Conflict(p, d, "other decisions say these are different people"))
    for p, d in sorted(decisions.items()):
        if d == DIFFERENT and not groups.separate(*p):
            conflicts.append(Conflict(p, d, "other decisions say these are the same person"))
    return groups, conflicts


def contradicted(decisions: Mapping[Pair, str], a: str, b: str, decision: str) -> str | None:
    """What the *other* standing decisions already say about a and b, when it contradicts a
    new ``decision`` of same or different; None when nothing contradicts it."""
    left, right = pair(a, b)
    others = {p: d for p, d in decisions.items() if p != (left, right)}
    groups, _ = human_groups({x for p in others for x in p} | {left, right}, others)
    already = implied(groups, left, right)
    if decision in (SAME, DIFFERENT) and already not in (None, decision):
        return already
    return None


def implied(groups: Groups, a: str, b: str) -> str | None:
    """What earlier decisions already say about a and b: same, different, or nothing."""
    if groups.find(a) == groups.find(b):
        return SAME
    if groups.kept_apart(a, b):
        return DIFFERENT
    return None


def cluster(
    ids: Iterable[str],
    scored: Sequence[tuple[str, str, float]],
    decisions: Mapping[Pair, str],
    threshold: float,
    lists: Mapping[str, str] | None = None,
) -> Groups:
    """People at ``threshold``: decisions first, then model pairs strongest first.

    Given ``lists`` (each record's list), two records of one list that the model compared and
    kept apart (scored below ``threshold``) are not joined through a chain of other lists'
    records: "Mohammadreza Shahbakhsh" on list A linked to his namesake on list B, who is linked
    to a third namesake on list A whom the model found different from the first, would otherwise
    make the three one person, and on large registers such chains grow into people of hundreds
    of records (270 on two synthetic lists of 100,000). A list's own duplicate that the model
    never compared with its twin (no blocking rule brought them together) still joins through
    the other lists, as it did: on the real 2022 lists such chains are one child listed twice."""
    groups, _ = human_groups(ids, decisions)
    above = sorted(
        ((p, a, b) for a, b, p in scored if p >= threshold), key=lambda t: (-t[0], t[1], t[2])
    )
    direct = {pair(a, b): p for a, b, p in scored} if lists is not None else {}
    members = groups.groups() if lists is not None else {}
    for _, a, b in above:
        if decisions.get(pair(a, b)) in (SAME, DIFFERENT):
            continue
        if lists is not None:
            ra, rb = groups.find(a), groups.find(b)
            if ra == rb:
                continue
            left, right = members[ra], members[rb]
            if not _may_join(left, right, lists, direct, threshold):
                continue
            if groups.union(a, b):
                root = groups.find(a)
                members[root] = left + right
                members.pop(rb if root == ra else ra, None)
            continue
        groups.union(a, b)
    return groups


def _may_join(
    left: Sequence[str],
    right: Sequence[str],
    lists: Mapping[str, str],
    direct: Mapping[Pair, float],
    threshold: float,
) -> bool:
    """No two records of one list become one person where the model scored them apart."""
    by_list: dict[str, list[str]] = {}
    for x in left:
        by_list.setdefault(lists.get(x, x), []).append(x)
    for y in right:
        for x in by_list.get(lists.get(y, y), ()):
            score = direct.get(pair(x, y))
            if score is not None and score < threshold:
                return False
    return True


def sample(
    ids: Iterable[str],
    scored: Sequence[tuple[str, str, float]],
    decisions: Mapping[Pair, str],
    uniforms: Sequence[float],
    lists: Mapping[str, str] | None = None,
) -> Groups:
    """One draw of the linkage: each model pair is accepted with its probability (``uniforms``
    holds one U(0,1) draw per pair, in ``scored`` order); decisions are kept as made."""
    accepted = [(a, b, 1.0) for (a, b, p), u in zip(scored, uniforms, strict=True) if u < p]
    return cluster(ids, accepted, decisions, 1.0, lists)
