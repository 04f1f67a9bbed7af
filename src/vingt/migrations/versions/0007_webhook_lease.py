"""webhookLease: the deliveries a fan-out made to send at once, held until their first attempt is
recorded (each delivery is then written once, in its state after that attempt).

Revision ID: 0007
Revises: 0006

The DDL is written out here rather than taken from ``vingt.db.system`` so that a later change
of the live table definition cannot change what this revision does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "webhookLease",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("leasedUntil", sa.Text, nullable=False),
        sa.Column("deliveries", sa.Text, nullable=False),
    )
    op.create_index("IDX_webhook_lease_until", "webhookLease", ["leasedUntil"])


def downgrade() -> None:
    op.drop_table("webhookLease")
