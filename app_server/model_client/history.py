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
and without an ``id`` (which its JSON leaves out). A long one (a command's
output, an answer) is kept compressed (`_Packed`): text compresses well, and
inflating a whole history for a request takes milliseconds.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator, MutableSequence
from typing import Any, Final, overload

from pydantic import TypeAdapter

from app_server_protocol.items import ResponseItem, ResponseItemOther

#: Items whose JSON is at least this long are kept compressed.
PACK_BYTES: Final = 512
#: The start of a packed item's JSON kept as is, where its kind and role are.
_HEAD_BYTES: Final = 64
_MESSAGE_HEAD: Final = b'{"type":"message"'
_ROLE_KEY: Final = b'"role":'
#: The ``type`` an item's JSON starts with (its serializer writes it first).
_TYPE_HEAD: Final = re.compile(rb'\{"type":"([a-z_]+)"')
#: What the JSON of a user message holds.
USER_ROLE: Final = b'"role":"user"'


class _Packed:
    """A long item's JSON: its head as is, the rest compressed."""

    __slots__ = ("head", "rest", "size")

    def __init__(self, data: bytes) -> None:
        self.size = len(data)
        self.head = data[:_HEAD_BYTES]
        self.rest = zlib.compress(data[_HEAD_BYTES:], 1)

    def json(self) -> bytes:
        return self.head + zlib.decompress(self.rest)

    def may_be_user_message(self) -> bool:
        """False when the head shows a kind other than a message, or a role
        other than the user's (the serializer writes ``type`` and ``role``
        first)."""
        if not self.head.startswith(_MESSAGE_HEAD):
            return False
        return USER_ROLE in self.head or _ROLE_KEY not in self.head


_Entry = bytes | _Packed | ResponseItem
"""An item: its JSON (as its serializer writes it; compressed when long), or
the model itself."""

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
    if isinstance(entry, _Packed):
        return _adapter().validate_json(entry.json())
    return entry


def _encoded(entry: _Entry) -> bytes:
    if isinstance(entry, bytes):
        return entry
    if isinstance(entry, _Packed):
        return entry.json()
    return encode_item(entry)


class History(MutableSequence[ResponseItem]):
    """A list of response items, oldest first, some of them kept encoded."""

    __slots__ = ("_entries",)

    def __init__(self, items: Iterable[ResponseItem] = ()) -> None:
        self._entries: list[_Entry] = list(items)

    def append_compact(self, item: ResponseItem) -> None:
        """Add ``item``, kept encoded when its JSON tells all of it."""
        if isinstance(item, ResponseItemOther) or getattr(item, "id", None):
            self._entries.append(item)
            return
        data = encode_item(item)
        self._entries.append(_Packed(data) if len(data) >= PACK_BYTES else data)

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
            json.loads(_encoded(entry)) if isinstance(entry, bytes | _Packed) else _dump(entry)
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

    def item_types(self) -> Iterator[str | None]:
        """Each item's ``type``, read from the head of its JSON when it is kept
        encoded (None when the head does not show it)."""
        for entry in self._entries:
            if isinstance(entry, bytes | _Packed):
                head = entry if isinstance(entry, bytes) else entry.head
                found = _TYPE_HEAD.match(head)
                yield found.group(1).decode() if found else None
            else:
                kind = getattr(entry, "type", None)
                yield kind if isinstance(kind, str) else None

    def longer_than(self, size: int, kinds: frozenset[str]) -> Iterator[int]:
        """The indexes of the items of these ``kinds`` whose JSON is longer than
        ``size`` bytes (an item kept as a model counts as long)."""
        for index, (entry, kind) in enumerate(zip(self._entries, self.item_types(), strict=True)):
            if kind not in kinds:
                continue
            if isinstance(entry, bytes):
                long = len(entry) > size
            else:
                long = not isinstance(entry, _Packed) or entry.size > size
            if long:
                yield index

    def user_candidates(self) -> Iterator[tuple[int, ResponseItem]]:
        """The items (with their index) that may be user messages: the
        encoded ones whose JSON shows otherwise are not decoded."""
        for index, entry in enumerate(self._entries):
            if isinstance(entry, bytes):
                if USER_ROLE in entry:
                    yield index, _decoded(entry)
            elif isinstance(entry, _Packed):
                if entry.may_be_user_message():
                    yield index, _decoded(entry)
            else:
                yield index, entry


def _dump(item: ResponseItem) -> Any:
    return item.__pydantic_serializer__.to_python(item, mode="json")


def _wire_json(entry: _Entry) -> bytes:
    if isinstance(entry, bytes):
        return entry
    if isinstance(entry, _Packed):
        return entry.json()
    return json.dumps(_dump(entry), ensure_ascii=False, separators=(",", ":")).encode()


def user_items(history: Iterable[ResponseItem]) -> Iterator[tuple[int, ResponseItem]]:
    """The items (with their index) that may be user messages; for a
    `History`, without decoding the others."""
    if isinstance(history, History):
        return history.user_candidates()
    return enumerate(history)
