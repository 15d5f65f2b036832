"""An MCP tool's input schema, as the parameters of the function offered to the model.

Models are given a small subset of JSON Schema, the one the reference sends
(and models are trained on): ``boolean``, ``string``, ``number`` (integers
too), ``array`` with ``items``, and ``object`` with ``properties``,
``required`` and ``additionalProperties``; descriptions are kept on the
scalar and array schemas. Everything else (enums, defaults, bounds, formats,
combinators, ``$ref``) is dropped. A schema without a usable ``type`` gets
one inferred from its other keywords, else ``string``; an object gets
``properties: {}`` and an array ``items: {"type": "string"}`` when they have
none. Only ``type``, ``properties``, ``required`` and (as Codex 0.107.0 does)
``additionalProperties`` of the top level are read. A schema using a type
outside the subset (``null``, say) cannot be offered: `UnsupportedSchema` is
raised and the tool is left out.
"""

from __future__ import annotations

from typing import Any, Final

JsonObject = dict[str, Any]

_SCALARS: Final = {
    "boolean": "boolean",
    "string": "string",
    "number": "number",
    "integer": "number",
}
_KNOWN_TYPES: Final = ("object", "array", "string", "number", "integer", "boolean")


class UnsupportedSchema(ValueError):
    """The schema cannot be expressed in the subset models are given."""


def tool_parameters(input_schema: JsonObject) -> JsonObject:
    """The ``parameters`` of the function tool for an MCP tool's ``inputSchema``."""
    properties = input_schema.get("properties")
    top: JsonObject = {
        "type": input_schema.get("type", "object"),
        "properties": {} if properties is None else properties,
    }
    if input_schema.get("required") is not None:
        top["required"] = input_schema["required"]
    if "additionalProperties" in input_schema:
        top["additionalProperties"] = input_schema["additionalProperties"]
    return convert(top)


def convert(schema: Any) -> JsonObject:
    """One (sub)schema in the subset."""
    if isinstance(schema, bool):
        # `true` / `false` schemas: accept anything, said as a string.
        return {"type": "string"}
    if not isinstance(schema, dict):
        raise UnsupportedSchema(f"a schema must be an object, not {type(schema).__name__}")
    kind = _type_of(schema)
    description = schema.get("description")
    if kind in _SCALARS:
        return _with_description({"type": _SCALARS[kind]}, description)
    if kind == "array":
        items = schema.get("items", {"type": "string"})
        return _with_description({"type": "array", "items": convert(items)}, description)
    if kind == "object":
        return _object(schema)
    raise UnsupportedSchema(f"unsupported schema type `{kind}`")


def _object(schema: JsonObject) -> JsonObject:
    properties = schema.get("properties") or {}
    if not isinstance(properties, dict):
        raise UnsupportedSchema("`properties` must be an object")
    result: JsonObject = {
        "type": "object",
        "properties": {name: convert(properties[name]) for name in sorted(properties)},
    }
    required = schema.get("required")
    if required is not None:
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise UnsupportedSchema("`required` must be a list of property names")
        result["required"] = list(required)
    additional = schema.get("additionalProperties")
    if isinstance(additional, bool):
        result["additionalProperties"] = additional
    elif additional is not None:
        result["additionalProperties"] = convert(additional)
    return result


def _type_of(schema: JsonObject) -> str:
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    if isinstance(kind, list):
        for candidate in kind:
            if candidate in _KNOWN_TYPES:
                return str(candidate)
    if any(key in schema for key in ("properties", "required", "additionalProperties")):
        return "object"
    if any(key in schema for key in ("items", "prefixItems")):
        return "array"
    if any(key in schema for key in ("enum", "const", "format")):
        return "string"
    if any(
        key in schema
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
    ):
        return "number"
    return "string"


def _with_description(schema: JsonObject, description: Any) -> JsonObject:
    if isinstance(description, str):
        schema["description"] = description
    return schema
