"""The filter / order_by grammar (REST.md §5–6, DECISIONS.md §3): pure parsing, no metadata."""

from __future__ import annotations

import doctest

import pytest

from vingt.engine.ir import COMPARATORS, DIRECTIONS, BoolOp, Condition, Filter, OrderItem
from vingt.errors import ApiError
from vingt.rest import query_grammar
from vingt.rest.query_grammar import MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parse_filter, parse_order_by


def C(path: str, op: str, value: str | tuple[str, ...], position: int = 0) -> Condition:
    return Condition(tuple(path.split(".")), op, value, position)


def B(op: str, *items: Filter, position: int = 0) -> BoolOp:
    return BoolOp(op, tuple(items), position)


def filter_error(text: str) -> ApiError:
    with pytest.raises(ApiError) as info:
        parse_filter(text)
    assert info.value.code == "INVALID_FILTER"
    assert info.value.status == 400
    return info.value


def order_by_error(text: str) -> ApiError:
    with pytest.raises(ApiError) as info:
        parse_order_by(text)
    assert info.value.code == "INVALID_ORDER_BY"
    return info.value


def test_doctests() -> None:
    result = doctest.testmod(query_grammar)
    assert result.attempted > 0
    assert result.failed == 0


# ---------------------------------------------------------------------------------------------
# filter: conditions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a[eq]:1", C("a", "eq", "1")),
        ("a[neq]:1", C("a", "neq", "1")),
        ("a[in]:[1,2]", C("a", "in", ("1", "2"))),
        ("a[containsAny]:[x]", C("a", "containsAny", ("x",))),
        ("a[is]:NULL", C("a", "is", "NULL")),
        ("a[is]:NOT_NULL", C("a", "is", "NOT_NULL")),
        ("a[gt]:1", C("a", "gt", "1")),
        ("a[gte]:1", C("a", "gte", "1")),
        ("a[lt]:1", C("a", "lt", "1")),
        ("a[lte]:1", C("a", "lte", "1")),
        ("a[startsWith]:Ad", C("a", "startsWith", "Ad")),
        ("a[endsWith]:da", C("a", "endsWith", "da")),
        ("a[like]:%Ad%", C("a", "like", "%Ad%")),
        ("a[ilike]:%ad%", C("a", "ilike", "%ad%")),
    ],
)
def test_every_comparator(text: str, expected: Condition) -> None:
    assert parse_filter(text) == expected


