"""Rules for names, options and default values of objects and fields (DATA_MODEL.md §5–6).

Every rule raises an ``ApiError`` naming the input and, where it helps, the accepted values.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Any

from vingt.errors import ApiError
from vingt.metadata.model import Catalog, FieldMeta, ObjectMeta
from vingt.metadata.types import COMPOSITES, OPTION_COLORS, RATING_VALUES, FieldType, sub_column

NAME = re.compile(r"[a-z][a-zA-Z0-9]*")  # always fullmatch: "$" would accept a final newline
MAX_NAME = 63
OPTION_VALUE = re.compile(r"[A-Z0-9_]+")

RESERVED = frozenset(
    ["approvedAccessDomain", "approvedAccessDomains", "appToken", "appTokens", "billingCustomer", "billingCustomers", "billingEntitlement", "billingEntitlements", "billingMeter", "billingMeters", "billingProduct", "billingProducts", "billingSubscription", "billingSubscriptions", "billingSubscriptionItem", "billingSubscriptionItems", "featureFlag", "featureFlags", "job", "jobs", "keyValuePair", "keyValuePairs", "pageLayout", "pageLayouts", "pageLayoutTab", "pageLayoutTabs", "pageLayoutWidget", "pageLayoutWidgets", "postgresCredential", "postgresCredentials", "twoFactorMethod", "twoFactorMethods", "user", "users", "userWorkspace", "userWorkspaces", "workspace", "workspaces", "role", "roles", "userWorkspaceRole", "userWorkspaceRoles", "plan", "plans", "event", "events", "field", "fields", "link", "links", "currency", "currencies", "fullNames", "address", "addresses", "type", "types", "object", "objects", "index", "relation", "relations", "aggregate", "batch", "restore", "metadata", "duplicates", "merge", "groupBy",
     # words of other routes under /rest (the reference page, webhooks, API keys)
     "docs", "openApi", "webhook", "webhooks", "apiKey", "apiKeys"]
)

# types a custom field may have (the others are managed by the server)
CREATABLE_TYPES = tuple(t for t in FieldType if t not in (FieldType.TS_VECTOR, FieldType.POSITION))


def invalid(message: str, **details: Any) -> ApiError:
    return ApiError("INVALID_METADATA_INPUT", message, details)


def check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise invalid(f"{what} is required and must be a string", field=what)
    if len(name) > MAX_NAME:
        raise invalid(f"{what} '{name}' is longer than {MAX_NAME} characters", field=what, value=name)
    if not NAME.fullmatch(name):
        raise invalid(
            f"{what} '{name}' must be camelCase: a lower-case letter followed by letters and digits",
            field=what,
            value=name,
        )
    if name in RESERVED:
        raise ApiError(
            "METADATA_NAME_CONFLICT",
            f"{what} '{name}' is a reserved word",
            {"field": what, "value": name, "reason": "RESERVED"},
        )
    return name


def check_label(label: Any, what: str) -> str:
    if not isinstance(label, str) or not label.strip():
        raise invalid(f"{what} is required and must be a non-empty string", field=what)
    if len(label) > 255:
        raise invalid(f"{what} is longer than 255 characters", field=what)
    return label


def name_from_label(label: str) -> str:
    """Transliterate, keep letters and digits, camelCase; prefix ``n`` before a digit."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^a-zA-Z0-9]+", ascii_text) if w]
    if not words:
        raise invalid(f"cannot derive a name from the label '{label}'", value=label)
    name = words[0][0].lower() + words[0][1:] + "".join(w[0].upper() + w[1:] for w in words[1:])
    if name[0].isdigit():
        name = "n" + name
    return name


def check_object_names(catalog: Catalog, singular: str, plural: str, *, ignore: ObjectMeta | None = None) -> None:
    check_name(singular, "nameSingular")
    check_name(plural, "namePlural")
    if singular == plural:
        raise invalid("nameSingular and namePlural must differ", nameSingular=singular, namePlural=plural)
    for obj in catalog.objects:
        if ignore is not None and obj.id == ignore.id:
            continue
        taken = {obj.name_singular, obj.name_plural}
        for name, what in ((singular, "nameSingular"), (plural, "namePlural")):
            if name in taken:
                raise ApiError(
                    "METADATA_NAME_CONFLICT",
                    f"An object named '{name}' already exists",
                    {"field": what, "value": name, "object": obj.name_singular},
                )


def taken_names(obj: ObjectMeta, *, ignore: FieldMeta | None = None) -> set[str]:
    """Field names, join columns and composite sub-columns already used on an object."""
    names: set[str] = set()
    for f in obj.fields:
        if ignore is not None and f.id == ignore.id:
            continue
        names.add(f.name)
        names.update(c.name for c in f.columns())
    return names


def check_field_name(obj: ObjectMeta, name: Any, type_: FieldType, *, ignore: FieldMeta | None = None) -> str:
    check_name(name, "name")
    taken = taken_names(obj, ignore=ignore)
    wanted = {name}
    if type_ in COMPOSITES:
        wanted.update(sub_column(name, s.name) for s in COMPOSITES[type_])
    if type_ in (FieldType.RELATION, FieldType.MORPH_RELATION):
        wanted.add(name + "Id")
    clash = sorted(wanted & taken)
    if clash:
        raise ApiError(
            "METADATA_NAME_CONFLICT",
            f"'{name}' collides with an existing field or column of '{obj.name_singular}': {', '.join(clash)}",
            {"field": "name", "value": name, "object": obj.name_singular, "conflicts": clash},
        )
    return name


