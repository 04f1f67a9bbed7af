"""Field types (DATA_MODEL.md §1) and how each one is stored.

A scalar field is one column named after the field. A composite field is one column per
sub-field, named ``<field><SubField>`` (``name.firstName`` → ``nameFirstName``). A
MANY_TO_ONE relation (or one branch of a morph relation) is its join column ``<field>Id``;
a ONE_TO_MANY relation has no column at all.

``Storage`` is the neutral description of a column's kind; the DDL and the SQL compiler map
it to each database's own type.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldType(StrEnum):
    UUID = "UUID"
    TEXT = "TEXT"
    PHONES = "PHONES"
    EMAILS = "EMAILS"
    DATE_TIME = "DATE_TIME"
    DATE = "DATE"
    BOOLEAN = "BOOLEAN"
    NUMBER = "NUMBER"
    NUMERIC = "NUMERIC"
    LINKS = "LINKS"
    CURRENCY = "CURRENCY"
    FULL_NAME = "FULL_NAME"
    RATING = "RATING"
    SELECT = "SELECT"
    MULTI_SELECT = "MULTI_SELECT"
    RELATION = "RELATION"
    MORPH_RELATION = "MORPH_RELATION"
    POSITION = "POSITION"
    ADDRESS = "ADDRESS"
    RAW_JSON = "RAW_JSON"
    RICH_TEXT = "RICH_TEXT"
    RICH_TEXT_V2 = "RICH_TEXT_V2"
    ACTOR = "ACTOR"
    ARRAY = "ARRAY"
    TS_VECTOR = "TS_VECTOR"
    FILES = "FILES"


class Storage(StrEnum):
    """The kind of value a column holds, independent of the database."""

    UUID = "uuid"
    TEXT = "text"
    FLOAT = "float"  # NUMBER (float), POSITION
    INTEGER = "integer"  # NUMBER with settings.dataType int
    BIGINT = "bigint"  # NUMBER with settings.dataType bigint
    NUMERIC = "numeric"  # NUMERIC, amountMicros, lat/lng
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DATE = "date"
    JSON = "json"  # RAW_JSON, FILES, list-like composite parts
    TEXT_ARRAY = "text_array"  # ARRAY, MULTI_SELECT


@dataclass(frozen=True, slots=True)
class SubField:
    name: str
    storage: Storage
    # the sub-field of a unique composite that carries the uniqueness
    unique_key: bool = False
    # an enum-like sub-field (ACTOR.source) validated against these values
    choices: tuple[str, ...] | None = None
    writable: bool = True


ACTOR_SOURCES = ("EMAIL", "CALENDAR", "WORKFLOW", "AGENT", "API", "IMPORT", "MANUAL", "SYSTEM", "WEBHOOK")

COMPOSITES: dict[FieldType, tuple[SubField, ...]] = {
    FieldType.CURRENCY: (
        SubField("amountMicros", Storage.NUMERIC),
        SubField("currencyCode", Storage.TEXT),
    ),
    FieldType.FULL_NAME: (
        SubField("firstName", Storage.TEXT),
        SubField("lastName", Storage.TEXT),
    ),
    FieldType.LINKS: (
        SubField("primaryLinkUrl", Storage.TEXT, unique_key=True),
        SubField("primaryLinkLabel", Storage.TEXT),
        SubField("secondaryLinks", Storage.JSON),
    ),
    FieldType.EMAILS: (
        SubField("primaryEmail", Storage.TEXT, unique_key=True),
        SubField("additionalEmails", Storage.JSON),
    ),
    FieldType.PHONES: (
        SubField("primaryPhoneNumber", Storage.TEXT, unique_key=True),
        SubField("primaryPhoneCountryCode", Storage.TEXT),
        SubField("primaryPhoneCallingCode", Storage.TEXT),
        SubField("additionalPhones", Storage.JSON),
    ),
    FieldType.ADDRESS: (
        SubField("addressStreet1", Storage.TEXT),
        SubField("addressStreet2", Storage.TEXT),
        SubField("addressCity", Storage.TEXT),
        SubField("addressPostcode", Storage.TEXT),
        SubField("addressState", Storage.TEXT),
        SubField("addressCountry", Storage.TEXT),
        SubField("addressLat", Storage.NUMERIC),
        SubField("addressLng", Storage.NUMERIC),
    ),
    FieldType.ACTOR: (
        SubField("source", Storage.TEXT, choices=ACTOR_SOURCES),
        SubField("workspaceMemberId", Storage.UUID, writable=False),
        SubField("name", Storage.TEXT, writable=False),
        SubField("context", Storage.JSON),
    ),
    FieldType.RICH_TEXT_V2: (
        SubField("blocknote", Storage.TEXT),
        SubField("markdown", Storage.TEXT),
    ),
}

SCALAR_STORAGE: dict[FieldType, Storage] = {
    FieldType.UUID: Storage.UUID,
    FieldType.TEXT: Storage.TEXT,
    FieldType.DATE_TIME: Storage.TIMESTAMP,
    FieldType.DATE: Storage.DATE,
    FieldType.BOOLEAN: Storage.BOOLEAN,
    FieldType.NUMBER: Storage.FLOAT,
    FieldType.NUMERIC: Storage.NUMERIC,
    FieldType.RATING: Storage.TEXT,
    FieldType.SELECT: Storage.TEXT,
    FieldType.MULTI_SELECT: Storage.TEXT_ARRAY,
    FieldType.POSITION: Storage.FLOAT,
    FieldType.RAW_JSON: Storage.JSON,
    FieldType.RICH_TEXT: Storage.TEXT,
    FieldType.ARRAY: Storage.TEXT_ARRAY,
    FieldType.FILES: Storage.JSON,
}

RELATION_TYPES = (FieldType.RELATION, FieldType.MORPH_RELATION)
RATING_VALUES = ("RATING_1", "RATING_2", "RATING_3", "RATING_4", "RATING_5")
OPTION_COLORS = ("green", "turquoise", "sky", "blue", "purple", "pink", "red", "orange", "yellow", "gray")


def sub_column(field_name: str, sub_name: str) -> str:
    """``name`` + ``firstName`` → ``nameFirstName``."""
    return field_name + sub_name[0].upper() + sub_name[1:]


def capitalize(name: str) -> str:
    """Twenty's capitalize: upper-case the first letter only."""
    return name[:1].upper() + name[1:]
