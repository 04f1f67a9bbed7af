"""What a request's operation needs that does not depend on its variables' values, worked out
once per (document text, operation name) and kept with the schema (``CoreSchema.plans``).

- ``Prepared``: the operation, whether it is a mutation, its rate cost, its fragments, the
  signatures of its variables and — unless a directive (which may read variables) can change
  it — its plan.
- ``Prepared.variables``: the variables coerced as graphql-core's ``get_variable_values`` does,
  with the signatures kept; a variable left out that has a default, or any value graphql-core
  refuses, goes through ``get_variable_values`` itself, so that its errors are its own.
- the plan's ``arguments`` (``graphql_api.arguments``): each field's arguments coerced once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    is_non_null_type,
)
from graphql.execution.get_variable_signature import GraphQLVariableSignature, get_variable_signature
from graphql.execution.values import (
    VariableValues,
    VariableValueSource,
    get_variable_values,
    input_is_nested_too_deeply,
)
from graphql.pyutils import Undefined
from graphql.utilities.coerce_input_value import coerce_input_value

from vingt.graphql_api.common import root_field_count
from vingt.graphql_api.translate import Plan


@dataclass
class Prepared:
    operation: OperationDefinitionNode
    mutation: bool
    root_fields: int  # the rate cost
    fragments: dict[str, FragmentDefinitionNode]
    signatures: list[GraphQLVariableSignature] | None  # None: a variable's type is not the schema's
    directives: bool  # the document has directives: its plan is made per request
    plan: Plan | None = None


def prepare(schema: GraphQLSchema, query: str, doc: DocumentNode, op_name: Any,
            operation: OperationDefinitionNode) -> Prepared:
    signatures: list[GraphQLVariableSignature] | None = []
    for definition in operation.variable_definitions or ():
        signature = get_variable_signature(schema, definition)
        if isinstance(signature, GraphQLError):
            signatures = None
            break
        assert signatures is not None
        signatures.append(signature)
    return Prepared(
        operation, operation.operation.value == "mutation", root_field_count(doc, op_name),
        {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)},
        signatures, "@" in query,
    )


def coerce_variables(schema: GraphQLSchema, prepared: Prepared, inputs: dict[str, Any]) -> VariableValues | list[GraphQLError]:
    """``get_variable_values(schema, operation's definitions, inputs)``, without working out the
    variables' signatures again."""
    definitions = prepared.operation.variable_definitions or ()
    if prepared.signatures is None:
        return get_variable_values(schema, definitions, inputs)
    sources: dict[str, VariableValueSource] = {}
    coerced: dict[str, Any] = {}
    for definition, signature in zip(definitions, prepared.signatures, strict=True):
        name = signature.name
        value = inputs.get(name, Undefined)
        if value is Undefined:
            if definition.default_value is not None or is_non_null_type(signature.type):
                return get_variable_values(schema, definitions, inputs)  # a default, or an error
            sources[name] = VariableValueSource(signature)
            continue
        sources[name] = VariableValueSource(signature, value)
        try:
            if input_is_nested_too_deeply(value, signature.type):
                return get_variable_values(schema, definitions, inputs)
            found = coerce_input_value(value, signature.type)
        except Exception:  # noqa: BLE001 - graphql-core says what is wrong
            return get_variable_values(schema, definitions, inputs)
        if found is Undefined:
            return get_variable_values(schema, definitions, inputs)
        coerced[name] = found
    return VariableValues(sources, coerced)
