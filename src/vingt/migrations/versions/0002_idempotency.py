"""idempotencyKey: stored responses of writes sent with an ``Idempotency-Key``.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from vingt.db import system

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    system.idempotency_key.create(op.get_bind())


def downgrade() -> None:
    system.idempotency_key.drop(op.get_bind())
