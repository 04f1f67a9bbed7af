"""idempotencyKey: stored responses of writes sent with an ``Idempotency-Key``.

Revision ID: 0002
Revises: 0001

The DDL is written out here rather than taken from ``vingt.db.system`` so that a later change
of the live table definition cannot change what this revision does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "idempotencyKey",
        sa.Column("workspaceId", sa.String(36), sa.ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("requestHash", sa.Text, nullable=False),
        sa.Column("claimId", sa.String(36), nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("body", sa.Text),
        sa.Column("headers", sa.Text),
        sa.Column("createdAt", sa.Text, nullable=False),
        sa.Column("completedAt", sa.Text),
        sa.PrimaryKeyConstraint("workspaceId", "key", name="PK_idempotency_key"),
    )
    op.create_index("IDX_idempotency_key_created_at", "idempotencyKey", ["createdAt"])


def downgrade() -> None:
    op.drop_table("idempotencyKey")
