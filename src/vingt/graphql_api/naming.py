"""Twenty's GraphQL names (GRAPHQL.md §2): root fields, generated types, enums, composites.

Pure functions of metadata names; the schema builder and the translator both use them, so a
name is spelled in one place.
"""

from __future__ import annotations

import re

from vingt.metadata.model import FieldMeta, ObjectMeta
from vingt.metadata.types import FieldType, capitalize

# composite field types → their workspace-wide output type name (inputs add a suffix)
COMPOSITE_NAMES: dict[FieldType, str] = {
    FieldType.FULL_NAME: "FullName",
    FieldType.LINKS: "Links",
    FieldType.EMAILS: "Emails",
    FieldType.PHONES: "Phones",
    FieldType.CURRENCY: "Currency",
    FieldType.ADDRESS: "Address",
    FieldType.ACTOR: "Actor",
    FieldType.RICH_TEXT_V2: "RichTextV2",
}

_ENUM_VALUE = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")

# root operations: kind → how its root field is named from (singular, plural)
ROOT_QUERIES = ("findMany", "findOne", "findDuplicates", "groupBy")
ROOT_MUTATIONS = (
    "createOne", "createMany", "updateOne", "updateMany", "deleteOne", "deleteMany",
    "destroyOne", "destroyMany", "restoreOne", "restoreMany", "mergeMany",
)


def root_name(kind: str, obj: ObjectMeta) -> str:
    """``findMany`` of person → ``people``; ``createOne`` → ``createPerson`` …"""
    singular, plural = obj.name_singular, obj.name_plural
    if kind == "findMany":
        return plural
    if kind == "findOne":
        return singular
    if kind == "findDuplicates":
        return singular + "Duplicates"
    if kind == "groupBy":
        return plural + "GroupBy"
    verb = kind[:-4] if kind.endswith("Many") else kind[:-3]
    return verb + capitalize(plural if kind.endswith("Many") else singular)


def type_name(obj: ObjectMeta, suffix: str = "") -> str:
    """``Person``, ``PersonConnection``, ``PersonFilterInput`` …"""
    return capitalize(obj.name_singular) + suffix


def enum_name(obj: ObjectMeta, f: FieldMeta) -> str:
    """``OpportunityStageEnum``."""
    return capitalize(obj.name_singular) + capitalize(f.name) + "Enum"


def enum_values(f: FieldMeta) -> tuple[str, ...] | None:
    """The option values of a SELECT / MULTI_SELECT / RATING field as GraphQL enum values;
    ``None`` when one of them is not a valid GraphQL name (the field is then typed ``String``)."""
    values = f.option_values
    if not values or any(not _ENUM_VALUE.fullmatch(v) or v in ("true", "false", "null") for v in values):
        return None
    return values


def composite_name(f: FieldMeta, suffix: str = "") -> str:
    return COMPOSITE_NAMES[f.type] + suffix