def test_comparator_table_is_covered() -> None:
    assert set(COMPARATORS) == {
        "eq", "neq", "in", "containsAny", "is", "gt", "gte", "lt", "lte",
        "startsWith", "endsWith", "like", "ilike",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Twenty's documented examples
        ('createdAt[gte]:"2024-01-01"', C("createdAt", "gte", "2024-01-01")),
        ("emails.primaryEmail[eq]:ada@example.com", C("emails.primaryEmail", "eq", "ada@example.com")),
        ('name.firstName[ilike]:"%ada%"', C("name.firstName", "ilike", "%ada%")),
        ("companyId[in]:[a,b]", C("companyId", "in", ("a", "b"))),
        ('companyId[in]:["c1","c2"]', C("companyId", "in", ("c1", "c2"))),
        ("deletedAt[is]:NOT_NULL", C("deletedAt", "is", "NOT_NULL")),
        ("createdAt[gte]:2024-01-01T00:00:00Z", C("createdAt", "gte", "2024-01-01T00:00:00Z")),
        ("position[lte]:1", C("position", "lte", "1")),
        ("idealCustomerProfile[eq]:true", C("idealCustomerProfile", "eq", "true")),
        ("stage[eq]:NEW", C("stage", "eq", "NEW")),
        # composite paths
        ("amount.amountMicros[gt]:1000000", C("amount.amountMicros", "gt", "1000000")),
        ("address.addressCity[neq]:Paris", C("address.addressCity", "neq", "Paris")),
        ("createdBy.workspaceMemberId[is]:NULL", C("createdBy.workspaceMemberId", "is", "NULL")),
        ("field_1[eq]:x", C("field_1", "eq", "x")),
        # field named like a conjunction
        ("and[eq]:1", C("and", "eq", "1")),
        ("not.x[eq]:1", C("not.x", "eq", "1")),
    ],
)
def test_twenty_style_conditions(text: str, expected: Filter) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # double quotes: the quotes are removed; , ( ) [ ] : ' are literal inside
        ('a[eq]:"x, y"', "x, y"),
        ('a[eq]:"f(x)"', "f(x)"),
        ('a[eq]:"("', "("),
        ('a[eq]:")"', ")"),
        ('a[eq]:"[1,2]"', "[1,2]"),
        ('a[eq]:"]"', "]"),
        ('a[eq]:"10:30"', "10:30"),
        ('a[eq]:"O\'Brien"', "O'Brien"),
        ("a[eq]:\"Smith, Jr. (CEO) [x]: 'y'\"", "Smith, Jr. (CEO) [x]: 'y'"),
        # escapes
        ('a[eq]:"say \\"hi\\""', 'say "hi"'),
        ('a[eq]:"back\\\\slash"', "back\\slash"),
        ('a[eq]:"C:\\\\"', "C:\\"),
        ('a[eq]:"\\n stays"', "\\n stays"),  # any other backslash is literal
        ('a[eq]:""', ""),
        # single quotes: no escapes
        ("a[eq]:'x, y'", "x, y"),
        ("a[eq]:'a\\b'", "a\\b"),
        ("a[eq]:''", ""),
        # unquoted values are raw
        ("a[eq]:O'Brien", "O'Brien"),
        ("a[eq]:it's", "it's"),
        ('a[eq]:5"', '5"'),
        ('a[eq]:say "hi"', 'say "hi"'),
        ("a[eq]:a:b:c", "a:b:c"),
        ("a[eq]:f(x)", "f(x)"),
        ("a[eq]:f(g(x),y)", "f(g(x),y)"),
        ("a[eq]:[1,2]", "[1,2]"),
        ("a[eq]:[(]", "[(]"),
        ("a[eq]:x]y", "x]y"),
        ("a[eq]: padded ", " padded "),
        ("a[eq]:", ""),
        ("a[eq]:%E9t%C3", "%E9t%C3"),
        ("a[eq]:caf\u00e9", "caf\u00e9"),
        # Twenty: a value starting and ending with a quote character loses both, even mismatched
        ("a[eq]:'abc\"", "abc"),
        ("a[eq]:\"abc'", "abc"),
        ("a[eq]:'O'Brien'", "O'Brien"),
        ('a[eq]:"a"b"', 'a"b'),
        ('a[eq]:"a\\"', "a\\"),  # Twenty has no escapes: "a\" is a\
        # a lone or unbalanced apostrophe is an ordinary character
        ("a[eq]:'", "'"),
        ("a[eq]:'abc", "'abc"),
        ("a[eq]:'a'b", "'a'b"),
    ],
)
def test_scalar_values(text: str, value: str) -> None:
    assert parse_filter(text) == C("a", "eq", value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('name.lastName[in]:["O\'Brien","Smith, Jr."]', ("O'Brien", "Smith, Jr.")),
        ('name.lastName[in]:["a(b)","[c]","d:e","f\\"g","h\\\\i"]', ("a(b)", "[c]", "d:e", 'f"g', "h\\i")),
        ("name.lastName[in]:['x, y',z]", ("x, y", "z")),
        ("name.lastName[in]:[a,\"b\",'c']", ("a", "b", "c")),
        ('name.lastName[in]:[""]', ("",)),
        ('name.lastName[in]:["",x]', ("", "x")),
        ("name.lastName[in]:[O'Brien,x]", ("O'Brien", "x")),
        ("name.lastName[in]:[a, b]", ("a", " b")),  # raw, like Twenty: nothing is trimmed
        ("name.lastName[in]:[a(b,c)]", ("a(b", "c)")),  # parentheses are ordinary inside a list
        ("name.lastName[in]:[2024-01-01T00:00:00Z]", ("2024-01-01T00:00:00Z",)),
        ("name.lastName[containsAny]:[\"x,y\",'z']", ("x,y", "z")),
    ],
)
def test_list_values(text: str, value: tuple[str, ...]) -> None:
    condition = parse_filter(text)
    assert isinstance(condition, Condition)
    assert condition.path == ("name", "lastName")
    assert condition.value == value


