"""Database: SQLAlchemy 2 models, Alembic migrations, and engines for SQLite and PostgreSQL."""

from gavah.db.engine import Database, connect, upgrade

__all__ = ["Database", "connect", "upgrade"]
