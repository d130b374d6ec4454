"""Alembic environment: gavah always passes an open connection (see gavah.db.engine.upgrade)."""

from alembic import context

from gavah.db.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
