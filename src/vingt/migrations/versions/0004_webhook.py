"""webhook: a workspace's subscriptions to its events.

Revision ID: 0004
Revises: 0003

The DDL is written out here rather than taken from ``vingt.db.system`` so that a later change
of the live table definition cannot change what this revision does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "webhook",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspaceId", sa.String(36), sa.ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
        sa.Column("targetUrl", sa.Text, nullable=False),
        sa.Column("operations", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("createdAt", sa.Text, nullable=False),
        sa.Column("updatedAt", sa.Text, nullable=False),
        sa.Column("deletedAt", sa.Text),
    )
    op.create_index("IDX_WEBHOOK_WORKSPACE_ID", "webhook", ["workspaceId"])


def downgrade() -> None:
    op.drop_table("webhook")