# ---------------------------------------------------------------------------------------------
# filter: structure


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a[eq]:1,b[eq]:2", B("and", C("a", "eq", "1"), C("b", "eq", "2", 8))),
        (
            'a[eq]:"x,y",b[in]:[1,2],c[is]:NULL',
            B("and", C("a", "eq", "x,y"), C("b", "in", ("1", "2"), 12), C("c", "is", "NULL", 24)),
        ),
        ("a[eq]:f(x),b[eq]:1", B("and", C("a", "eq", "f(x)"), C("b", "eq", "1", 11))),
        (
            "and(a[eq]:1),b[eq]:2",
            B("and", B("and", C("a", "eq", "1", 4)), C("b", "eq", "2", 13)),
        ),
        (
            "or(a[eq]:1,b[eq]:2),not(c[eq]:3)",
            B(
                "and",
                B("or", C("a", "eq", "1", 3), C("b", "eq", "2", 11)),
                B("not", C("c", "eq", "3", 24), position=20),
            ),
        ),
    ],
)
def test_implicit_and(text: str, expected: Filter) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and(a[eq]:1)", B("and", C("a", "eq", "1", 4))),
        ("not(a[eq]:1)", B("not", C("a", "eq", "1", 4))),
        ("or(a[eq]:1,b[eq]:2)", B("or", C("a", "eq", "1", 3), C("b", "eq", "2", 11))),
        (
            'or(createdAt[gte]:"2024-01-01",createdAt[lte]:"2023-01-01",not(id[is]:NULL))',
            B(
                "or",
                C("createdAt", "gte", "2024-01-01", 3),
                C("createdAt", "lte", "2023-01-01", 31),
                B("not", C("id", "is", "NULL", 63), position=59),
            ),
        ),
        (
            "and(stage[eq]:NEW,or(amount.amountMicros[gt]:1000000,closeDate[is]:NULL))",
            B(
                "and",
                C("stage", "eq", "NEW", 4),
                B(
                    "or",
                    C("amount.amountMicros", "gt", "1000000", 21),
                    C("closeDate", "is", "NULL", 53),
                    position=18,
                ),
            ),
        ),
        # three levels deep
        (
            "and(or(not(a[eq]:1),and(b[eq]:2,c[eq]:3)),not(or(d[eq]:4,e[is]:NULL)))",
            B(
                "and",
                B(
                    "or",
                    B("not", C("a", "eq", "1", 11), position=7),
                    B("and", C("b", "eq", "2", 24), C("c", "eq", "3", 32), position=20),
                    position=4,
                ),
                B(
                    "not",
                    B("or", C("d", "eq", "4", 49), C("e", "is", "NULL", 57), position=46),
                    position=42,
                ),
            ),
        ),
        # quoted values protect the structure
        (
            'or(a[eq]:"x)",b[eq]:"y,z",c[in]:["(",")"])',
            B("or", C("a", "eq", "x)", 3), C("b", "eq", "y,z", 14), C("c", "in", ("(", ")"), 26)),
        ),
        ("and(a[eq]:'x,y',b[eq]:O'Brien)", B("and", C("a", "eq", "x,y", 4), C("b", "eq", "O'Brien", 16))),
        ("and(a[eq]:f(x),b[eq]:[1,2])", B("and", C("a", "eq", "f(x)", 4), C("b", "eq", "[1,2]", 15))),
        ("or(a[eq]:,b[eq]:)", B("or", C("a", "eq", "", 3), C("b", "eq", "", 10))),
    ],
)
def test_conjunctions(text: str, expected: Filter) -> None:
    assert parse_filter(text) == expected


