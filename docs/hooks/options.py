"""A mkdocs hook: the options page's table, generated from ``server.config.Settings``.

Every setting is an option of ``bon-server serve`` and an environment variable, and
``server/cli.py`` builds ``--help`` from the same fields; generating the table here
keeps the docs from holding a second, hand-kept copy that drifts.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- settings-table -->"


def _default(field: Any) -> str:
    if field.default_factory is not None:  # machine-dependent (a home directory, ...)
        return f"`{field.default_factory.__name__}()`"
    value = field.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`" if str(value) else '`""`'


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def settings_table() -> str:
    from server.config import Settings

    rows = ["| option | environment | default | what |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        flag = "--" + name.replace("_", "-")
        rows.append(
            f"| `{flag}` | `BON_{name.upper()}` | {_cell(_default(field))} "
            f"| {_cell(field.description or '')} |"
        )
    return "\n".join(rows)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, settings_table())
    return markdown
