"""What a JSON document says in words: its keys and string values, never its numbers.

A test that a secret (a card number, say) is absent must not search the document's
numbers: a float timing such as ``3.094111e-05`` contains ``4111`` by chance.
"""

from __future__ import annotations

from typing import Any


def json_strings(value: Any) -> str:
    """Every key and string value in ``value``, one a line (numbers, booleans left out).

    >>> json_strings({"seconds": 3.094111e-05, "evidence": ["card ****1111"]})
    'seconds\\nevidence\\ncard ****1111'
    """
    out: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                out.append(str(key))
                walk(child)
        elif isinstance(item, list | tuple):
            for child in item:
                walk(child)

    walk(value)
    return "\n".join(out)
