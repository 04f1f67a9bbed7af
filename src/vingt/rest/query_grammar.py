"""The ``filter`` and ``order_by`` query-string grammars of the REST API (REST.md §5–6, DECISIONS.md §3).

Pure parsing: text in, IR (``vingt.engine.ir``) out. No I/O and no metadata lookups; field names
are resolved and values coerced later by the planner. Every malformed input raises
``ApiError("INVALID_FILTER" | "INVALID_ORDER_BY", message, details)`` where ``details["position"]``
is the 0-based character offset in the text where the problem was found.

Filter grammar (Twenty's, plus real quoting)::

    filter      := item ("," item)*                 a top-level list is an implicit and(...)
    item        := conjunction "(" item ("," item)* ")" | condition
    conjunction := "and" | "or" | "not"             lower-case; not(...) takes exactly one item
    condition   := path "[" comparator "]" ":" value
    path        := name | name "." name             name := [A-Za-z0-9_]+
    comparator  := eq | neq | in | containsAny | is | gt | gte | lt | lte
                 | startsWith | endsWith | like | ilike          (case-sensitive)
    value       := list                             for in / containsAny: "[" scalar ("," scalar)* "]"
                 | "NULL" | "NOT_NULL"              for is (taken verbatim, never unquoted)
                 | scalar                           for the others; may be empty
    scalar      := '"' ( char | '\\"' | '\\\\' )* '"'      double-quoted, with two escapes
                 | "'" char* "'"                    single-quoted, no escapes
                 | raw                              unquoted: taken verbatim

* Inside double quotes, ``,`` ``(`` ``)`` ``[`` ``]`` ``:`` and ``'`` are literal; ``\\"`` is a
  quote and ``\\\\`` a backslash; any other backslash is kept as is.
* A raw value runs up to the next ``,`` or ``)`` outside parentheses/brackets opened inside the
  value itself (so ``createdAt[gte]:2024-01-01T00:00:00Z`` and ``name[eq]:f(x)`` are whole values);
  in a list a raw item runs up to the next ``,`` or ``]``. Apostrophes and double quotes inside a
  raw value are ordinary characters (``O'Brien``). Nothing is trimmed.
* Twenty compatibility: when a value starting with a quote is not a well-formed quoted string
  followed by the end of the value, the raw text is used and, as Twenty does, a first and last
  character that are both quote characters (``"`` or ``'``, even mismatched) are stripped
  (``'O'Brien'`` → ``O'Brien``, ``'abc"`` → ``abc``). Otherwise a value opened by ``"`` that is never
  closed is an error.
* The text is at most ``MAX_FILTER_LENGTH`` characters and conjunctions nest at most
  ``MAX_FILTER_DEPTH`` deep (the implicit top-level ``and`` does not count).

Order-by grammar::

    order_by  := item ("," item)*
    item      := path | path "[" direction "]"      missing direction = AscNullsFirst
    direction := AscNullsFirst | AscNullsLast | DescNullsFirst | DescNullsLast

Examples:

>>> parse_filter('name.firstName[ilike]:"%ada%"')
Condition(path=('name', 'firstName'), op='ilike', value='%ada%', position=0)
>>> parse_filter('name.lastName[in]:["O\\'Brien","Smith, Jr."]').value
("O'Brien", 'Smith, Jr.')
>>> f = parse_filter('and(stage[eq]:NEW,or(amount.amountMicros[gt]:1000000,closeDate[is]:NULL))')
>>> f.op, [getattr(item, "op") for item in f.items], f.items[1].position
('and', ['eq', 'or'], 18)
>>> parse_filter('a[eq]:1,b[neq]:"x, y"')
BoolOp(op='and', items=(Condition(path=('a',), op='eq', value='1', position=0), \
Condition(path=('b',), op='neq', value='x, y', position=8)), position=0)
>>> parse_filter('name[foo]:x')
Traceback (most recent call last):
...
vingt.errors.ApiError: 'filter' invalid for 'name[foo]:x', comparator foo not in eq, neq, in, \
containsAny, is, gt, gte, lt, lte, startsWith, endsWith, like, ilike
>>> parse_order_by('name.firstName[DescNullsLast],createdAt')
(OrderItem(path=('name', 'firstName'), direction='DescNullsLast'), \
OrderItem(path=('createdAt',), direction='AscNullsFirst'))
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any, NoReturn

from vingt.engine.ir import COMPARATORS, DIRECTIONS, LIST_COMPARATORS, BoolOp, Condition, Filter, OrderItem
from vingt.errors import ApiError

__all__ = [
    "CONJUNCTIONS",
    "IS_VALUES",
    "MAX_FILTER_DEPTH",
    "MAX_FILTER_LENGTH",
    "MAX_PATH_PARTS",
    "parse_filter",
    "parse_order_by",
]

MAX_FILTER_LENGTH = 10_000
MAX_FILTER_DEPTH = 20
MAX_PATH_PARTS = 2
CONJUNCTIONS = ("and", "or", "not")
IS_VALUES = ("NULL", "NOT_NULL")
DEFAULT_DIRECTION = "AscNullsFirst"

_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_")
_QUOTES = "\"'"
_FILTER_EXAMPLE = "eg: price[gte]:10"
_NOT_MESSAGE = "'filter' invalid. 'not' conjunction should contain only 1 condition. eg: not(field[eq]:1)"
_ORDER_BY_EXAMPLE = "eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3"

# (end of the raw text, offset of an opener left unclosed or None)
_RawScan = Callable[[int], tuple[int, int | None]]


def _name_end(text: str, start: int) -> int:
    """The end of the run of name characters starting at ``start``."""
    j = start
    while j < len(text) and text[j] in _NAME_CHARS:
        j += 1
    return j


# ---------------------------------------------------------------------------------------------
# filter


def parse_filter(text: str) -> Filter:
    """Parse a ``filter`` value into a ``Condition`` or a ``BoolOp`` tree (see the module docstring)."""
    return _FilterParser(text).parse()


class _FilterParser:
    """A single left-to-right pass over ``text``; ``self.i`` is the read position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.i = 0

    # -- errors -------------------------------------------------------------------------------

    @staticmethod
    def _fail(message: str, position: int, **details: Any) -> NoReturn:
        raise ApiError("INVALID_FILTER", message, {"position": position, **details})

    def _malformed(self, cond_start: int, position: int, reason: str) -> NoReturn:
        cond = self._condition_text(cond_start)
        self._fail(
            f"'filter' invalid for '{cond}': {reason} (position {position}). {_FILTER_EXAMPLE}",
            position,
            condition=cond,
        )

    def _condition_text(self, start: int) -> str:
        """The text of the condition starting at ``start``, found leniently (for error messages)."""
        t, j, depth, quoted = self.text, start, 0, False
        while j < self.n:
            c = t[j]
            if quoted:
                if c == "\\":
                    j += 1
                elif c == '"':
                    quoted = False
            elif c == '"':
                quoted = True
            elif c in "([":
                depth += 1
            elif c in ")]":
                if depth == 0 and c == ")":
                    break
                depth = max(0, depth - 1)
            elif c == "," and depth == 0:
                break
            j += 1
        return t[start : min(j, self.n)]

    # -- structure ----------------------------------------------------------------------------

    def parse(self) -> Filter:
        if self.n > MAX_FILTER_LENGTH:
            self._fail(
                f"'filter' invalid: it is {self.n} characters long, "
                f"more than the maximum of {MAX_FILTER_LENGTH}",
                MAX_FILTER_LENGTH,
                length=self.n,
                maxLength=MAX_FILTER_LENGTH,
            )
        if self.n == 0:
            self._fail("'filter' invalid: the filter is empty. " + _FILTER_EXAMPLE, 0)
        items = [self._item(0)]
        while self.i < self.n:
            c = self.text[self.i]
            if c == ",":
                self.i += 1
                items.append(self._item(0))
            elif c == ")":
                self._fail(f"'filter' invalid: ')' at position {self.i} has no matching '('", self.i)
            else:
                self._fail(f"'filter' invalid: unexpected {c!r} at position {self.i}", self.i)
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items), 0)

    def _item(self, depth: int) -> Filter:
        """A conjunction or a condition; ``depth`` is the number of enclosing conjunctions."""
        start = self.i
        if start >= self.n or self.text[start] in ",)":
            self._fail(f"'filter' invalid: empty item at position {start}", start)
        end = _name_end(self.text, start)
        if start < end < self.n and self.text[end] == "(":
            word = self.text[start:end]
            if word not in CONJUNCTIONS:
                self._fail(
                    f"'filter' invalid: unknown conjunction '{word}' at position {start}, "
                    f"expected one of {', '.join(CONJUNCTIONS)}",
                    start,
                    conjunction=word,
                    accepted=list(CONJUNCTIONS),
                )
            return self._conjunction(word, start, end, depth + 1)
        return self._condition()

    def _conjunction(self, op: str, start: int, open_pos: int, depth: int) -> BoolOp:
        if depth > MAX_FILTER_DEPTH:
            self._fail(
                f"'filter' invalid: conjunctions are nested more than {MAX_FILTER_DEPTH} levels deep "
                f"(at position {start})",
                start,
                maxDepth=MAX_FILTER_DEPTH,
            )
        self.i = open_pos + 1
        if self.i < self.n and self.text[self.i] == ")":
            if op == "not":
                self._fail(_NOT_MESSAGE, start, conjunction=op, count=0)
            self._fail(f"'filter' invalid: '{op}()' at position {start} has no items", self.i)
        items: list[Filter] = []
        while True:
            items.append(self._item(depth))
            if self.i >= self.n:
                self._fail(f"'filter' invalid: '(' at position {open_pos} is never closed", open_pos)
            c = self.text[self.i]
            self.i += 1
            if c == ")":
                break
            if c != ",":
                self._fail(f"'filter' invalid: unexpected {c!r} at position {self.i - 1}", self.i - 1)
        if op == "not" and len(items) != 1:
            self._fail(_NOT_MESSAGE, start, conjunction=op, count=len(items))
        return BoolOp(op, tuple(items), start)

    def _condition(self) -> Condition:
        t, start = self.text, self.i
        path = self._path(start)
        if self.i >= self.n or t[self.i] != "[":
            self._malformed(start, self.i, "expected '[' after the field path")
        cmp_start = j = self.i + 1
        while j < self.n and t[j] not in "]()[,":
            j += 1
        if j >= self.n or t[j] != "]":
            self._malformed(start, j, "expected ']' after the comparator")
        op = t[cmp_start:j]
        if op not in COMPARATORS:
            cond = self._condition_text(start)
            self._fail(
                f"'filter' invalid for '{cond}', comparator {op} not in {', '.join(COMPARATORS)}",
                cmp_start,
                condition=cond,
                comparator=op,
                accepted=list(COMPARATORS),
            )
        j += 1
        if j >= self.n or t[j] != ":":
            self._malformed(start, j, "expected ':' after ']'")
        self.i = j + 1
        value: str | tuple[str, ...]
        if op in LIST_COMPARATORS:
            value = self._list_value(start, op)
        else:
            value_start = self.i
            value = self._scalar(start)
            raw = t[value_start : self.i]
            if op == "is" and raw not in IS_VALUES:
                cond = self._condition_text(start)
                self._fail(
                    f"'filter' invalid for '{cond}': 'is' accepts {' or '.join(IS_VALUES)}, got '{raw}'",
                    value_start,
                    condition=cond,
                    comparator=op,
                    accepted=list(IS_VALUES),
                )
        return Condition(path, op, value, start)

    def _path(self, cond_start: int) -> tuple[str, ...]:
        t, parts = self.text, []
        while True:
            s = self.i
            e = _name_end(t, s)
            if e == s:
                got = f"got {t[s]!r}" if s < self.n else "got the end of the filter"
                self._malformed(cond_start, s, f"expected a field name, {got}")
            parts.append(t[s:e])
            self.i = e
            if e < self.n and t[e] == ".":
                if len(parts) == MAX_PATH_PARTS:
                    self._malformed(
                        cond_start, e, f"a field path has at most {MAX_PATH_PARTS} parts (field.subField)"
                    )
                self.i = e + 1
                continue
            return tuple(parts)

    # -- values -------------------------------------------------------------------------------

    def _scalar(self, cond_start: int) -> str:
        value, self.i = self._value(self.i, cond_start, self._raw_scalar_end, in_list=False)
        return value

    def _list_value(self, cond_start: int, op: str) -> tuple[str, ...]:
        t, open_pos = self.text, self.i
        if open_pos >= self.n or t[open_pos] != "[":
            cond = self._condition_text(cond_start)
            received = cond[open_pos - cond_start :]
            self._fail(
                f"'filter' invalid for '{op}' operator. Received '{received}' but array value expected "
                f"eg: 'field[{op}]:[value_1,value_2]'",
                open_pos,
                condition=cond,
                comparator=op,
            )
        self.i = open_pos + 1
        if self.i < self.n and t[self.i] == "]":
            cond = self._condition_text(cond_start)
            self._fail(
                f"'filter' invalid for '{cond}': '{op}' expects a non-empty list",
                open_pos,
                condition=cond,
                comparator=op,
            )
        items: list[str] = []
        while True:
            item_start = self.i
            if item_start < self.n and t[item_start] in ",]":
                self._malformed(cond_start, item_start, 'empty list item (write "" for an empty string)')
            value, end = self._value(item_start, cond_start, self._raw_item_end, in_list=True)
            items.append(value)
            if end >= self.n:
                self._malformed(cond_start, open_pos, "'[' of the list is never closed")
            self.i = end + 1
            if t[end] == "]":
                break
        if self.i < self.n and t[self.i] not in ",)":
            self._malformed(cond_start, self.i, f"unexpected {t[self.i]!r} after the list")
        return tuple(items)

    def _value(self, start: int, cond_start: int, raw_scan: _RawScan, *, in_list: bool) -> tuple[str, int]:
        """One scalar (a whole value, or a list item) at ``start``: (its value, the offset after it)."""
        t = self.text
        first = t[start] if start < self.n else ""
        is_quoted = first != "" and first in _QUOTES
        quoted: tuple[str, int] | None = None
        if is_quoted:
            quoted = self._quoted(start)
            if quoted is not None and self._ends_value(quoted[1], in_list):
                return quoted
        end, unclosed = raw_scan(start)
        raw = t[start:end]
        if is_quoted:
            if unclosed is None and len(raw) >= 2 and raw[-1] in _QUOTES:
                return raw[1:-1], end  # Twenty: strip a leading and a trailing quote character
            if first == '"':
                if quoted is None:
                    self._malformed(cond_start, start, "unterminated quoted value")
                self._malformed(cond_start, quoted[1], f"unexpected {t[quoted[1]]!r} after the closing quote")
        if unclosed is not None:
            self._malformed(cond_start, unclosed, f"{t[unclosed]!r} in the value is never closed")
        return raw, end

    def _ends_value(self, j: int, in_list: bool) -> bool:
        if in_list:
            return j >= self.n or self.text[j] in ",]"  # at the end: the caller reports the open '['
        return j >= self.n or self.text[j] in ",)"

    def _quoted(self, start: int) -> tuple[str, int] | None:
        """The quoted string opened at ``start``: (its content, the offset after the closing quote),
        or None when it is never closed."""
        t, quote = self.text, self.text[start]
        out: list[str] = []
        j = start + 1
        while j < self.n:
            c = t[j]
            if c == quote:
                return "".join(out), j + 1
            if quote == '"' and c == "\\" and j + 1 < self.n and t[j + 1] in '"\\':
                out.append(t[j + 1])
                j += 2
                continue
            out.append(c)
            j += 1
        return None

    def _raw_scalar_end(self, start: int) -> tuple[int, int | None]:
        """End of a raw value: the first ``,`` or ``)`` outside brackets/parentheses opened in it.
        Inside ``[...]`` only brackets nest; a ``]`` that closes nothing is an ordinary character."""
        t, j = self.text, start
        openers: list[int] = []
        while j < self.n:
            c = t[j]
            top = t[openers[-1]] if openers else ""
            if c == "[":
                openers.append(j)
            elif c == "]":
                if top == "[":
                    openers.pop()
            elif top == "[":
                pass
            elif c == "(":
                openers.append(j)
            elif c == ")":
                if not openers:
                    return j, None
                openers.pop()
            elif c == "," and not openers:
                return j, None
            j += 1
        return j, (openers[-1] if openers else None)

    def _raw_item_end(self, start: int) -> tuple[int, int | None]:
        """End of a raw list item: the next ``,`` or ``]``."""
        j = start
        while j < self.n and self.text[j] not in ",]":
            j += 1
        return j, None


