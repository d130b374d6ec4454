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


def test_head_revision_constant_is_alembics_head() -> None:
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from gavah.db.engine import HEAD_REVISION

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("gavah.db") / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION
