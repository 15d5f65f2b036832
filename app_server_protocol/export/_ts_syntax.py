"""A small syntax tree of TypeScript type expressions, and its printer.

Only what the protocol needs: references, keywords, string literals,
arrays, string-keyed records, object literals, unions and intersections.
The printer is deterministic and keeps short things on one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, TypeAlias

_IDENTIFIER: Final = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
#: Lines are kept within this width where an object literal can be split.
_MAX_WIDTH: Final = 100


@dataclass(frozen=True)
class TsRef:
    """A reference to an exported type, by its qualified name (``v2/Name``
    for a type of the ``v2/`` folder)."""

    name: str


@dataclass(frozen=True)
class TsKeyword:
    """A built-in type: ``string``, ``number``, ``bigint``, ``boolean``, ``null``."""

    text: str


@dataclass(frozen=True)
class TsLiteral:
    """A string literal type."""

    value: str


@dataclass(frozen=True)
class TsArray:
    item: TsType


@dataclass(frozen=True)
class TsRecord:
    """An object with string keys, each of which may be absent."""

    value: TsType


@dataclass(frozen=True)
class TsField:
    key: str
    type: TsType
    optional: bool = False
    doc: str | None = None
    quoted: bool = False


@dataclass(frozen=True)
class TsObject:
    """An object literal type; without fields it is ``Record<string, never>``."""

    fields: tuple[TsField, ...]


@dataclass(frozen=True)
class TsUnion:
    members: tuple[TsType, ...]
    docs: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class TsIntersection:
    parts: tuple[TsType, ...]


TsType: TypeAlias = (
    TsRef | TsKeyword | TsLiteral | TsArray | TsRecord | TsObject | TsUnion | TsIntersection
)

NULL: Final = TsKeyword("null")
EMPTY_OBJECT: Final = TsObject(())


def union(members: list[TsType], docs: list[str | None] | None = None) -> TsType:
    """A union of the members: nested unions flattened, duplicates dropped, ``null`` last.

    A union of one member is that member.
    """
    flat: list[tuple[TsType, str | None]] = []
    for member, doc in zip(members, docs or [None] * len(members), strict=True):
        if isinstance(member, TsUnion):
            inner_docs = member.docs or (None,) * len(member.members)
            flat.extend(zip(member.members, inner_docs, strict=True))
        else:
            flat.append((member, doc))
    unique: list[tuple[TsType, str | None]] = []
    for member, doc in flat:
        if all(member != seen for seen, _ in unique):
            unique.append((member, doc))
    unique.sort(key=lambda item: item[0] == NULL)
    if len(unique) == 1 and unique[0][1] is None:
        return unique[0][0]
    member_docs = tuple(doc for _, doc in unique)
    return TsUnion(
        tuple(member for member, _ in unique),
        member_docs if any(member_docs) else (),
    )


def references(node: TsType) -> Iterator[str]:
    """The names of the exported types the expression refers to."""
    match node:
        case TsRef(name):
            yield name
        case TsArray(item) | TsRecord(item):
            yield from references(item)
        case TsObject(fields):
            for field in fields:
                yield from references(field.type)
        case TsUnion(members) | TsIntersection(members):
            for member in members:
                yield from references(member)
        case _:
            pass


def doc_comment(doc: str | None, indent: int) -> str:
    """``/** ... */`` lines (each ending with a newline), or nothing."""
    if not doc:
        return ""
    pad = " " * indent
    lines = doc.replace("*/", "*\\/").splitlines()
    body = "".join(f"{pad} *{' ' + line if line else ''}\n" for line in lines)
    return f"{pad}/**\n{body}{pad} */\n"


def render(node: TsType, indent: int = 0, column: int | None = None) -> str:
    """The expression as TypeScript.

    `indent` is the indentation of the line the expression starts on, and
    `column` where on that line it starts (the end of the line, by default):
    an object literal that would not fit in the line is written one field
    per line.
    """
    column = indent if column is None else column
    match node:
        case TsRef(name):
            return name.rpartition("/")[2]  # "v2/Name" is imported as Name
        case TsKeyword(text):
            return text
        case TsLiteral(value):
            return json.dumps(value)
        case TsArray(item):
            return f"Array<{render(item, indent, column + 6)}>"
        case TsRecord(value):
            return f"{{ [key in string]?: {render(value, indent, column + 20)} }}"
        case TsObject(fields):
            return _render_object(fields, indent, column)
        case TsUnion(members):
            return " | ".join(render(member, indent, column) for member in members)
        case TsIntersection(parts):
            return " & ".join(
                f"({render(part, indent, column)})"
                if isinstance(part, TsUnion)
                else render(part, indent, column)
                for part in parts
            )


def _key(field: TsField) -> str:
    key = json.dumps(field.key) if field.quoted or not _IDENTIFIER.match(field.key) else field.key
    return f"{key}{'?' if field.optional else ''}"


def _render_object(fields: tuple[TsField, ...], indent: int, column: int) -> str:
    if not fields:
        return "Record<string, never>"
    one_line = "{ " + "; ".join(f"{_key(f)}: {render(f.type, indent, column)}" for f in fields)
    one_line += " }"
    fits = column + len(one_line) + 1 <= _MAX_WIDTH  # the 1: a closing ";" or ","
    if fits and "\n" not in one_line and not any(f.doc for f in fields):
        return one_line
    inner = indent + 2
    lines = []
    for f in fields:
        head = f"{' ' * inner}{_key(f)}: "
        lines.append(f"{doc_comment(f.doc, inner)}{head}{render(f.type, inner, len(head))};\n")
    return "{\n" + "".join(lines) + " " * indent + "}"


def declaration(name: str, node: TsType, doc: str | None) -> str:
    """``export type Name = ...;`` with its doc comment; unions of several
    members get one member per line."""
    head = f"{doc_comment(doc, 0)}export type {name} ="
    if isinstance(node, TsUnion):
        single = f"export type {name} = {render(node, 0)};"
        if "\n" not in single and len(single) <= _MAX_WIDTH and not node.docs:
            return f"{doc_comment(doc, 0)}{single}\n"
        docs = node.docs or (None,) * len(node.members)
        lines = [
            f"{doc_comment(member_doc, 2)}  | {render(member, 4)}\n"
            for member, member_doc in zip(node.members, docs, strict=True)
        ]
        return head + "\n" + "".join(lines).rstrip("\n") + ";\n"
    return f"{head} {render(node, 0, len(f'export type {name} = '))};\n"