# ---------------------------------------------------------------------------------------------
# order_by


def _order_fail(message: str, position: int, **details: Any) -> NoReturn:
    raise ApiError("INVALID_ORDER_BY", message, {"position": position, **details})


def parse_order_by(text: str) -> tuple[OrderItem, ...]:
    """Parse an ``order_by`` value into ``OrderItem``s, in order (see the module docstring)."""
    n, i = len(text), 0
    items: list[OrderItem] = []
    while True:
        item_start = i
        parts: list[str] = []
        while True:  # the path
            end = _name_end(text, i)
            if end == i:
                c = text[i] if i < n else ""
                if not parts and c in ("", ","):
                    reason = "empty item"
                elif c in ("", ",", ".", "["):
                    reason = "empty field name"
                else:
                    reason = f"unexpected {c!r}"
                item = text[item_start:].split(",", 1)[0]
                _order_fail(
                    f"'order_by' invalid: {reason} at position {i}. {_ORDER_BY_EXAMPLE}", i, item=item
                )
            parts.append(text[i:end])
            i = end
            if i < n and text[i] == ".":
                if len(parts) == MAX_PATH_PARTS:
                    _order_fail(
                        f"'order_by' invalid: a field path has at most {MAX_PATH_PARTS} parts (field.subField), "
                        f"at position {i}. {_ORDER_BY_EXAMPLE}",
                        i,
                        item=text[item_start:].split(",", 1)[0],
                    )
                i += 1
                continue
            break
        direction = DEFAULT_DIRECTION
        if i < n and text[i] == "[":
            open_pos = i
            close = i + 1
            while close < n and text[close] not in "[],":
                close += 1
            if close >= n or text[close] != "]":
                _order_fail(
                    f"'order_by' invalid: '[' at position {open_pos} is not closed by ']'. {_ORDER_BY_EXAMPLE}",
                    open_pos,
                )
            direction = text[open_pos + 1 : close]
            if direction not in DIRECTIONS:
                allowed = ", ".join(f"'{d}'" for d in DIRECTIONS)
                _order_fail(
                    f"'order_by' direction '{direction}' invalid. Allowed values are {allowed}. {_ORDER_BY_EXAMPLE}",
                    open_pos + 1,
                    direction=direction,
                    accepted=list(DIRECTIONS),
                )
            i = close + 1
        items.append(OrderItem(tuple(parts), direction))
        if i >= n:
            return tuple(items)
        if text[i] != ",":
            _order_fail(f"'order_by' invalid: unexpected {text[i]!r} at position {i}. {_ORDER_BY_EXAMPLE}", i)
        i += 1
