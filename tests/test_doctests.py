"""The examples in the docstrings are what students paste: they must run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["data", "geo", "maps", "offline", "explore", "launches", "quiz", "quiz.models", "quiz.widgets", "factcheck",
           "framings", "grading", "course", "autograde", "autograde.flags", "autograde.report", "autograde.sandbox",
           "autograde.recheck", "lms", "exchange"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"eastasia_security.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
