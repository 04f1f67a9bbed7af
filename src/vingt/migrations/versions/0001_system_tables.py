"""System tables: workspace, apiKey, objectMetadata, fieldMetadata, keyValue.

Revision ID: 0001
Revises:
"""

from alembic import op

from vingt.db import system

revision = "0001"
down_revision = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in (system.workspace, system.api_key, system.object_metadata, system.field_metadata, system.key_value):
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in (system.key_value, system.field_metadata, system.object_metadata, system.api_key, system.workspace):
        table.drop(bind)
