"""A griffe extension for the docs build: a docstring's ``Example:`` section is an example.

The code base writes Google style's ``Example:`` (singular, as Google's style guide
does); griffe's Google parser knows only ``Examples:`` as a section and renders any
other title as an admonition of Markdown text, where a doctest's ``>>>`` reads as nested
quotes and its ``[...]`` output as reference links. This maps the one to the other when
an object is loaded, before its docstring is parsed; the sources stay as they are.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Reads ``Example:`` as griffe's ``Examples:`` section."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
