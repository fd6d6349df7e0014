"""CloudWatch metric math: an alarm's expression parsed in full, evaluated where exact.

The language and its semantics are those of the Amazon CloudWatch User Guide, "Using metric
math", section "Metric math syntax and functions" (cited below by its sub-section titles):

- Functions are written in uppercase; an id (a metric's or another expression's) starts
  with a lowercase letter and holds letters, digits and underscores (the page's
  introduction and "Metric math syntax and functions").
- "Basic arithmetic functions": ``+ - * / ^`` between scalars (S), time series (TS) and
  arrays of time series (TS[]), and unary ``-``. "Missing values in a time series are
  treated as 0. If the value of a data point causes a function to attempt to divide by zero,
  the data point is dropped." A time series operand is missing at a timestamp where the
  other operand has a value; where neither has one, there is no data point.
- "Comparison and logical operators": ``== != <= >= < >`` and ``AND``/``&&``, ``OR``/``||``
  give 1 (true) or 0 (false) for each data point, a missing value in one of two time series
  treated as 0.
- "Functions supported for metric math": ``ABS``, ``CEIL``, ``FLOOR`` (each data point);
  ``FILL(TS, S)`` (the missing values of the time series replaced by the scalar);
  ``TIME_SERIES(S)`` ("a non-sparse time series where every value is set to" S);
  ``PERIOD(m)`` (the metric's period in seconds); ``METRICS()`` and ``METRICS("text")``
  (the alarm's metrics, those whose id contains the text); ``SUM`` and ``AVG`` of an array
  of time series (a time series; for AVG "missing values are treated as 0").

Evaluated exactly here: all of the above. Not evaluated, by name (never a number): every
other function (``RATE``, ``DIFF``, ``ANOMALY_DETECTION_BAND``, ``SEARCH``,
``INSIGHT_RULE_METRIC``, the time functions ``MINUTE``...``EPOCH``, ``IF``, ...), names the
page does not list, ``FILL`` with ``REPEAT`` or ``LINEAR`` (their value at the edges of the
range an alarm retrieves is not documented), ``MIN``/``MAX`` of an array (how a missing value
counts is not documented), and ``SUM``/``AVG``/``MIN``/``MAX`` of a single time series (a
scalar over "all the data points in the metric": an alarm retrieves more periods than it
evaluates, and the page warns the function "acts differently when extra data is
requested"). The page documents no precedence; the parser uses the usual one (``^`` above
unary ``-`` above ``* /`` above ``+ -`` above comparisons above ``AND`` above ``OR``) and
refuses to evaluate the two forms where conventions differ: ``-a ^ b`` and ``a ^ b ^ c``
without parentheses.

A time series is a :class:`Series`: data points by period start, and optionally a value at
every other period of the range (what ``FILL`` and ``TIME_SERIES`` give).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["ExpressionError", "NotEvaluated", "Series", "evaluate", "parse", "unevaluated_names"]


class ExpressionError(ValueError):
    """An expression that does not parse (AWS refuses it); str() says where."""


class NotEvaluated(Exception):
    """What makes an expression impossible to evaluate exactly: ``names`` (functions and
    constructs, as written) and why."""

    def __init__(self, names: Sequence[str], reason: str) -> None:
        super().__init__(f"{', '.join(names)}: {reason}")
        self.names = list(names)
        self.reason = reason


@dataclass(frozen=True)
class Series:
    """A time series: ``points`` (period start ms -> value); ``fill``, when not None, the
    value at every other period of the range."""

    points: dict[int, float] = field(default_factory=dict)
    fill: float | None = None

    def at(self, t: int) -> float | None:
        value = self.points.get(t)
        return self.fill if value is None else value


Value = float | Series | list[Series]

# --------------------------------------------------------------------------------------
# Tokens and syntax tree
# --------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>"[^"]*"|'[^']*'|“[^”]*”)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/^<>(),\[\]])
    """,
    re.X,
)


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Ref:
    """A metric or expression id (lowercase first letter)."""

    id: str


@dataclass(frozen=True)
class Word:
    """An uppercase bare word used as an argument (``REPEAT``, ``LINEAR``, ``DESC``...)."""

    name: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Array:
    items: tuple[Node, ...]


Node = Num | Ref | Word | Text | Neg | Binary | Call | Array

#: Binary operators by precedence level, loosest first (see the module docstring).
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"OR", "||"}),
    frozenset({"AND", "&&"}),
    frozenset({"==", "!=", "<=", ">=", "<", ">"}),
    frozenset({"+", "-"}),
    frozenset({"*", "/"}),
)


