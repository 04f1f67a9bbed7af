"""apiKey.scope and apiKey.objects: what a key may do (``read`` or ``write``) and the objects it
reaches (a JSON array of singular names; NULL: every object). Keys made before are full keys.

Revision ID: 0006
Revises: 0005

The DDL is written out here rather than taken from ``vingt.db.system`` so that a later change
of the live table definition cannot change what this revision does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.add_column("apiKey", sa.Column("scope", sa.Text, nullable=False, server_default="write"))
    op.add_column("apiKey", sa.Column("objects", sa.Text))


def downgrade() -> None:
    op.drop_column("apiKey", "objects")
    op.drop_column("apiKey", "scope")
