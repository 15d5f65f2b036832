"""The types of the methods this daemon does not serve: their params accept
anything, their result has no value."""

from typing import Annotated

from pydantic import WithJsonSchema

from ._base import JsonValue, TsType

AnyParams = Annotated[JsonValue, TsType("unknown")]
"""Params of a method that is not served: anything is accepted (the answer is an error)."""

NeverSent = Annotated[None, TsType("never"), WithJsonSchema({"not": {}})]
"""A result that is never sent (TypeScript ``never``)."""