@dataclass
class _Token:
    kind: str
    text: str
    pos: int


def _tokens(expr: str) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(expr):
        m = _TOKEN.match(expr, i)
        if m is None:
            raise ExpressionError(f"unexpected character {expr[i]!r} at {i + 1}")
        kind = m.lastgroup or ""
        if kind != "ws":
            text = m.group()
            if kind == "name" and text in ("AND", "OR"):
                kind = "op"
            out.append(_Token(kind, text, i))
        i = m.end()
    return out


class _Parser:
    def __init__(self, expr: str) -> None:
        self.toks = _tokens(expr)
        self.i = 0
        #: Forms whose meaning depends on an undocumented precedence (see the docstring).
        self.ambiguous: list[str] = []

    def peek(self) -> _Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, text: str | None = None) -> _Token:
        tok = self.peek()
        if tok is None:
            raise ExpressionError(
                "unexpected end of the expression" + (f": expected {text!r}" if text else "")
            )
        if text is not None and tok.text != text:
            raise ExpressionError(f"expected {text!r} at {tok.pos + 1}, found {tok.text!r}")
        self.i += 1
        return tok

    def binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in _LEVELS[level]:
            self.i += 1
            left = Binary(tok.text, left, self.binary(level + 1))
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text in "-+" and len(tok.text) == 1:
            self.i += 1
            operand = self.unary()
            if isinstance(operand, Binary) and operand.op == "^":
                self.ambiguous.append("-a ^ b")
            return Neg(operand) if tok.text == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        tok = self.peek()
        if tok is not None and tok.text == "^":
            self.i += 1
            exponent = self.unary()
            if isinstance(exponent, Binary) and exponent.op == "^":
                self.ambiguous.append("a ^ b ^ c")
            return Binary("^", base, exponent)
        return base

    def arguments(self, close: str) -> tuple[Node, ...]:
        args: list[Node] = []
        if (tok := self.peek()) is not None and tok.text == close:
            self.i += 1
            return ()
        while True:
            args.append(self.binary(0))
            tok = self.take()
            if tok.text == close:
                return tuple(args)
            if tok.text != ",":
                raise ExpressionError(f"expected ',' or {close!r} at {tok.pos + 1}, found {tok.text!r}")

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return Num(float(tok.text))
        if tok.kind == "str":
            return Text(tok.text[1:-1])
        if tok.text == "(":
            inner = self.binary(0)
            self.take(")")
            return inner
        if tok.text == "[":
            return Array(self.arguments("]"))
        if tok.kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                self.i += 1
                return Call(tok.text, self.arguments(")"))
            if tok.text[0].islower():
                return Ref(tok.text)
            return Word(tok.text)
        raise ExpressionError(f"unexpected {tok.text!r} at {tok.pos + 1}")


@dataclass(frozen=True)
class Parsed:
    tree: Node
    #: Forms evaluated only with a documented precedence (see the module docstring).
    ambiguous: tuple[str, ...]


def parse(expr: str) -> Parsed:
    """The syntax tree of an expression; ExpressionError when it does not parse."""
    parser = _Parser(expr)
    if not parser.toks:
        raise ExpressionError("empty expression")
    tree = parser.binary(0)
    if (tok := parser.peek()) is not None:
        raise ExpressionError(f"unexpected {tok.text!r} at {tok.pos + 1}")
    return Parsed(tree, tuple(parser.ambiguous))


# --------------------------------------------------------------------------------------
# What is evaluated
# --------------------------------------------------------------------------------------

_SUPPORTED = frozenset({"ABS", "CEIL", "FLOOR", "FILL", "TIME_SERIES", "PERIOD", "METRICS", "SUM", "AVG"})


def _walk(node: Node) -> list[Node]:
    out = [node]
    children: tuple[Node, ...] = ()
    if isinstance(node, Neg):
        children = (node.operand,)
    elif isinstance(node, Binary):
        children = (node.left, node.right)
    elif isinstance(node, Call | Array):
        children = node.args if isinstance(node, Call) else node.items
    for child in children:
        out += _walk(child)
    return out


def unevaluated_names(parsed: Parsed) -> list[str]:
    """The functions (and argument words) of an expression this module does not evaluate,
    in order of appearance, each once."""
    names: list[str] = []
    for node in _walk(parsed.tree):
        if not isinstance(node, Call):
            continue
        name = node.name if node.name not in _SUPPORTED else None
        if node.name == "FILL" and node.args and isinstance(node.args[-1], Word):
            name = f"FILL(..., {node.args[-1].name})"
        if name is not None and name not in names:
            names.append(name)
    return names


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------