def test_condition_and_conjunction_positions_point_at_the_text() -> None:
    text = "and(stage[eq]:NEW,or(amount.amountMicros[gt]:1000000,not(closeDate[is]:NULL)))"
    seen: list[tuple[int, str]] = []

    def walk(node: Filter) -> None:
        if isinstance(node, Condition):
            seen.append((node.position, ".".join(node.path)))
        else:
            seen.append((node.position, node.op + "("))
            for item in node.items:
                walk(item)

    walk(parse_filter(text))
    for position, start in seen:
        assert text[position:].startswith(start)


def test_nesting_up_to_the_bound() -> None:
    text = "not(" * MAX_FILTER_DEPTH + "a[eq]:1" + ")" * MAX_FILTER_DEPTH
    node = parse_filter(text)
    for _ in range(MAX_FILTER_DEPTH):
        assert isinstance(node, BoolOp) and node.op == "not"
        node = node.items[0]
    assert node == C("a", "eq", "1", 4 * MAX_FILTER_DEPTH)


def test_nesting_beyond_the_bound() -> None:
    depth = MAX_FILTER_DEPTH + 1
    error = filter_error("and(" * depth + "a[eq]:1" + ")" * depth)
    assert error.details["position"] == 4 * MAX_FILTER_DEPTH
    assert error.details["maxDepth"] == MAX_FILTER_DEPTH
    assert str(MAX_FILTER_DEPTH) in error.message


def test_deep_nesting_does_not_recurse_unboundedly() -> None:
    error = filter_error("or(" * 2000 + "a[eq]:1" + ")" * 2000)  # under MAX_FILTER_LENGTH
    assert error.details["maxDepth"] == MAX_FILTER_DEPTH


def test_length_bound() -> None:
    prefix = "a[eq]:"
    assert parse_filter(prefix + "x" * (MAX_FILTER_LENGTH - len(prefix))) == C(
        "a", "eq", "x" * (MAX_FILTER_LENGTH - len(prefix))
    )
    error = filter_error(prefix + "x" * (MAX_FILTER_LENGTH - len(prefix) + 1))
    assert error.details["position"] == MAX_FILTER_LENGTH
    assert error.details["maxLength"] == MAX_FILTER_LENGTH
    assert error.details["length"] == MAX_FILTER_LENGTH + 1
    assert str(MAX_FILTER_LENGTH) in error.message


# ---------------------------------------------------------------------------------------------
# filter: errors


