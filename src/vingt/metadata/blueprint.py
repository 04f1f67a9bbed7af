"""A small vocabulary for declaring objects in code: the standard objects use it.

An ``ObjectSpec`` lists the fields an object declares itself. MANY_TO_ONE relations name
their inverse (``inverse="people"``) and the inverse ONE_TO_MANY field on the target is
generated, so each relation is written once. ``materialize`` turns specs into
``ObjectMeta`` values with fresh ids, ready to be stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from vingt.metadata.model import MANY_TO_ONE, ONE_TO_MANY, FieldMeta, ObjectMeta, RelationMeta
from vingt.metadata.types import RATING_VALUES, FieldType, capitalize


@dataclass
class FieldSpec:
    name: str
    type: FieldType
    label: str
    nullable: bool = True
    unique: bool = False
    system: bool = False
    default: Any = None
    options: list[dict[str, Any]] | None = None
    settings: dict[str, Any] | None = None
    description: str | None = None
    icon: str | None = None
    # MANY_TO_ONE relations (plain or one branch of a morph relation)
    target: str | None = None
    inverse: str | None = None
    inverse_label: str | None = None
    inverse_system: bool = False
    on_delete: str = "SET_NULL"
    morph_id: str | None = None


@dataclass
class ObjectSpec:
    singular: str
    plural: str
    label_singular: str
    label_plural: str
    fields: list[FieldSpec]
    description: str | None = None
    icon: str | None = None
    shortcut: str | None = None
    system: bool = False
    searchable: bool = False
    label_identifier: str | None = "name"
    duplicate_criteria: list[list[str]] = field(default_factory=list)
    # which of position / createdBy / updatedBy / searchVector the object carries
    extras: tuple[str, ...] = ("position", "createdBy", "updatedBy", "searchVector")


# ---- field constructors -------------------------------------------------------------------


def scalar(type_: FieldType, name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, type=type_, label=label, **kw)


def text(name: str, label: str, **kw: Any) -> FieldSpec:
    return scalar(FieldType.TEXT, name, label, **kw)


def uuid_field(name: str, label: str, **kw: Any) -> FieldSpec:
    return scalar(FieldType.UUID, name, label, **kw)


def number(name: str, label: str, **kw: Any) -> FieldSpec:
    return scalar(FieldType.NUMBER, name, label, **kw)


def boolean(name: str, label: str, **kw: Any) -> FieldSpec:
    return scalar(FieldType.BOOLEAN, name, label, **kw)


def date_time(name: str, label: str, **kw: Any) -> FieldSpec:
    return scalar(FieldType.DATE_TIME, name, label, **kw)


def raw_json(name: str, label: str, **kw: Any) -> FieldSpec:
    return scalar(FieldType.RAW_JSON, name, label, **kw)


def option(value: str, label: str, position: int, color: str | None = None) -> dict[str, Any]:
    opt: dict[str, Any] = {"id": str(uuid.uuid4()), "value": value, "label": label, "position": position}
    if color is not None:
        opt["color"] = color
    return opt


def select(name: str, label: str, options: list[tuple[str, str, str]] | list[str], **kw: Any) -> FieldSpec:
    """``options`` as (value, label, color) triples, or bare values (label = value, gray)."""
    return FieldSpec(name=name, type=FieldType.SELECT, label=label, options=_options(options), **kw)


def multi_select(name: str, label: str, options: list[tuple[str, str, str]] | list[str], **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, type=FieldType.MULTI_SELECT, label=label, options=_options(options), **kw)


def rating(name: str, label: str, **kw: Any) -> FieldSpec:
    opts = [option(v, str(i + 1), i) for i, v in enumerate(RATING_VALUES)]
    return FieldSpec(name=name, type=FieldType.RATING, label=label, options=opts, **kw)


def _options(options: list[tuple[str, str, str]] | list[str]) -> list[dict[str, Any]]:
    out = []
    for i, o in enumerate(options):
        if isinstance(o, str):
            out.append(option(o, o.replace("_", " ").capitalize(), i, "gray"))
        else:
            out.append(option(o[0], o[1], i, o[2]))
    return out


def composite(type_: FieldType, name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, type=type_, label=label, **kw)


def many_to_one(
    name: str,
    label: str,
    target: str,
    inverse: str,
    *,
    on_delete: str = "SET_NULL",
    inverse_label: str | None = None,
    inverse_system: bool = False,
    **kw: Any,
) -> FieldSpec:
    return FieldSpec(
        name=name,
        type=FieldType.RELATION,
        label=label,
        target=target,
        inverse=inverse,
        on_delete=on_delete,
        inverse_label=inverse_label,
        inverse_system=inverse_system,
        **kw,
    )


def morph(
    name: str, label: str, target: str, inverse: str, *, on_delete: str = "CASCADE", **kw: Any
) -> FieldSpec:
    """One branch of a morph relation (``targetPerson`` → ``targetPersonId``)."""
    spec = many_to_one(name, label, target, inverse, on_delete=on_delete, **kw)
    spec.type = FieldType.MORPH_RELATION
    return spec


# ---- system fields ------------------------------------------------------------------------

ACTOR_DEFAULT = {"source": "'MANUAL'", "name": "'System'", "workspaceMemberId": None}


def system_fields(extras: tuple[str, ...], *, custom: bool = False) -> list[FieldSpec]:
    fields = [
        FieldSpec("id", FieldType.UUID, "Id", nullable=False, system=True, default="uuid"),
        FieldSpec("createdAt", FieldType.DATE_TIME, "Creation date", nullable=False, default="now"),
        FieldSpec("updatedAt", FieldType.DATE_TIME, "Last update", nullable=False, default="now"),
        FieldSpec("deletedAt", FieldType.DATE_TIME, "Deleted at", nullable=True),
    ]
    actor_default = {"source": "'MANUAL'", "name": "''", "workspaceMemberId": None} if custom else ACTOR_DEFAULT
    if "position" in extras:
        fields.append(FieldSpec("position", FieldType.POSITION, "Position", nullable=False, system=True, default=0))
    if "createdBy" in extras:
        fields.append(FieldSpec("createdBy", FieldType.ACTOR, "Created by", nullable=False, default=actor_default))
    if "updatedBy" in extras:
        fields.append(FieldSpec("updatedBy", FieldType.ACTOR, "Updated by", nullable=False, default=actor_default))
    if "searchVector" in extras:
        fields.append(FieldSpec("searchVector", FieldType.TS_VECTOR, "Search vector", system=True))
    return fields


# ---- materialize --------------------------------------------------------------------------


def _field_meta(spec: FieldSpec, object_name: str, *, custom: bool, now: str) -> FieldMeta:
    relation = None
    settings = spec.settings
    if spec.target is not None:
        relation = RelationMeta(MANY_TO_ONE, spec.target, spec.inverse or "", spec.on_delete)
        settings = {
            **(settings or {}),
            "relationType": MANY_TO_ONE,
            "onDelete": spec.on_delete,
            "joinColumnName": spec.name + "Id",
        }
    return FieldMeta(
        id=str(uuid.uuid4()),
        name=spec.name,
        type=spec.type,
        label=spec.label,
        object_name=object_name,
        description=spec.description,
        icon=spec.icon,
        is_nullable=spec.nullable,
        is_unique=spec.unique,
        is_system=spec.system,
        is_custom=custom,
        default_value=spec.default,
        options=tuple(spec.options) if spec.options is not None else None,
        settings=settings,
        relation=relation,
        morph_id=spec.morph_id,
        created_at=now,
        updated_at=now,
    )


def materialize(specs: list[ObjectSpec], now: str, *, custom: bool = False) -> list[ObjectMeta]:
    """Specs → objects with ids, system fields and generated inverse relation fields."""
    by_name = {s.singular: s for s in specs}
    fields: dict[str, list[FieldMeta]] = {}
    for spec in specs:
        declared = system_fields(spec.extras, custom=custom) + spec.fields
        fields[spec.singular] = [_field_meta(f, spec.singular, custom=custom, now=now) for f in declared]
    morph_ids: dict[tuple[str, str], str] = {}
    for spec in specs:
        for f in spec.fields:
            if f.target is None:
                continue
            if f.target not in by_name:
                raise ValueError(f"{spec.singular}.{f.name} targets unknown object {f.target}")
            inverse = FieldMeta(
                id=str(uuid.uuid4()),
                name=f.inverse or "",
                type=FieldType.RELATION,
                label=f.inverse_label or capitalize(f.inverse or ""),
                object_name=f.target,
                is_system=f.inverse_system,
                is_custom=custom,
                settings={"relationType": ONE_TO_MANY},
                relation=RelationMeta(ONE_TO_MANY, spec.singular, f.name),
                created_at=now,
                updated_at=now,
            )
            fields[f.target].append(inverse)
        # morph branches of one object share a morph id
        for i, fm in enumerate(fields[spec.singular]):
            if fm.type == FieldType.MORPH_RELATION and fm.morph_id is None:
                key = (spec.singular, "target")
                morph_ids.setdefault(key, str(uuid.uuid4()))
                fields[spec.singular][i] = replace(fm, morph_id=morph_ids[key])
    objects = []
    for spec in specs:
        names = [f.name for f in fields[spec.singular]]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"{spec.singular} declares {sorted(dupes)} twice")
        objects.append(
            ObjectMeta(
                id=str(uuid.uuid4()),
                name_singular=spec.singular,
                name_plural=spec.plural,
                label_singular=spec.label_singular,
                label_plural=spec.label_plural,
                description=spec.description,
                icon=spec.icon,
                shortcut=spec.shortcut,
                is_custom=custom,
                is_system=spec.system,
                is_searchable=spec.searchable,
                label_identifier_field=spec.label_identifier,
                duplicate_criteria=tuple(tuple(g) for g in spec.duplicate_criteria),
                created_at=now,
                updated_at=now,
                fields=tuple(fields[spec.singular]),
            )
        )
    return objects
