"""Base classes and field helpers shared by every protocol model.

Two casings exist on the wire: the v1 request/response API is camelCase
(`CamelModel`), while event payloads, rollout lines and most shared values are
snake_case (`SnakeModel`).

Three null conventions exist, and each field states which one it follows:

* a plain ``T | None = None`` field is always written, as ``null`` when None;
* `skip_none()` leaves the key out when the value is None, although the
  reference's TypeScript still declares the field as a required ``T | null``
  (ours keeps that declaration so that clients typed against it accept ours);
* `optional()` leaves the key out when the value is None and is declared
  ``field?: T`` in TypeScript.
"""

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic import JsonValue as JsonValue
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

#: Key in ``json_schema_extra`` marking a field that may be absent (TypeScript ``field?:``).
TS_OPTIONAL: Final = "x-ts-optional"


def _is_none(value: object) -> bool:
    return value is None


def _is_empty(value: object) -> bool:
    return not value


def skip_none(description: str | None = None) -> Any:
    """Default None; the key is left out of the output when the value is None."""
    return Field(default=None, exclude_if=_is_none, description=description)


def optional(description: str | None = None) -> Any:
    """Default None, left out when None, and declared ``field?: T`` in TypeScript."""
    return Field(
        default=None,
        exclude_if=_is_none,
        description=description,
        json_schema_extra={TS_OPTIONAL: True},
    )


def optional_list(description: str | None = None) -> Any:
    """Default empty list, left out when empty, declared ``field?: Array<T>``."""
    return Field(
        default_factory=list,
        exclude_if=_is_empty,
        description=description,
        json_schema_extra={TS_OPTIONAL: True},
    )


@dataclass(frozen=True)
class TsType:
    """Annotation metadata: the TypeScript spelling of a type, when it differs
    from what the Python type maps to (``bigint`` for the reference's 64-bit
    integers, for instance)."""

    ts: str


#: 64-bit integers that the reference declares as ``bigint`` in TypeScript.
TS_BIGINT: Final = TsType("bigint")

#: A count or a duration the reference reads as an unsigned 64-bit integer:
#: anything larger is refused (with a clear error) rather than taken as is.
UInt64 = Annotated[int, Field(ge=0, le=2**64 - 1)]
#: Likewise for the reference's unsigned 32-bit integers (page sizes, turn counts).
UInt32 = Annotated[int, Field(ge=0, le=2**32 - 1)]
#: Likewise for its signed 64-bit integers (durations that may be negative).
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


def _without_nul(value: str) -> str:
    if "\0" in value:
        raise PydanticCustomError("path_with_nul", "a path must not contain a NUL byte")
    return value


#: A file system path sent by the client: refused at validation when it holds
#: a NUL byte (no system call accepts one).
PathText = Annotated[str, AfterValidator(_without_nul)]


class ProtocolModel(BaseModel):
    """Root of every wire model.

    Unknown keys are ignored, as the reference ignores them. Models are built
    lazily (``defer_build``) so that importing the package stays cheap.
    The daemon validates wire input strictly (no string-to-number coercion)
    and by wire names only: ``model_validate_json(data, strict=True,
    by_alias=True, by_name=False)``.
    """

    model_config = ConfigDict(
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
    )


class SnakeModel(ProtocolModel):
    """A model whose wire names are its (snake_case) field names."""


class CamelModel(ProtocolModel):
    """A model whose wire names are the camelCase forms of its field names."""

    model_config = ConfigDict(alias_generator=to_camel)


#: Key of the serialisation context that asks for the fields newer than
#: 0.107.0 (`WithNewerFields`); the connection's session decides it.
NEWER_FIELDS: Final = "newer_fields"


class WithNewerFields(CamelModel):
    """A model with fields newer than 0.107.0 (their wire names in
    ``newer_fields``). Newer clients require them, while 0.107.0's schema
    forbids unknown keys: they are written only when the serialisation
    context holds ``{NEWER_FIELDS: True}``."""

    newer_fields: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    # No return annotation: with one, the JSON schema would be that type's.
    def _newer_fields_on_request(  # type: ignore[no-untyped-def]
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ):
        data = handler(self)
        context = info.context
        if isinstance(data, dict) and not (isinstance(context, dict) and context.get(NEWER_FIELDS)):
            for key in self.newer_fields:
                data.pop(key, None)
        return data
