"""Checks for problem-set test cells that tell a student what was expected, and a hint.

Test cells import these afresh (``from eastasia_security.grading import expect_close``)
so that a student who redefines ``expect_close`` or ``assert`` helpers in an answer cell
does not change what the tests check.

>>> expect_close(1287.2, 1287.0, tolerance=1, what="the distance Pyongyang-Tokyo in km")
>>> expect_equal(16, 17, what="the number of launch events", hint="Did you include cruise missiles?")
Traceback (most recent call last):
...
AssertionError: the number of launch events: expected 17, got 16. Hint: Did you include cruise missiles?
"""

from __future__ import annotations

import json
import math
import numbers
import sys
from typing import Any

__all__ = ["expect_equal", "expect_close", "expect_type", "expect_true", "record_answer", "plain_value",
           "RECORD_TAG", "GradingError"]


#: Failures are plain AssertionErrors, which is what nbgrader reports as a failed test.
GradingError = AssertionError


def _message(what: str, expected: str, got: str, hint: str | None) -> str:
    return f"{what}: expected {expected}, got {got}." + (f" Hint: {hint}" if hint else "")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def expect_type(value: Any, kind: type | tuple[type, ...], what: str, hint: str | None = None) -> None:
    """Fail unless ``value`` is an instance of ``kind``."""
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise GradingError(_message(what, f"a {names}", f"a {type(value).__name__} ({_short(value)})", hint))


def expect_equal(value: Any, expected: Any, what: str, hint: str | None = None) -> None:
    """Fail unless ``value == expected``."""
    try:
        same = bool(value == expected)
    except (TypeError, ValueError):
        same = False
    if not same:
        raise GradingError(_message(what, _short(expected), _short(value), hint))


def expect_close(value: Any, expected: float, tolerance: float, what: str, hint: str | None = None) -> None:
    """Fail unless ``value`` is a number within ``tolerance`` of ``expected``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise GradingError(_message(what, f"a number near {expected:,.4g}", _short(value), hint)) from None
    if math.isnan(number) or abs(number - expected) > tolerance:
        raise GradingError(_message(what, f"{expected:,.4g} (give or take {tolerance:g})", f"{number:,.4g}", hint))


def expect_true(condition: bool, what: str, hint: str | None = None) -> None:
    """Fail with a message when ``condition`` is false."""
    if not condition:
        raise GradingError(f"{what}." + (f" Hint: {hint}" if hint else ""))


#: Marks the line a hidden test prints so that ``eastasia-security grade`` can check the answer again
#: outside the student's kernel (:mod:`eastasia_security.autograde.recheck`).
RECORD_TAG = "[answer recorded for the grader]"


def plain_value(value: Any) -> Any:
    """``value`` as plain data (int, float, str or None), read through the base types' own methods, so
    that an object that overrides ``__eq__``, ``__int__`` or ``__repr__`` is recorded as what it holds.

    >>> class Sly(int):
    ...     def __eq__(self, other): return True
    ...     def __repr__(self): return "17"
    >>> plain_value(Sly(3)), plain_value(2.5), plain_value("ICBM")
    (3, 2.5, 'ICBM')
    """
    if isinstance(value, bool):
        return bool.__bool__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, numbers.Integral):      # numpy integers
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def record_answer(name: str, value: Any) -> None:
    """Print the answer held in ``name`` as one JSON line the grader re-checks outside the kernel.

    >>> record_answer("q1", 17)
    [answer recorded for the grader] {"q1": 17}
    """
    # sys.stdout, not print: a submission that silences builtins.print must not lose its record.
    sys.stdout.write(f"{RECORD_TAG} {json.dumps({name: plain_value(value)}, ensure_ascii=False)}\n")
