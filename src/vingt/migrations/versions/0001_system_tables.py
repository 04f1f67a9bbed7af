"""System tables: workspace, apiKey, objectMetadata, fieldMetadata, keyValue.

Revision ID: 0001
Revises:

The DDL is written out here rather than taken from ``vingt.db.system`` so that a later change
of the live table definitions cannot change what this revision does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "workspace",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("displayName", sa.Text, nullable=False),
        sa.Column("databaseSchema", sa.Text, nullable=False, unique=True),
        sa.Column("metadataVersion", sa.Integer, nullable=False, server_default="1"),
        sa.Column("activationStatus", sa.Text, nullable=False, server_default="ACTIVE"),
        sa.Column("createdAt", sa.Text, nullable=False),
        sa.Column("updatedAt", sa.Text, nullable=False),
        sa.Column("deletedAt", sa.Text),
    )
    op.create_table(
        "apiKey",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspaceId", sa.String(36), sa.ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("expiresAt", sa.Text, nullable=False),
        sa.Column("revokedAt", sa.Text),
        sa.Column("createdAt", sa.Text, nullable=False),
        sa.Column("updatedAt", sa.Text, nullable=False),
    )
    op.create_index("IDX_API_KEY_WORKSPACE_ID", "apiKey", ["workspaceId"])
    op.create_table(
        "objectMetadata",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspaceId", sa.String(36), sa.ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
        sa.Column("nameSingular", sa.Text, nullable=False),
        sa.Column("namePlural", sa.Text, nullable=False),
        sa.Column("labelSingular", sa.Text, nullable=False),
        sa.Column("labelPlural", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("icon", sa.Text),
        sa.Column("shortcut", sa.Text),
        sa.Column("isCustom", sa.Boolean, nullable=False),
        sa.Column("isActive", sa.Boolean, nullable=False),
        sa.Column("isSystem", sa.Boolean, nullable=False),
        sa.Column("isSearchable", sa.Boolean, nullable=False),
        sa.Column("isRemote", sa.Boolean, nullable=False),
        sa.Column("isUIReadOnly", sa.Boolean, nullable=False),
        sa.Column("isLabelSyncedWithName", sa.Boolean, nullable=False),
        sa.Column("labelIdentifierFieldMetadataId", sa.String(36)),
        sa.Column("imageIdentifierFieldMetadataId", sa.String(36)),
        sa.Column("duplicateCriteria", sa.Text),
        sa.Column("createdAt", sa.Text, nullable=False),
        sa.Column("updatedAt", sa.Text, nullable=False),
        sa.UniqueConstraint("workspaceId", "namePlural", name="UQ_object_name_plural"),
        sa.UniqueConstraint("workspaceId", "nameSingular", name="UQ_object_name_singular"),
    )
    op.create_table(
        "fieldMetadata",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspaceId", sa.String(36), sa.ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
        sa.Column("objectMetadataId", sa.String(36), sa.ForeignKey("objectMetadata.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("icon", sa.Text),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("isNullable", sa.Boolean, nullable=False),
        sa.Column("isUnique", sa.Boolean, nullable=False),
        sa.Column("isSystem", sa.Boolean, nullable=False),
        sa.Column("isCustom", sa.Boolean, nullable=False),
        sa.Column("isActive", sa.Boolean, nullable=False),
        sa.Column("isUIReadOnly", sa.Boolean, nullable=False),
        sa.Column("isLabelSyncedWithName", sa.Boolean, nullable=False),
        sa.Column("defaultValue", sa.Text),
        sa.Column("options", sa.Text),
        sa.Column("settings", sa.Text),
        sa.Column("relationTargetObjectMetadataId", sa.String(36)),
        sa.Column("relationTargetFieldMetadataId", sa.String(36)),
        sa.Column("morphId", sa.String(36)),
        sa.Column("createdAt", sa.Text, nullable=False),
        sa.Column("updatedAt", sa.Text, nullable=False),
        sa.UniqueConstraint("objectMetadataId", "name", name="UQ_field_name"),
    )
    op.create_index("IDX_field_workspace", "fieldMetadata", ["workspaceId"])
    op.create_table(
        "keyValue",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in ("keyValue", "fieldMetadata", "objectMetadata", "apiKey", "workspace"):
        op.drop_table(name)