@pytest.mark.parametrize(
    ("text", "position"),
    [
        # empty
        ("", 0),
        (",a[eq]:1", 0),
        ("a[eq]:1,", 8),
        ("a[eq]:1,,b[eq]:2", 8),
        ("and(a[eq]:1,)", 12),
        ("and(,a[eq]:1)", 4),
        ("and()", 4),
        ("or(a[eq]:1,,b[eq]:2)", 11),
        # unbalanced parentheses
        ("and(a[eq]:1", 3),
        ("and(or(a[eq]:1)", 3),
        ("and(a[eq]:1,or(b[eq]:2)", 3),
        ("a[eq]:1)", 7),
        ("and(a[eq]:1))", 12),
        ("a[eq]:x(", 7),
        ("and(a[eq]:f(x)", 3),
        ("(a[eq]:1)", 0),
        # unknown conjunction (lower-case only)
        ("xor(a[eq]:1)", 0),
        ("AND(a[eq]:1)", 0),
        ("and(a[eq]:1,nor(b[eq]:2))", 12),
        # not takes exactly one item
        ("not()", 0),
        ("not(a[eq]:1,b[eq]:2)", 0),
        ("and(x[eq]:1,not(a[eq]:1,b[eq]:2))", 12),
        # trailing garbage after a closing parenthesis / a value
        ("and(a[eq]:1)x", 12),
        ("and(a[eq]:1) ", 12),
        ("and(or(a[eq]:1)x)", 15),
        ('a[eq]:"x"y', 9),
        ('a[eq]:"x" ', 9),
        ('and(a[eq]:"x"y,b[eq]:1)', 13),
        ("a[in]:[1,2]x", 11),
        # not path[comparator]:value
        ("a", 1),
        ("a[eq]", 5),
        ("a[eq]1", 5),
        ("a[eq", 4),
        ("a[eq:1", 6),
        ("a(eq):1", 0),
        ("[eq]:1", 0),
        (" a[eq]:1", 0),
        ("a [eq]:1", 1),
        ("and(a[eq]:1, b[eq]:2)", 12),
        ("a.[eq]:1", 2),
        (".a[eq]:1", 0),
        ("a..b[eq]:1", 2),
        ("a.b.c[eq]:1", 3),
        ("a-b[eq]:1", 1),
        ("a[e,q]:1", 3),
        # unknown comparator (case-sensitive)
        ("a[foo]:1", 2),
        ("a[EQ]:1", 2),
        ("a[containsany]:[1]", 2),
        ("a[]:1", 2),
        ("a[regex]:x", 2),
        ("and(b[eq]:1,a[foo]:1)", 14),
        # is
        ("a[is]:null", 6),
        ("a[is]:", 6),
        ("a[is]:true", 6),
        ('a[is]:"NULL"', 6),
        ("a[is]:NULL ", 6),
        # lists
        ("a[in]:1", 6),
        ("a[in]:", 6),
        ('a[in]:"[1,2]"', 6),
        ("a[containsAny]:x", 15),
        ("a[in]:[]", 6),
        ("a[in]:[1,]", 9),
        ("a[in]:[,1]", 7),
        ("a[in]:[1,,2]", 9),
        ("a[in]:[1,2", 6),
        ('a[in]:["1,2"', 6),
        ("and(a[in]:[1,2)", 10),
        ('a[in]:["1" ,"2"]', 10),
        ('a[in]:["1"x]', 10),
        # unterminated quotes
        ('a[eq]:"abc', 6),
        ('a[eq]:"', 6),
        ('and(a[eq]:"x,b[eq]:1)', 10),
        ('a[in]:["x]', 7),
        ('a[in]:[a,"x]', 9),
        # unbalanced bracket in a raw value
        ("a[eq]:[x", 6),
    ],
)
def test_malformed_filters(text: str, position: int) -> None:
    error = filter_error(text)
    assert error.details["position"] == position
    assert error.message.startswith("'filter' invalid")


def test_unknown_comparator_message_is_twentys() -> None:
    error = filter_error("name[foo]:x")
    assert error.message == (
        "'filter' invalid for 'name[foo]:x', comparator foo not in eq, neq, in, containsAny, is, gt, gte, "
        "lt, lte, startsWith, endsWith, like, ilike"
    )
    assert error.details == {
        "position": 5,
        "condition": "name[foo]:x",
        "comparator": "foo",
        "accepted": list(COMPARATORS),
    }


def test_unknown_comparator_reports_the_whole_condition() -> None:
    error = filter_error('or(a[eq]:1,name[foo]:"x, y")')
    assert error.details["condition"] == 'name[foo]:"x, y"'
    assert error.details["position"] == 16


def test_not_message_is_twentys() -> None:
    error = filter_error("not(a[eq]:1,b[eq]:2)")
    assert error.message == (
        "'filter' invalid. 'not' conjunction should contain only 1 condition. eg: not(field[eq]:1)"
    )


def test_unknown_conjunction_lists_the_accepted_ones() -> None:
    error = filter_error("xor(a[eq]:1)")
    assert error.details["accepted"] == ["and", "or", "not"]
    assert "xor" in error.message


def test_is_lists_the_accepted_values() -> None:
    error = filter_error("deletedAt[is]:null")
    assert error.details["accepted"] == ["NULL", "NOT_NULL"]
    assert error.details["comparator"] == "is"
    assert error.details["condition"] == "deletedAt[is]:null"