def check_type(value: Any) -> FieldType:
    if value not in {t.value for t in CREATABLE_TYPES}:
        raise invalid(
            f"type '{value}' is not a field type that can be created",
            field="type",
            value=value,
            accepted=[t.value for t in CREATABLE_TYPES],
        )
    return FieldType(value)


def check_options(type_: FieldType, options: Any, *, required: bool) -> list[dict[str, Any]] | None:
    """SELECT / MULTI_SELECT options: values UPPER_SNAKE and unique, labels, colors, positions."""
    if type_ == FieldType.RATING:
        return [
            {"id": str(uuid.uuid4()), "value": v, "label": str(i + 1), "position": i}
            for i, v in enumerate(RATING_VALUES)
        ]
    if type_ not in (FieldType.SELECT, FieldType.MULTI_SELECT):
        if options is not None:
            raise invalid(f"options only apply to SELECT and MULTI_SELECT fields, not {type_}", field="options")
        return None
    if options is None:
        if required:
            raise invalid(f"{type_} fields need options", field="options")
        return None
    if not isinstance(options, list) or not options:
        raise invalid("options must be a non-empty list", field="options")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, opt in enumerate(options):
        if not isinstance(opt, dict):
            raise invalid(f"options[{i}] must be an object", field="options", index=i)
        unknown = set(opt) - {"id", "value", "label", "color", "position"}
        if unknown:
            raise invalid(f"options[{i}] has unknown keys {sorted(unknown)}", field="options", index=i)
        value = opt.get("value")
        if not isinstance(value, str) or not OPTION_VALUE.fullmatch(value) or value[0].isdigit():
            raise invalid(
                f"options[{i}].value '{value}' must be UPPER_SNAKE_CASE (letters, digits, underscores; "
                "not starting with a digit)",
                field="options",
                index=i,
                value=value,
            )
        if value in seen:
            raise invalid(f"option value '{value}' appears twice", field="options", value=value)
        seen.add(value)
        label = opt.get("label")
        if not isinstance(label, str) or not label:
            raise invalid(f"options[{i}].label is required", field="options", index=i)
        color = opt.get("color", "gray")
        if color not in OPTION_COLORS:
            raise invalid(
                f"options[{i}].color '{color}' is not one of {list(OPTION_COLORS)}",
                field="options",
                index=i,
                accepted=list(OPTION_COLORS),
            )
        position = opt.get("position", i)
        if isinstance(position, bool) or not isinstance(position, int | float):
            raise invalid(f"options[{i}].position must be a number", field="options", index=i)
        option_id = opt.get("id") or str(uuid.uuid4())
        out.append({"id": str(option_id), "value": value, "label": label, "color": color, "position": position})
    return sorted(out, key=lambda o: o["position"])


def _quoted(value: Any) -> str | None:
    if isinstance(value, str) and len(value) >= 2 and value[0] == "'" and value[-1] == "'":
        return value[1:-1]
    return None


def _parses(type_: FieldType, text: str) -> bool:
    import datetime as dt

    from vingt.engine.planner import parse_timestamp

    try:
        if type_ == FieldType.DATE:
            dt.date.fromisoformat(text)
        elif type_ == FieldType.UUID:
            uuid.UUID(text)
        elif type_ == FieldType.DATE_TIME:
            return parse_timestamp(text) is not None
    except ValueError:
        return False
    return True


def check_default(type_: FieldType, default: Any, options: list[dict[str, Any]] | None) -> Any:
    """Validate a default in the metadata encoding (DATA_MODEL.md §6); return it unchanged."""
    if default is None:
        return None
    values = {o["value"] for o in options or ()}
    bad = invalid(f"defaultValue {default!r} is not valid for a {type_} field", field="defaultValue", value=default)
    if type_ in (FieldType.SELECT, FieldType.RATING):
        inner = _quoted(default)
        if inner is None or inner not in values:
            raise invalid(
                f"defaultValue must be one of the quoted option values, e.g. \"'{next(iter(values), 'OPTION_1')}'\"",
                field="defaultValue",
                value=default,
                accepted=[f"'{v}'" for v in values],
            )
    elif type_ == FieldType.MULTI_SELECT:
        if not isinstance(default, list) or any(_quoted(v) not in values for v in default):
            raise bad
    elif type_ in (FieldType.TEXT, FieldType.RICH_TEXT):
        if _quoted(default) is None:
            raise invalid("a TEXT defaultValue is a quoted string, e.g. \"'hello'\"", field="defaultValue", value=default)
    elif type_ in (FieldType.NUMBER, FieldType.NUMERIC):
        if isinstance(default, bool) or not isinstance(default, int | float | str):
            raise bad
        if isinstance(default, str):
            try:
                float(_quoted(default) or default)
            except ValueError:
                raise bad from None
    elif type_ == FieldType.BOOLEAN:
        if not isinstance(default, bool):
            raise bad
    elif type_ in (FieldType.DATE_TIME, FieldType.DATE):
        if default != "now":
            inner = _quoted(default)
            if inner is None or not _parses(type_, inner):
                raise bad
    elif type_ == FieldType.UUID:
        if default != "uuid":
            inner = _quoted(default)
            if inner is None or not _parses(type_, inner):
                raise bad
    elif type_ == FieldType.ARRAY:
        if not isinstance(default, list):
            raise bad
    elif type_ in COMPOSITES:
        subs = {s.name for s in COMPOSITES[type_]}
        if not isinstance(default, dict) or set(default) - subs:
            raise invalid(
                f"a {type_} defaultValue is an object with keys among {sorted(subs)}",
                field="defaultValue",
                value=default,
            )
    elif type_ in (FieldType.RELATION, FieldType.MORPH_RELATION):
        raise invalid("relation fields have no defaultValue", field="defaultValue")
    return default