def _divide(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


def _power(a: float, b: float) -> float | None:
    try:
        result = a**b
    except ZeroDivisionError:
        return None  # 0 ^ negative: a division by zero, dropped
    except OverflowError:
        raise NotEvaluated(["^"], f"{a!r} ^ {b!r} overflows") from None
    if isinstance(result, complex) or math.isnan(result):
        raise NotEvaluated(["^"], f"{a!r} ^ {b!r} is not a real number (undocumented)")
    return float(result)


def _boolean(f: Callable[[float, float], bool]) -> Callable[[float, float], float | None]:
    return lambda a, b: 1.0 if f(a, b) else 0.0


_BINARY: dict[str, Callable[[float, float], float | None]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "^": _power,
    "==": _boolean(operator.eq),
    "!=": _boolean(operator.ne),
    "<": _boolean(operator.lt),
    ">": _boolean(operator.gt),
    "<=": _boolean(operator.le),
    ">=": _boolean(operator.ge),
    "AND": _boolean(lambda a, b: a != 0 and b != 0),
    "&&": _boolean(lambda a, b: a != 0 and b != 0),
    "OR": _boolean(lambda a, b: a != 0 or b != 0),
    "||": _boolean(lambda a, b: a != 0 or b != 0),
}


def _series_op(a: Series, b: Series, f: Callable[[float, float], float | None]) -> Series:
    """Two time series, point by point: a missing value is 0 where the other has one."""
    points: dict[int, float] = {}
    for t in a.points.keys() | b.points.keys():
        x, y = a.at(t), b.at(t)
        value = f(0.0 if x is None else x, 0.0 if y is None else y)
        if value is not None:
            points[t] = value
    fill = None
    if a.fill is not None or b.fill is not None:
        fill = f(a.fill or 0.0, b.fill or 0.0)
    return Series(points, fill)


def _map(s: Series, f: Callable[[float], float | None]) -> Series:
    points = {t: v for t, x in s.points.items() if (v := f(x)) is not None}
    return Series(points, None if s.fill is None else f(s.fill))


def _apply(op: str, a: Value, b: Value) -> Value:
    f = _BINARY[op]
    if isinstance(a, list) or isinstance(b, list):
        if isinstance(a, list) and isinstance(b, list):
            raise NotEvaluated([op], "an operator between two arrays of time series")
        if isinstance(a, list):
            return [_as_series(_apply(op, x, b)) for x in a]
        assert isinstance(b, list)
        return [_as_series(_apply(op, a, y)) for y in b]
    if isinstance(a, float) and isinstance(b, float):
        value = f(a, b)
        if value is None:
            raise NotEvaluated([op], f"{a!r} {op} {b!r} divides a scalar by zero")
        return value
    if isinstance(a, float):
        assert isinstance(b, Series)
        return _map(b, lambda y: f(a, y))
    if isinstance(b, float):
        return _map(a, lambda x: f(x, b))
    return _series_op(a, b, f)


def _as_series(v: Value) -> Series:
    assert isinstance(v, Series)
    return v


def _whole(f: Callable[[float], int]) -> Callable[[float], float | None]:
    return lambda x: float(f(x)) if math.isfinite(x) else x


#: Functions of each data point ("Functions supported for metric math").
_POINTWISE: dict[str, Callable[[float], float | None]] = {
    "ABS": abs,
    "CEIL": _whole(math.ceil),
    "FLOOR": _whole(math.floor),
}


@dataclass
class _Metric:
    series: Series
    period: int


class _Evaluator:
    def __init__(self, metrics: Mapping[str, _Metric], expressions: Mapping[str, str]) -> None:
        self.metrics = metrics
        self.expressions = expressions
        self.active: list[str] = []

    def ref(self, name: str) -> Value:
        if name in self.metrics:
            return self.metrics[name].series
        if name in self.expressions:
            if name in self.active:
                raise NotEvaluated(
                    [name], f"the expressions refer to each other ({' -> '.join([*self.active, name])})"
                )
            self.active.append(name)
            try:
                return self.value(_checked(parse(self.expressions[name])).tree)
            finally:
                self.active.pop()
        raise NotEvaluated([name], "no metric or expression of the alarm has this id")

    def value(self, node: Node) -> Value:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Ref):
            return self.ref(node.id)
        if isinstance(node, Neg):
            return _apply("-", 0.0, self.value(node.operand))
        if isinstance(node, Binary):
            return _apply(node.op, self.value(node.left), self.value(node.right))
        if isinstance(node, Array):
            items = [self.value(item) for item in node.items]
            out: list[Series] = []
            for item in items:
                if isinstance(item, float):
                    raise NotEvaluated(["[...]"], "a scalar in an array of time series")
                out += item if isinstance(item, list) else [item]
            return out
        if isinstance(node, Call):
            return self.call(node)
        raise NotEvaluated([node.name if isinstance(node, Word) else repr(node.text)], "not a value")

    def call(self, node: Call) -> Value:
        name, args = node.name, node.args
        if name == "METRICS":
            if len(args) > 1 or (args and not isinstance(args[0], Text)):
                raise NotEvaluated([name], "METRICS takes nothing or one string")
            text = args[0].text if args and isinstance(args[0], Text) else ""
            return [m.series for i, m in self.metrics.items() if text in i]
        if name == "PERIOD":
            if len(args) != 1 or not isinstance(args[0], Ref) or args[0].id not in self.metrics:
                raise NotEvaluated([name], "PERIOD takes the id of a metric")
            return float(self.metrics[args[0].id].period)
        if name == "TIME_SERIES":
            (arg,) = self._arity(node, 1)
            scalar = self.value(arg)
            if not isinstance(scalar, float):
                raise NotEvaluated([name], "TIME_SERIES takes a scalar")
            return Series({}, scalar)
        if name in _POINTWISE:
            (arg,) = self._arity(node, 1)
            f = _POINTWISE[name]
            v = self.value(arg)
            if isinstance(v, float):
                raise NotEvaluated([name], f"{name} takes a time series or an array of them")
            return [_map(s, f) for s in v] if isinstance(v, list) else _map(v, f)
        if name == "FILL":
            series, filler = self._arity(node, 2)
            v, w = self.value(series), self.value(filler)
            if isinstance(v, float) or not isinstance(w, float):
                raise NotEvaluated([name], "FILL is evaluated for a time series (or an array) and a scalar")
            filled = [
                Series(s.points, w if s.fill is None else s.fill) for s in (v if isinstance(v, list) else [v])
            ]
            return filled if isinstance(v, list) else filled[0]
        if name in ("SUM", "AVG"):
            (arg,) = self._arity(node, 1)
            v = self.value(arg)
            if not isinstance(v, list):
                raise NotEvaluated(
                    [name],
                    f"{name} of a single time series is a scalar over every data point the alarm "
                    "retrieves, more periods than it evaluates",
                )
            total = Series({}, 0.0) if not v else v[0]
            for s in v[1:]:
                total = _series_op(total, s, operator.add)
            if name == "AVG" and v:
                total = _map(total, lambda x: x / len(v))
            return total
        raise NotEvaluated([name], "not evaluated")  # pragma: no cover - refused before

    @staticmethod
    def _arity(node: Call, n: int) -> tuple[Node, ...]:
        if len(node.args) != n:
            raise NotEvaluated([node.name], f"{node.name} with {len(node.args)} arguments")
        return node.args


