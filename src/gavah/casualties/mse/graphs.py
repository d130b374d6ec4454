"""Decomposable graphical models on a few lists: the model space that ``dga`` averages over.

A graph on the lists says which lists may depend on each other. Madigan and York (1997) average
over the decomposable (chordal) graphs, because for them the marginal likelihood has a closed
form: a product over cliques divided by a product over separators. The graphs are generated
here by enumerating every graph on k vertices and keeping the chordal ones. There are 8, 61 and
822 labelled chordal graphs on 3, 4 and 5 vertices (OEIS A058862), the same model space as the
R package dga's ``graphs3``, ``graphs4`` and ``graphs5``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

MIN_LISTS = 3
MAX_LISTS = 5

# Labelled chordal graphs on k vertices (OEIS A058862): why the model space stops at 5 lists.
CHORDAL_GRAPH_COUNTS = {3: 8, 4: 61, 5: 822, 6: 18_154, 7: 617_675, 8: 30_888_596}

Edge = tuple[int, int]


@dataclass(frozen=True)
class DecomposableGraph:
    """One decomposable graph on lists ``0..k-1``.

    ``cliques`` are the maximal complete sets; ``separators`` are the non-empty intersections
    along a junction tree of the cliques, with repeats (a star of three cliques on one list has
    that list twice as a separator). Empty separators are left out: they contribute nothing to
    the marginal likelihood.
    """

    cliques: tuple[frozenset[int], ...]
    separators: tuple[frozenset[int], ...]

    def clique_names(self, lists: Sequence[str]) -> list[list[str]]:
        """The cliques as lists of list names, for reports."""
        return [[lists[i] for i in sorted(clique)] for clique in self.cliques]


@functools.cache
def decomposable_graphs(k: int) -> tuple[DecomposableGraph, ...]:
    """Every decomposable graph on ``k`` lists (3 <= k <= 5), in a fixed order."""
    if not MIN_LISTS <= k <= MAX_LISTS:
        raise ValueError(f"decomposable graphs are generated for {MIN_LISTS} to {MAX_LISTS} lists")
    possible = list(itertools.combinations(range(k), 2))
    graphs = []
    for chosen in itertools.product((False, True), repeat=len(possible)):
        edges = frozenset(e for e, keep in zip(possible, chosen, strict=True) if keep)
        if _is_chordal(k, edges):
            graphs.append(_decompose(k, edges))
    return tuple(graphs)


def _is_chordal(k: int, edges: frozenset[Edge]) -> bool:
    """A graph is chordal iff removing simplicial vertices one by one empties it (a perfect
    elimination ordering exists). A vertex is simplicial when its neighbours are complete."""
    remaining = set(range(k))
    while remaining:
        simplicial = next((v for v in remaining if _is_simplicial(v, remaining, edges)), None)
        if simplicial is None:
            return False
        remaining.remove(simplicial)
    return True


def _is_simplicial(v: int, remaining: set[int], edges: frozenset[Edge]) -> bool:
    neighbours = [u for u in remaining if u != v and _adjacent(u, v, edges)]
    return _is_complete(neighbours, edges)


def _adjacent(u: int, v: int, edges: frozenset[Edge]) -> bool:
    return (min(u, v), max(u, v)) in edges


def _is_complete(vertices: Sequence[int], edges: frozenset[Edge]) -> bool:
    return all(_adjacent(u, v, edges) for u, v in itertools.combinations(vertices, 2))


def _decompose(k: int, edges: frozenset[Edge]) -> DecomposableGraph:
    cliques = _maximal_cliques(k, edges)
    return DecomposableGraph(cliques, _junction_tree_separators(cliques))


def _maximal_cliques(k: int, edges: frozenset[Edge]) -> tuple[frozenset[int], ...]:
    """Brute force over subsets, largest first: fine for k <= 5 (at most 31 subsets)."""
    found: list[frozenset[int]] = []
    for size in range(k, 0, -1):
        for subset in itertools.combinations(range(k), size):
            candidate = frozenset(subset)
            if _is_complete(subset, edges) and not any(candidate < c for c in found):
                found.append(candidate)
    return tuple(sorted(found, key=lambda c: (-len(c), sorted(c))))


def _junction_tree_separators(cliques: Sequence[frozenset[int]]) -> tuple[frozenset[int], ...]:
    """Non-empty separators of a junction tree. For a chordal graph any maximum-weight spanning
    tree of the clique graph (weight = size of the intersection) is a junction tree, and its
    multiset of separators is the same for every such tree. Built with Prim's algorithm."""
    in_tree = [cliques[0]]
    outside = list(cliques[1:])
    separators: list[frozenset[int]] = []
    while outside:
        best = max(((t & c, c) for t in in_tree for c in outside), key=lambda pair: len(pair[0]))
        separator, clique = best
        in_tree.append(clique)
        outside.remove(clique)
        if separator:
            separators.append(separator)
    return tuple(sorted(separators, key=lambda s: (-len(s), sorted(s))))
