"""The Alembic migrations create exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gavah.db.models import Base
from gavah.workspace import Workspace

# Full-text search structures that SQLAlchemy models cannot describe: SQLite's FTS5 table (and
# the shadow tables FTS5 makes for it) and PostgreSQL's expression index over to_tsvector(body).
_NOT_MODELLED = ("search_fts", "ix_search_doc_fts")


def _modelled(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    return not (name or "").startswith(_NOT_MODELLED)


def test_models_and_migrations_agree(workspace: Workspace) -> None:
    with workspace.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _modelled})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_full_text_structures_exist(workspace: Workspace) -> None:
    """What the filter above leaves out is there, on either database."""
    from sqlalchemy import inspect

    with workspace.db.engine.connect() as conn:
        inspector = inspect(conn)
        if workspace.db.is_sqlite:
            assert "search_fts" in inspector.get_table_names()
        else:
            names = {ix["name"] for ix in inspector.get_indexes("search_doc")}
            assert "ix_search_doc_fts" in names


def test_head_revision_constant_is_alembics_head() -> None:
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from gavah.db.engine import HEAD_REVISION

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("gavah.db") / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION
