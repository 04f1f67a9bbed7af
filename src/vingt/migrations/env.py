"""Alembic environment: runs on the connection handed over in ``config.attributes``."""

from alembic import context

from vingt.db.system import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
