"""Documentation of the protocol types, as written in their source.

Class docstrings and field descriptions are available at run time. Aliases
(``EventMsg = TypeAliasType(...)`` followed by a string) and enum members (an
assignment followed by a string) are documented the same way in the source
but Python drops those strings, so they are read back from the module's
syntax tree.
"""

from __future__ import annotations

import ast
import inspect
import sys
from functools import cache

from pydantic.fields import FieldInfo

from ._introspect import is_alias


def clean(doc: str | None) -> str | None:
    """A docstring without its indentation, or None when empty.

    reStructuredText literals (double backticks) become Markdown ones.
    """
    if doc is None:
        return None
    text = inspect.cleandoc(doc).replace("``", "`")
    return text or None


def class_doc(cls: type) -> str | None:
    """The class's own docstring (never an inherited one)."""
    doc = cls.__dict__.get("__doc__")
    return clean(doc) if isinstance(doc, str) else None


@cache
def _attribute_docs(module_name: str) -> dict[str, str]:
    """``{"Name": doc, "Class.attr": doc}`` for every documented assignment of a module."""
    module = sys.modules.get(module_name)
    if module is None:
        return {}
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}
    _collect(tree.body, "", docs)
    return docs


def _collect(body: list[ast.stmt], prefix: str, docs: dict[str, str]) -> None:
    for statement, following in zip(body, [*body[1:], None], strict=True):
        if isinstance(statement, ast.ClassDef):
            _collect(statement.body, f"{prefix}{statement.name}.", docs)
            continue
        target = _assigned_name(statement)
        if target is None or not isinstance(following, ast.Expr):
            continue
        value = following.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            text = clean(value.value)
            if text:
                docs[prefix + target] = text


def _assigned_name(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id
    return None


def alias_doc(alias: object) -> str | None:
    """The string written after an alias's assignment."""
    if not is_alias(alias):
        return None
    module = getattr(alias, "__module__", None)
    name = getattr(alias, "__name__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        return None
    return _attribute_docs(module).get(name)


def attribute_doc(cls: type, attribute: str) -> str | None:
    """The string written after a class attribute (an enum member, a field)."""
    return _attribute_docs(cls.__module__).get(f"{cls.__qualname__}.{attribute}")


def field_doc(cls: type, name: str, field: FieldInfo) -> str | None:
    """A field's description, or the docstring written under it."""
    return clean(field.description) or attribute_doc(cls, name)
