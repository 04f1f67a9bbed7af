"""The system tables: workspaces, API keys, object and field metadata, settings.

They live in the database's default schema and are created and upgraded by Alembic
(``vingt/migrations``). Timestamps are ISO-8601 strings and JSON is text, so the same
rows read the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

workspace = sa.Table(
    "workspace",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("displayName", sa.Text, nullable=False),
    sa.Column("databaseSchema", sa.Text, nullable=False, unique=True),
    sa.Column("metadataVersion", sa.Integer, nullable=False, server_default="1"),
    sa.Column("activationStatus", sa.Text, nullable=False, server_default="ACTIVE"),
    sa.Column("createdAt", sa.Text, nullable=False),
    sa.Column("updatedAt", sa.Text, nullable=False),
    sa.Column("deletedAt", sa.Text),
)

api_key = sa.Table(
    "apiKey",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("workspaceId", sa.String(36), sa.ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("expiresAt", sa.Text, nullable=False),
    sa.Column("revokedAt", sa.Text),
    sa.Column("createdAt", sa.Text, nullable=False),
    sa.Column("updatedAt", sa.Text, nullable=False),
    sa.Column("scope", sa.Text, nullable=False, server_default="write"),  # read | write
    sa.Column("objects", sa.Text),  # JSON array of singular names; NULL: every object
    sa.Index("IDX_API_KEY_WORKSPACE_ID", "workspaceId"),
)

object_metadata = sa.Table(
    "objectMetadata",
    metadata,
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
    sa.UniqueConstraint("workspaceId", "nameSingular", name="UQ_object_name_singular"),
    sa.UniqueConstraint("workspaceId", "namePlural", name="UQ_object_name_plural"),
)

field_metadata = sa.Table(
    "fieldMetadata",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("workspaceId", sa.String(36), sa.ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "objectMetadataId", sa.String(36), sa.ForeignKey("objectMetadata.id", ondelete="CASCADE"), nullable=False
    ),
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
    sa.Index("IDX_field_workspace", "workspaceId"),
)

key_value = sa.Table(
    "keyValue",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# ``Idempotency-Key`` (rest/idempotency.py): one row per (workspace, key). A row with no
# ``completedAt`` is a claim in progress; ``claimId`` names its owner, so a stale claim
# taken over by another request is never completed by the first owner.
idempotency_key = sa.Table(
    "idempotencyKey",
    metadata,
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
    sa.Index("IDX_idempotency_key_created_at", "createdAt"),
)

# The outbox (engine/events.py): one row per record change, written in the transaction of the
# change. ``seq`` orders the rows of one database; ``id`` is the stable event id that webhooks
# carry (``X-Vingt-Event-Id``). ``before`` / ``after`` are the record's JSON (``None`` where it
# did not exist), ``updatedFields`` the JSON list of fields whose value changed, ``actor`` the
# JSON of who wrote (``{"source": "API", "apiKeyId": …, "name": …}``). ``dispatchedAt`` is set
# once the webhook dispatcher has made the event's deliveries, and with it ``feedSeq``, the
# event's place in the change feed: assigned by one dispatcher at a time, in the order events
# became visible, so that a reader paging by it never finds an earlier one appear behind its
# cursor (``seq`` is taken at insert, and transactions commit in another order). ``workspaceId`` has no foreign
# key: every write inserts events, and a foreign-key check locks the workspace row (FOR KEY
# SHARE) in every write transaction at once, which PostgreSQL pays for in multixacts.
event = sa.Table(
    "event",
    metadata,
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
    sa.Column("feedSeq", sa.BigInteger),
    sa.Index("IDX_event_workspace_seq", "workspaceId", "seq"),
    sa.Index("IDX_event_dispatched_seq", "dispatchedAt", "seq"),
    sa.Index("IDX_event_workspace_feed", "workspaceId", "feedSeq"),
    sa.Index("IDX_event_feed", "feedSeq"),
)

# Webhooks (AUTH_WEBHOOKS.md §6.1): a workspace's subscriptions to its events. ``operations``
# is a JSON list of ``<object>.<action>`` patterns; a deleted webhook (``deletedAt``) never fires.
webhook = sa.Table(
    "webhook",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("workspaceId", sa.String(36), sa.ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    sa.Column("targetUrl", sa.Text, nullable=False),
    sa.Column("operations", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("createdAt", sa.Text, nullable=False),
    sa.Column("updatedAt", sa.Text, nullable=False),
    sa.Column("deletedAt", sa.Text),
    sa.Index("IDX_WEBHOOK_WORKSPACE_ID", "workspaceId"),
)

# Deliveries (vingt/webhooks/dispatcher.py): one row per (webhook × event) the webhook matched,
# made after the event committed. ``status`` is ``pending`` until an attempt succeeds
# (``succeeded``) or retries run out or the webhook is deleted (``failed``); ``nextAttemptAt`` is
# when a pending delivery is next due — while an attempt is in flight it is the claim's expiry,
# so a process that dies mid-attempt leaves the delivery due again, never lost. ``eventDate`` is
# the body's, fixed when the delivery is made. ``webhookId`` has no foreign key (webhooks are
# soft-deleted, and the check would lock the webhook row for every delivery made).
webhook_delivery = sa.Table(
    "webhookDelivery",
    metadata,
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
    sa.Index("IDX_webhook_delivery_due", "status", "nextAttemptAt"),
    sa.Index("IDX_webhook_delivery_webhook", "webhookId", "createdAt", "id"),
    sa.Index("IDX_webhook_delivery_event", "eventId"),
)

# One row per HTTP attempt of a delivery: when, how long, the status code (``None`` when no
# response came) and an error or the first 1 KB of the response body.
webhook_attempt = sa.Table(
    "webhookAttempt",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("deliveryId", sa.String(36), sa.ForeignKey("webhookDelivery.id", ondelete="CASCADE"), nullable=False),
    sa.Column("attemptedAt", sa.Text, nullable=False),
    sa.Column("durationMs", sa.Integer, nullable=False),
    sa.Column("statusCode", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("response", sa.Text),
    sa.Index("IDX_webhook_attempt_delivery", "deliveryId", "attemptedAt"),
)

# The deliveries a fan-out made to be sent at once (PostgreSQL), one row per batch: they are not
# in ``webhookDelivery`` until their first attempt is recorded, which writes each once, in its
# state after the attempt, and deletes the lease in the same statement. ``deliveries`` is a JSON
# array of ``[id, workspaceId, webhookId, eventId, eventName, createdAt]``. A lease still here at
# ``leasedUntil`` belongs to a process that died before recording its attempts: the next claim of
# due deliveries writes those not recorded as pending and due (at least once, never lost).
webhook_lease = sa.Table(
    "webhookLease",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("leasedUntil", sa.Text, nullable=False),
    sa.Column("deliveries", sa.Text, nullable=False),
    sa.Index("IDX_webhook_lease_until", "leasedUntil"),
)
