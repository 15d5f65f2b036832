"""What the model has seen of a thread, kept compact.

A resumed thread's history is thousands of items; as pydantic models (each
with its dict, its set of fields, its nested models) they take twice the
memory of their JSON. So the items read back from a rollout are kept as
their JSON, the compact bytes their serializer writes, and decoded only
where one is looked at; the items a live turn adds stay models. A model
request needs the JSON anyway: `History.json_values` gives it without
making the models, and `History.json_array` writes the request's input
straight from it.

An item is kept encoded only when its JSON tells all of it: one of a known
kind (whose fields hold no float, written alike by pydantic and by `json`)
and without an ``id`` (which its JSON leaves out).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, MutableSequence
from typing import Any, overload

from pydantic import TypeAdapter

from app_server_protocol.items import ResponseItem, ResponseItemOther

_Entry = bytes | ResponseItem
"""An item: its JSON (as its serializer writes it), or the model itself."""

_item_adapter: TypeAdapter[ResponseItem] | None = None


def _adapter() -> TypeAdapter[ResponseItem]:
    global _item_adapter
    if _item_adapter is None:
        _item_adapter = TypeAdapter(ResponseItem)
    return _item_adapter


def encode_item(item: ResponseItem) -> bytes:
    """The item's JSON, as a rollout line holds it."""
    return item.__pydantic_serializer__.to_json(item)


def _decoded(entry: _Entry) -> ResponseItem:
    if isinstance(entry, bytes):
        return _adapter().validate_json(entry)
    return entry


def _encoded(entry: _Entry) -> bytes:
    return entry if isinstance(entry, bytes) else encode_item(entry)


class History(MutableSequence[ResponseItem]):
    """A list of response items, oldest first, some of them kept encoded."""

    __slots__ = ("_entries",)

    def __init__(self, items: Iterable[ResponseItem] = ()) -> None:
        self._entries: list[_Entry] = list(items)

    def append_compact(self, item: ResponseItem) -> None:
        """Add ``item``, kept encoded when its JSON tells all of it."""
        if isinstance(item, ResponseItemOther) or getattr(item, "id", None):
            self._entries.append(item)
        else:
            self._entries.append(encode_item(item))

    def copy(self) -> History:
        copied = History()
        copied._entries = list(self._entries)
        return copied

    # -- the sequence ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> ResponseItem: ...
    @overload
    def __getitem__(self, index: slice) -> History: ...
    def __getitem__(self, index: int | slice) -> ResponseItem | History:
        if isinstance(index, slice):
            part = History()
            part._entries = self._entries[index]
            return part
        return _decoded(self._entries[index])

    @overload
    def __setitem__(self, index: int, value: ResponseItem) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Iterable[ResponseItem]) -> None: ...
    def __setitem__(self, index: int | slice, value: Any) -> None:
        if isinstance(index, slice):
            self._entries[index] = list(value._entries if isinstance(value, History) else value)
        else:
            self._entries[index] = value

    def __delitem__(self, index: int | slice) -> None:
        del self._entries[index]

    def insert(self, index: int, value: ResponseItem) -> None:
        self._entries.insert(index, value)

    def __iter__(self) -> Iterator[ResponseItem]:
        for entry in self._entries:
            yield _decoded(entry)

    def extend(self, values: Iterable[ResponseItem]) -> None:
        self._entries.extend(values._entries if isinstance(values, History) else values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, History):
            return list(self) == list(other)
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"History({list(self)!r})"

    # -- without making every model ---------------------------------------------------

    def json_values(self) -> list[Any]:
        """Every item as JSON values (what ``dump_python(mode="json")`` gives)."""
        return [
            json.loads(entry) if isinstance(entry, bytes) else _dump(entry)
            for entry in self._entries
        ]

    def json_array(self) -> bytes:
        """The items as a JSON array, written as ``json.dumps`` (compact, not
        ASCII-only) writes `json_values`."""
        return b"[" + b",".join(map(_wire_json, self._entries)) + b"]"

    def encoded(self) -> Iterator[bytes]:
        """Every item's JSON."""
        for entry in self._entries:
            yield _encoded(entry)

    def indexed_containing(self, marker: bytes) -> Iterator[tuple[int, ResponseItem]]:
        """The items (with their index) whose JSON may hold ``marker``: the
        encoded ones that do not are not decoded. ``marker`` must be written
        alike in and out of a JSON string (no quote, backslash or control
        character), or be JSON syntax itself such as ``"role":"user"``."""
        for index, entry in enumerate(self._entries):
            if not isinstance(entry, bytes):
                yield index, entry
            elif marker in entry:
                yield index, _decoded(entry)


def _dump(item: ResponseItem) -> Any:
    return item.__pydantic_serializer__.to_python(item, mode="json")


def _wire_json(entry: _Entry) -> bytes:
    if isinstance(entry, bytes):
        return entry
    return json.dumps(_dump(entry), ensure_ascii=False, separators=(",", ":")).encode()


USER_ROLE: bytes = b'"role":"user"'
"""What the JSON of a user message holds (`History.indexed_containing`)."""


def user_items(history: Iterable[ResponseItem]) -> Iterator[tuple[int, ResponseItem]]:
    """The items (with their index) that may be user messages; for a
    `History`, without decoding the others."""
    if isinstance(history, History):
        return history.indexed_containing(USER_ROLE)
    return enumerate(history)
