"""event: the outbox of record changes, written in each write's transaction.

Revision ID: 0003
Revises: 0002

The DDL is written out here rather than taken from ``vingt.db.system`` so that a later change
of the live table definition cannot change what this revision does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("workspaceId", sa.String(36), nullable=False),
        sa.Column("objectMetadataId", sa.String(36), nullable=False),
        sa.Column("objectName", sa.Text, nullable=False),
        sa.Column("recordId", sa.String(36), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("updatedFields", sa.Text),
        sa.Column("apiKeyId", sa.String(36)),
        sa.Column("actor", sa.Text),
        sa.Column("createdAt", sa.Text, nullable=False),
        sa.Column("dispatchedAt", sa.Text),
    )
    op.create_index("IDX_event_workspace_seq", "event", ["workspaceId", "seq"])
    op.create_index("IDX_event_dispatched_seq", "event", ["dispatchedAt", "seq"])


def downgrade() -> None:
    op.drop_table("event")
