"""Who asks: their name in custody events, the collections they may see and where they may review.

Incidents, claims and sources belong to a collection (need to know, as evidence does). The CLI
acts as the workspace's operator (``settings.actor``), who sees every collection; the web
workspace builds an :class:`Asker` from the signed-in :class:`~gavah.accounts.principal
.Principal`, so that the same code checks ``Can.SEE`` and ``Can.REVIEW`` per collection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gavah.accounts.principal import Principal
from gavah.accounts.roles import Can
from gavah.errors import AccessDenied, NotFound


@dataclass(frozen=True)
class Asker:
    actor: str
    visible: frozenset[str] | None  # collections this person may see; None: every one
    reviews: frozenset[str] | None  # collections where this person may review; None: every one

    @classmethod
    def operator(cls, actor: str) -> Asker:
        """The workspace's operator at the command line: every collection."""
        return cls(actor, None, None)

    @classmethod
    def of(cls, principal: Principal) -> Asker:
        """A signed-in account: what its grants allow."""
        return cls(
            principal.actor, principal.collections(Can.SEE), principal.collections(Can.REVIEW)
        )

    def sees(self, collection: str) -> bool:
        return self.visible is None or collection in self.visible

    def visible_of(self, collections: Iterable[str]) -> list[str]:
        return [c for c in collections if self.sees(c)]

    def require_sight(self, collection: str, what: str) -> None:
        """NotFound, not "forbidden", for what one may not see: ids reveal nothing."""
        if not self.sees(collection):
            raise NotFound(f"no {what}")

    def require_review(self, collection: str) -> None:
        if self.reviews is not None and collection not in self.reviews:
            raise AccessDenied(
                f"you may not review in collection {collection!r}",
                hint="an administrator can grant you the reviewer role there",
            )
