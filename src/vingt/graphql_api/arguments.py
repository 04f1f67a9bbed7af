"""A field's arguments coerced once per plan: graphql-core's ``get_argument_values`` run with a
placeholder where each variable is; a request puts its variables' values in the placeholders.
A variable that is missing or ``null`` (where graphql-core applies defaults or refuses the
value), or arguments that graphql-core does more with than place a variable's value, are
coerced by graphql-core on each request as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLField, ListValueNode, ObjectValueNode, VariableNode
from graphql.execution.values import VariableValues, get_argument_values


class _Slot:
    """Where a variable's value goes in coerced arguments."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


@dataclass
class Arguments:
    """A field's arguments, coerced with a ``_Slot`` for each variable (``value``), or ``None``
    when that could not be done (graphql-core coerces them on each request)."""

    value: Any
    names: tuple[str, ...]


def _variables_in(node: Any, out: list[str]) -> None:
    if isinstance(node, VariableNode):
        out.append(node.name.value)
    elif isinstance(node, ListValueNode):
        for item in node.values:
            _variables_in(item, out)
    elif isinstance(node, ObjectValueNode):
        for f in node.fields:
            _variables_in(f.value, out)


def _slots(value: Any, out: list[str]) -> None:
    if isinstance(value, _Slot):
        out.append(value.name)
    elif isinstance(value, dict):
        for v in value.values():
            _slots(v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _slots(v, out)


def arguments_of(fdef: GraphQLField, node: FieldNode) -> Arguments | None:
    """``node``'s arguments coerced once, each variable a ``_Slot``: ``None`` when graphql-core
    does anything with a variable but place its value (every slot must be found where the
    document has a variable)."""
    names: list[str] = []
    for argument in node.arguments or ():
        _variables_in(argument.value, names)
    probe = VariableValues({}, {n: _Slot(n) for n in names})
    try:
        value = get_argument_values(fdef, node, probe)
    except Exception:  # noqa: BLE001 - coerced on each request instead, errors included
        return None
    found: list[str] = []
    _slots(value, found)
    if sorted(found) != sorted(names):
        return None
    return Arguments(value, tuple(dict.fromkeys(names)))


def _fill(value: Any, coerced: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, coerced) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, coerced) for v in value]
    if isinstance(value, _Slot):
        return coerced[value.name]
    return value


@dataclass
class ArgumentCache:
    """The ``Arguments`` of a plan's fields, by field node (the plan holds its nodes)."""

    by_node: dict[int, tuple[FieldNode, Arguments | None]] = field(default_factory=dict)

    def values(self, fdef: GraphQLField, node: FieldNode, variables: VariableValues | None) -> dict[str, Any]:
        """``get_argument_values(fdef, node, variables)``."""
        entry = self.by_node.get(id(node))
        if entry is None or entry[0] is not node:
            entry = self.by_node[id(node)] = (node, arguments_of(fdef, node))
        args = entry[1]
        if args is None or variables is None:
            return get_argument_values(fdef, node, variables)
        coerced = variables.coerced
        for name in args.names:
            if coerced.get(name) is None:  # missing or null: defaults and errors are graphql-core's
                return get_argument_values(fdef, node, variables)
        return _fill(args.value, coerced)  # type: ignore[no-any-return]
