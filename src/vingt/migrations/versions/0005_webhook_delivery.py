"""webhookDelivery, webhookAttempt: each (webhook × event) delivery and each of its HTTP attempts;
event.feedSeq: an event's place in the change feed.

Revision ID: 0005
Revises: 0004

The DDL is written out here rather than taken from ``vingt.db.system`` so that a later change
of the live table definition cannot change what this revision does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.add_column("event", sa.Column("feedSeq", sa.BigInteger))
    op.create_index("IDX_event_workspace_feed", "event", ["workspaceId", "feedSeq"])
    op.create_index("IDX_event_feed", "event", ["feedSeq"])
    op.create_table(
        "webhookDelivery",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspaceId", sa.String(36), nullable=False),
        sa.Column("webhookId", sa.String(36), nullable=False),
        sa.Column("eventId", sa.String(36), nullable=False),
        sa.Column("eventName", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("nextAttemptAt", sa.Text),
        sa.Column("eventDate", sa.Text, nullable=False),
        sa.Column("createdAt", sa.Text, nullable=False),
        sa.Column("updatedAt", sa.Text, nullable=False),
    )
    op.create_index("IDX_webhook_delivery_due", "webhookDelivery", ["status", "nextAttemptAt"])
    op.create_index("IDX_webhook_delivery_webhook", "webhookDelivery", ["webhookId", "createdAt", "id"])
    op.create_index("IDX_webhook_delivery_event", "webhookDelivery", ["eventId"])
    op.create_table(
        "webhookAttempt",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "deliveryId", sa.String(36), sa.ForeignKey("webhookDelivery.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("attemptedAt", sa.Text, nullable=False),
        sa.Column("durationMs", sa.Integer, nullable=False),
        sa.Column("statusCode", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("response", sa.Text),
    )
    op.create_index("IDX_webhook_attempt_delivery", "webhookAttempt", ["deliveryId", "attemptedAt"])


def downgrade() -> None:
    op.drop_table("webhookAttempt")
    op.drop_table("webhookDelivery")
    op.drop_index("IDX_event_feed", "event")
    op.drop_index("IDX_event_workspace_feed", "event")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("feedSeq")
