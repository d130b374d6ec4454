"""The Alembic migrations create exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gavah.db.models import Base
from gavah.workspace import Workspace


def test_models_and_migrations_agree(workspace: Workspace) -> None:
    with workspace.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