def _checked(parsed: Parsed) -> Parsed:
    names = unevaluated_names(parsed)
    if names:
        raise NotEvaluated(names, "not evaluated by the backtest (see trailwatch.metricmath)")
    if parsed.ambiguous:
        raise NotEvaluated(
            sorted(set(parsed.ambiguous)), "CloudWatch does not document this precedence: add parentheses"
        )
    return parsed


def evaluate(
    expression: str,
    metrics: Mapping[str, tuple[dict[int, float], int]],
    expressions: Mapping[str, str] | None = None,
) -> Series:
    """The time series an alarm's expression gives: ``metrics`` maps each metric id to its
    datapoints (period start ms -> statistic) and period (s), ``expressions`` each other
    expression id to its text. ExpressionError when it does not parse; NotEvaluated names
    what cannot be evaluated exactly (every unsupported function, checked before any
    value is computed)."""
    evaluator = _Evaluator(
        {i: _Metric(Series(dict(points)), period) for i, (points, period) in metrics.items()},
        dict(expressions or {}),
    )
    result = evaluator.value(_checked(parse(expression)).tree)
    if isinstance(result, float):
        raise NotEvaluated([expression], "the expression gives a scalar; an alarm needs a time series")
    if isinstance(result, list):
        raise NotEvaluated([expression], "the expression gives an array; an alarm needs one time series")
    return result
