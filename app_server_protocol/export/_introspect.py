"""Questions about Python type annotations that both writers ask.

The protocol is spelled with a small vocabulary: pydantic models, `StrEnum`
classes, `TypeAliasType` aliases, ``Annotated`` metadata, unions, literals,
lists, string-keyed dicts and a few scalars. These helpers take annotations
apart along that vocabulary, so that the writers never touch ``typing``
internals themselves.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, ForwardRef, Literal, TypeGuard, Union, get_args, get_origin

import pydantic
import typing_extensions
from pydantic import BaseModel, Discriminator
from pydantic.fields import FieldInfo

from .._base import TS_OPTIONAL, TsType

_ALIAS_TYPES: tuple[type, ...] = tuple(
    {
        typing_extensions.TypeAliasType,
        getattr(typing, "TypeAliasType", typing_extensions.TypeAliasType),
    }
)


class ExportError(Exception):
    """The models use a construct the export cannot render faithfully."""


def is_alias(tp: object) -> bool:
    """A named alias (`TypeAliasType`)."""
    return isinstance(tp, _ALIAS_TYPES)


def is_model(tp: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def is_enum(tp: object) -> TypeGuard[type[Enum]]:
    return isinstance(tp, type) and issubclass(tp, Enum)


def is_named(tp: object) -> bool:
    """A type with a name of its own on the wire contract: model, enum or alias."""
    return is_alias(tp) or is_model(tp) or is_enum(tp)


def type_name(tp: object) -> str:
    name = getattr(tp, "__name__", None)
    if not isinstance(name, str):
        raise ExportError(f"{tp!r} has no name")
    return name


#: The package whose types the export writes into the ``v2/`` folder.
V2_PACKAGE: Final = "app_server_protocol.v2"


def qualified_name(tp: object) -> str:
    """A type's name in the export: ``v2/Name`` for a type of the v2 API (one
    defined in `V2_PACKAGE`), ``Name`` for the others, as the reference lays
    its TypeScript and JSON Schema out."""
    module = getattr(tp, "__module__", "")
    name = type_name(tp)
    if module == V2_PACKAGE or module.startswith(V2_PACKAGE + "."):
        return f"v2/{name}"
    return name


def base_name(qualified: str) -> str:
    """``v2/Name`` -> ``Name``."""
    return qualified.rpartition("/")[2]


def alias_value(tp: object) -> Any:
    return getattr(tp, "__value__")  # noqa: B009  (TypeAliasType has no stub for it)


def is_json_value(tp: object) -> bool:
    """pydantic's `JsonValue`, or a forward reference to it (inside its own definition)."""
    if isinstance(tp, ForwardRef):
        tp = tp.__forward_arg__
    return tp is pydantic.JsonValue or tp == "JsonValue"


def split_annotated(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Annotated[T, m1, m2]`` -> ``(T, (m1, m2))``; nested ``Annotated`` are flattened."""
    metadata: tuple[Any, ...] = ()
    while get_origin(tp) is typing.Annotated:
        tp, *extra = get_args(tp)
        metadata = (*metadata, *extra)
    return tp, metadata


def ts_override(metadata: Sequence[Any]) -> str | None:
    """The TypeScript spelling forced by a `TsType` annotation, if any."""
    for item in metadata:
        if isinstance(item, TsType):
            return item.ts
    return None


def union_members(tp: Any) -> tuple[Any, ...] | None:
    """The members of a union, or None when `tp` is not a union."""
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return get_args(tp)
    return None


def literal_values(tp: Any) -> tuple[Any, ...] | None:
    if get_origin(tp) is Literal:
        return get_args(tp)
    return None


def single_string_literal(tp: Any) -> str | None:
    values = literal_values(split_annotated(tp)[0])
    if values is not None and len(values) == 1 and isinstance(values[0], str):
        return values[0]
    return None


def model_fields(cls: type[BaseModel]) -> dict[str, FieldInfo]:
    """The model's fields, with every forward reference resolved."""
    if not cls.__pydantic_complete__:
        cls.model_rebuild(raise_errors=True)
    return dict(cls.model_fields)


def extra_values(cls: type[BaseModel]) -> Any | None:
    """The type of the values of the keys a model keeps beyond its fields
    (``__pydantic_extra__: dict[str, T]`` with ``extra="allow"``), or None."""
    if cls.model_config.get("extra") != "allow":
        return None
    annotation = typing.get_type_hints(cls).get("__pydantic_extra__")
    args = get_args(annotation)
    return args[1] if get_origin(annotation) is dict and len(args) == 2 else Any


def wire_name(name: str, field: FieldInfo) -> str:
    """The key a field has on the wire."""
    return field.serialization_alias or field.alias or name


def is_ts_optional(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and extra.get(TS_OPTIONAL) is True


def none_never_written(field: FieldInfo) -> bool:
    """True when a None value of the field is left out of the output."""
    if field.exclude is True:
        return True
    exclude_if: Callable[[Any], bool] | None = field.exclude_if
    return exclude_if is not None and bool(exclude_if(None))


def admits_none(tp: Any) -> bool:
    tp = split_annotated(tp)[0]
    if tp is None or tp is type(None):
        return True
    members = union_members(tp)
    return members is not None and any(admits_none(m) for m in members)


@dataclass(frozen=True)
class Variant:
    """One member of a union, with the tag that selects it (when the union is tagged)."""

    type: Any
    metadata: tuple[Any, ...] = ()
    tag_field: str | None = None
    tag_key: str | None = None
    tag_value: str | None = None


def _explicit_discriminator(metadata: Sequence[Any]) -> str | None:
    for item in metadata:
        if isinstance(item, FieldInfo) and isinstance(item.discriminator, str):
            return item.discriminator
        if isinstance(item, Discriminator) and isinstance(item.discriminator, str):
            return item.discriminator
    return None


def _literal_field(cls: type[BaseModel], name: str) -> tuple[str, str, str] | None:
    """(field name, wire key, value) of the single-string-literal field called `name`."""
    for field_name, field in model_fields(cls).items():
        key = wire_name(field_name, field)
        if name in (field_name, key):
            value = single_string_literal(field.annotation)
            return None if value is None else (field_name, key, value)
    return None


def _common_tag(models: Sequence[type[BaseModel]]) -> str | None:
    """The field that every model fixes to one string literal: the union's tag."""
    candidates: list[str] | None = None
    for cls in models:
        names = [
            name
            for name, field in model_fields(cls).items()
            if single_string_literal(field.annotation)
        ]
        candidates = names if candidates is None else [n for n in candidates if n in names]
    return candidates[0] if candidates else None


def variants(members: Sequence[Any], metadata: Sequence[Any]) -> list[Variant]:
    """The members of a union (None left out), each with its tag.

    The tag is the union's explicit discriminator, or else the field that every
    member fixes to a single string literal (unions with a callable
    discriminator, and one-member aliases such as `LocalShellAction`).
    """
    inner = [split_annotated(m) for m in members]
    inner = [(tp, meta) for tp, meta in inner if tp is not None and tp is not type(None)]
    models = [tp for tp, _ in inner if is_model(tp)]
    tag = _explicit_discriminator(metadata)
    if tag is None and models and len(models) == len(inner):
        tag = _common_tag(models)
    result: list[Variant] = []
    for member, member_metadata in inner:
        found = _literal_field(member, tag) if tag is not None and is_model(member) else None
        if found is None:
            result.append(Variant(member, member_metadata))
        else:
            result.append(Variant(member, member_metadata, *found))
    return result