def test_in_without_a_list_gives_twentys_message() -> None:
    error = filter_error("id[in]:abc")
    assert error.message == (
        "'filter' invalid for 'in' operator. Received 'abc' but array value expected "
        "eg: 'field[in]:[value_1,value_2]'"
    )
    assert error.details["comparator"] == "in"


def test_malformed_condition_names_the_condition() -> None:
    error = filter_error("and(a[eq]:1,price)")
    assert error.details["condition"] == "price"
    assert error.details["position"] == 17
    assert "eg: price[gte]:10" in error.message


def test_errors_render_as_400_bodies() -> None:
    body = filter_error("a[eq]:1)").body()
    assert body["statusCode"] == 400
    assert body["error"]["code"] == "INVALID_FILTER"
    assert body["error"]["details"]["position"] == 7


# ---------------------------------------------------------------------------------------------
# order_by


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name", (OrderItem(("name",)),)),
        ("createdAt[AscNullsFirst]", (OrderItem(("createdAt",), "AscNullsFirst"),)),
        ("createdAt[AscNullsLast]", (OrderItem(("createdAt",), "AscNullsLast"),)),
        ("createdAt[DescNullsFirst]", (OrderItem(("createdAt",), "DescNullsFirst"),)),
        ("createdAt[DescNullsLast]", (OrderItem(("createdAt",), "DescNullsLast"),)),
        ("name.firstName[AscNullsLast]", (OrderItem(("name", "firstName"), "AscNullsLast"),)),
        (
            "field_1[AscNullsFirst],field_2[DescNullsLast],field_3",
            (
                OrderItem(("field_1",), "AscNullsFirst"),
                OrderItem(("field_2",), "DescNullsLast"),
                OrderItem(("field_3",), "AscNullsFirst"),
            ),
        ),
        (
            "amount.amountMicros[DescNullsLast],id",
            (OrderItem(("amount", "amountMicros"), "DescNullsLast"), OrderItem(("id",))),
        ),
        ("a,a", (OrderItem(("a",)), OrderItem(("a",)))),  # duplicates are the planner's business
    ],
)
def test_order_by(text: str, expected: tuple[OrderItem, ...]) -> None:
    assert parse_order_by(text) == expected


def test_order_by_default_direction() -> None:
    assert parse_order_by("name")[0].direction == "AscNullsFirst" == DIRECTIONS[0]


def test_unknown_direction_message_is_twentys() -> None:
    error = order_by_error("name[desc]")
    assert error.message == (
        "'order_by' direction 'desc' invalid. Allowed values are 'AscNullsFirst', 'AscNullsLast', "
        "'DescNullsFirst', 'DescNullsLast'. eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3"
    )
    assert error.details == {"direction": "desc", "accepted": list(DIRECTIONS), "position": 5}


@pytest.mark.parametrize(
    ("text", "position"),
    [
        # unknown directions (case-sensitive)
        ("a[desc]", 2),
        ("a[ascNullsFirst]", 2),
        ("a[Asc]", 2),
        ("a[]", 2),
        ("a,b[DESC]", 4),
        # empty items
        ("", 0),
        (",a", 0),
        ("a,", 2),
        ("a,,b", 2),
        # malformed brackets
        ("a[", 1),
        ("a[AscNullsFirst", 1),
        ("a[AscNullsFirst,b", 1),
        ("a[[AscNullsFirst]]", 1),
        ("a]", 1),
        ("a[AscNullsFirst]x", 16),
        ("a[AscNullsFirst][DescNullsLast]", 16),
        ("[AscNullsFirst]", 0),
        # paths
        ("a.b.c", 3),
        ("a.b.c[AscNullsFirst]", 3),
        ("a.", 2),
        (".a", 0),
        ("a..b", 2),
        ("a.[AscNullsFirst]", 2),
        ("a b", 1),
        (" a", 0),
        ("a, b", 2),
        ("a-b", 1),
    ],
)
def test_malformed_order_by(text: str, position: int) -> None:
    error = order_by_error(text)
    assert error.details["position"] == position
    assert error.message.startswith("'order_by'")
