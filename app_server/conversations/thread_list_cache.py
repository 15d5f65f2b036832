"""The first page of `thread/list`, kept across daemon starts.

An editor lists its recent threads as soon as it connects, and a fresh
daemon would read the whole sessions tree's folders and a hundred rollout
heads for it. The answer the early stage gave last time is kept in
``CODEX_HOME/thread_list_cache.json``, with what it was read from: the
status (mtime, size, inode), taken before reading, of the configuration
files, the thread names, every folder of the tree and every rollout file
read for the page. The next daemon answers the same request from it, before
loading anything else, when none of those changed. The files stay the
source of truth: anything changed, or changed too recently for its status
to tell (`RACY_SECONDS`), and the page is read from them again.

Only pages that start at the newest thread by creation are kept: a page by
update depends on the status of every file.

The file is a JSON header (what the page depends on), a newline, and the
``result`` of the reply as sent. Standard library only and light: the
server looks it up before it imports the early stage.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import TYPE_CHECKING, Any, Final

from .._version import __version__
from ..bootstrap import reject_constant
from ..wire_checks import ID_RANGE, has_duplicate_id, writable_as_utf8

if TYPE_CHECKING:
    from collections.abc import Sequence

CACHE_FILE: Final = "thread_list_cache.json"
#: Bumped when what the header holds, or what a page shows, changes.
_FORMAT: Final = 1
#: A file or folder modified this recently may change again without its status moving.
RACY_SECONDS: Final = 2.0
#: Larger answers are not kept (a page of very long previews).
MAX_RESULT_BYTES: Final = 4 << 20
#: Pages read from more paths are not kept (a filter that few threads pass):
#: checking them all would cost what reading them does.
MAX_STAMPS: Final = 2_000

#: ``[mtime_ns, size, inode]``, or None for a path that does not exist.
Stamp = list[int] | None


def stamp_of(path: str) -> Stamp:
    try:
        return _stamp(os.stat(path))
    except OSError:
        return None


def _stamp(status: os.stat_result) -> list[int]:
    return [status.st_mtime_ns, status.st_size, status.st_ino]


def _too_fresh(stamp: Stamp) -> bool:
    return stamp is not None and time.time() - stamp[0] / 1e9 < RACY_SECONDS


class Witness:
    """What one page was read from: each path's status, taken before it was read."""

    __slots__ = ("racy", "stamps")

    def __init__(self) -> None:
        self.stamps: dict[str, Stamp] = {}
        self.racy = False
        """Whether something was modified too recently to be vouched for."""

    def saw(self, path: str, status: os.stat_result | None) -> None:
        if status is None:
            self.stamps[path] = None
            return
        stamp = self.stamps[path] = _stamp(status)
        if _too_fresh(stamp):
            self.racy = True

    def stat(self, path: str) -> os.stat_result | None:
        """``os.stat`` of the path (None when it cannot be read), seen."""
        try:
            status = os.stat(path)
        except OSError:
            status = None
        self.saw(path, status)
        return status


class PageKey:
    """What the page depends on besides the files: who asks and how."""

    __slots__ = ("config_stamps", "home", "newer_fields", "overrides")

    def __init__(
        self,
        home: str,
        config_stamps: dict[str, Stamp],
        overrides: Sequence[str],
        newer_fields: bool,
    ) -> None:
        self.home = home
        """`CODEX_HOME`, resolved."""
        self.config_stamps = config_stamps
        """The layered configuration files, in layer order, as they were read."""
        self.overrides = list(overrides)
        self.newer_fields = newer_fields

    def header_fields(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "version": __version__,
            "home": self.home,
            "config": [[path, stamp] for path, stamp in self.config_stamps.items()],
            "overrides": self.overrides,
            "newerFields": self.newer_fields,
        }


def config_stamps(paths: Sequence[str]) -> dict[str, Stamp]:
    return {path: stamp_of(path) for path in paths}


def _canonical_params(params: object) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


def save_page(key: PageKey, request_line: bytes, result: bytes, witness: Witness) -> None:
    """Keep the answer to ``request_line`` (a ``thread/list`` the early stage
    answered with ``result``), unless something it was read from is too
    fresh. Blocking; failures leave the cache as it was."""
    if witness.racy or len(result) > MAX_RESULT_BYTES or len(witness.stamps) > MAX_STAMPS:
        return
    if any(_too_fresh(stamp) for stamp in key.config_stamps.values()):
        return
    message = json.loads(request_line)
    header = key.header_fields()
    header["params"] = _canonical_params(message.get("params"))
    header["stamps"] = witness.stamps
    header["resultBytes"] = len(result)
    data = json.dumps(header, separators=(",", ":")).encode() + b"\n" + result
    from pathlib import Path

    from ..fsutil import atomic_write

    with contextlib.suppress(OSError):
        atomic_write(Path(key.home, CACHE_FILE), data, mode=0o600)


class CachedPage:
    """A kept first page, and what it was read from."""

    __slots__ = ("_header", "_result")

    def __init__(self, header: dict[str, Any], result: bytes) -> None:
        self._header = header
        self._result = result

    def still_asked(self, key: PageKey) -> bool:
        """Whether it was read for the same home, configuration and client."""
        return self._header == {**self._header, **key.header_fields()}

    def reply_to(self, line: bytes) -> bytes | None:
        """The reply to ``line`` when it asks for this page and nothing the
        page was read from changed; None otherwise."""
        try:
            message = json.loads(line, parse_constant=reject_constant)
        except (ValueError, RecursionError):
            return None
        if type(message) is not dict or message.get("method") != "thread/list":
            return None
        request_id = message.get("id")
        if type(request_id) is not int and type(request_id) is not str:
            return None
        if type(request_id) is int and request_id not in ID_RANGE:
            return None
        if has_duplicate_id(line) or not writable_as_utf8(line, request_id):
            return None
        if _canonical_params(message.get("params")) != self._header.get("params"):
            return None
        stamps = self._header.get("stamps")
        if type(stamps) is not dict or not all(
            stamp_of(path) == stamp for path, stamp in stamps.items()
        ):
            return None
        encoded_id = json.dumps(request_id, ensure_ascii=False).encode()
        return b'{"id":' + encoded_id + b',"result":' + self._result + b"}\n"


def load_page(home: str) -> CachedPage | None:
    """The kept page of this `CODEX_HOME`; None when there is none that reads whole."""
    try:
        with open(os.path.join(home, CACHE_FILE), "rb") as file:
            data = file.read(MAX_RESULT_BYTES + (1 << 20))
    except OSError:
        return None
    header_line, newline, result = data.partition(b"\n")
    try:
        header = json.loads(header_line) if newline else None
    except ValueError:
        return None
    if type(header) is not dict or header.get("resultBytes") != len(result):
        return None
    return CachedPage(header, result)
