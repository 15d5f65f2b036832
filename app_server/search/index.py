"""The files under one search root, kept between searches.

Listing a large tree costs far more than matching against the list, and an
editor searches the same root again and again while the user types. So each
root's listing is kept, and before every search it is checked: one ``stat``
per directory (a directory's mtime changes when an entry is added, removed or
renamed) and per ignore file; only the directories that changed are listed
again. A directory modified moments before it was listed is listed again next
time too, since a change within the file system's timestamp granularity
would not move its mtime.

What is listed follows the reference: every file, hidden ones included, minus
what ignore files exclude (see `ignore`); symbolic links are listed as files
and never followed; ``.git`` is skipped. Paths are relative to the root, with
'/' separators; names that are not valid UTF-8 are left out, as the
reference leaves them out.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Final

from . import ignore
from .ignore import FileStamp, Rules
from .matcher import classes_of, fold, matcher_text

#: A directory whose mtime is this close to the time it was listed is listed
#: again at the next search: a change within the file system's timestamp
#: granularity would not move its mtime. Whole-second mtimes betray a coarse
#: file system; others tick at least every few milliseconds.
RACY_WINDOW_NS: Final = 50_000_000
RACY_WINDOW_COARSE_NS: Final = 2_000_000_000

_SPECIAL_NAMES: Final = frozenset((*ignore.IGNORE_FILE_NAMES, ignore.GIT_DIR))
_SEPARATOR: Final = "\0"
#: Whitespace, delimiters other than '/', DEL: rare in paths.
_IRREGULAR_ASCII: Final = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f,:;|\x7f"
#: The same, and any character that is not ASCII.
_IRREGULAR: Final = re.compile(r"[^\x00-\x08\x0e-\x1b\x21-\x2b\x2d-\x39\x3c-\x7b\x7d\x7e]")


@dataclass(slots=True)
class _Dir:
    path: str
    """Absolute."""
    rules: Rules
    """The rules for this directory's entries (its own ignore files included)."""
    mtime_ns: int
    racy: bool
    files: list[str]
    subdirs: list[str]
    stamps: list[FileStamp]
    """The ignore files read in this directory."""


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by os as surrogates
        return False
    return True


class Snapshot:
    """The files of one root at one moment, with what matching needs.

    The joined strings are built on first use and kept while the listing does
    not change: every path (as the matcher sees it), each preceded by a NUL,
    which a file name never contains.
    """

    def __init__(self, paths: list[str]) -> None:
        paths.sort()
        self.paths = paths
        raw = _SEPARATOR + _SEPARATOR.join(paths)
        self.all_ascii = raw.isascii()
        if self.all_ascii:
            self.texts = paths
        else:
            self.texts = [matcher_text(p) for p in paths]
            raw = _SEPARATOR + _SEPARATOR.join(self.texts)
        self._lock = threading.Lock()
        self._joined: dict[tuple[bool, bool], str] = {(False, False): raw}
        self._classes: str | None = None
        self._offsets: list[int] | None = None
        self._starts: dict[int, int] | None = None
        self._irregular: set[int] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def joined(self, ignore_case: bool, normalize: bool) -> str:
        """All texts as an atom with these settings compares them."""
        if self.all_ascii:
            normalize = False
        key = (ignore_case, normalize)
        with self._lock:
            text = self._joined.get(key)
            if text is None:
                raw = self._joined[(False, False)]
                if self.all_ascii:
                    text = raw.lower()
                else:
                    text = _SEPARATOR + _SEPARATOR.join(
                        fold(t, ignore_case, normalize) for t in self.texts
                    )
                self._joined[key] = text
            return text

    def classes(self) -> str:
        """The character class of every position of `joined`."""
        raw = self.joined(False, False)
        with self._lock:
            if self._classes is None:
                self._classes = classes_of(raw)
            return self._classes

    def offsets(self) -> list[int]:
        """Where each path's separator is in `joined`."""
        with self._lock:
            if self._offsets is None:
                steps = [len(text) + 1 for text in self.texts]
                offsets = list(itertools.accumulate(steps, initial=0))
                offsets.pop()
                self._offsets = offsets
            return self._offsets

    def irregular(self) -> set[int]:
        """Separator offsets (see `offsets`) of the paths holding whitespace,
        a delimiter other than '/', or non-ASCII characters: where the
        matcher's bonuses are less predictable (see `bounds`)."""
        raw = self.joined(False, False)
        with self._lock:
            if self._irregular is None:
                positions: list[int] = []
                if raw.isascii():  # a few scans for characters most trees lack
                    for c in _IRREGULAR_ASCII:
                        at = raw.find(c)
                        while at >= 0:
                            positions.append(at)
                            at = raw.find(c, at + 1)
                else:
                    positions = [m.start() for m in _IRREGULAR.finditer(raw)]
                self._irregular = {raw.rfind(_SEPARATOR, 0, at) for at in positions}
            return self._irregular

    def starts(self) -> dict[int, int]:
        """The inverse of `offsets`: a separator's offset -> its path's index."""
        offsets = self.offsets()
        with self._lock:
            if self._starts is None:
                self._starts = dict(zip(offsets, range(len(offsets)), strict=True))
            return self._starts


@dataclass
class FileIndex:
    """The listing of one root (an absolute path), refreshed on demand."""

    root: str
    _dirs: dict[str, _Dir] = field(default_factory=dict)
    _above: Rules = field(default_factory=Rules)
    _watched: list[FileStamp | str] | None = None
    _snapshot: Snapshot | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> Snapshot:
        """The files as they are now (blocking: lists what changed)."""
        with self._lock:
            if self._watched is None or not self._dirs or not ignore.unchanged(self._watched):
                self._rebuild()
            elif self._revalidate():
                self._snapshot = None
            if self._snapshot is None:
                self._snapshot = Snapshot([f for d in self._dirs.values() for f in d.files])
            return self._snapshot

    # -- listing ----------------------------------------------------------------

    def _rebuild(self) -> None:
        self._above, self._watched = ignore.rules_above_root(self.root)
        self._dirs = {}
        self._snapshot = None
        self._walk("", self._above)

    def _walk(self, top: str, rules: Rules) -> None:
        """List ``top`` and everything below it."""
        stack = [(top, rules)]
        while stack:
            rel, parent_rules = stack.pop()
            listed = self._list(rel, parent_rules)
            if listed is None:
                continue
            self._dirs[rel] = listed
            stack.extend((sub, listed.rules) for sub in reversed(listed.subdirs))

    def _list(self, rel: str, parent_rules: Rules) -> _Dir | None:
        """One directory's entries, filtered by the rules in force there."""
        abs_dir = os.path.join(self.root, rel) if rel else self.root
        now = time.time_ns()
        try:
            mtime = os.stat(abs_dir).st_mtime_ns
            with os.scandir(abs_dir) as it:
                entries = list(it)
        except OSError:
            return None
        rules = parent_rules
        stamps: list[FileStamp] = []
        names = {e.name for e in entries if e.name in _SPECIAL_NAMES}
        if names:
            depth = rel.count("/") + 1 if rel else 0
            rules, stamps = ignore.rules_for_directory(
                parent_rules, abs_dir, rel, depth, ignore.GIT_DIR in names
            )
        prefix = rel + "/" if rel else ""
        check = bool(rules.matchers)
        files: list[str] = []
        subdirs: list[str] = []
        for entry in entries:
            name = entry.name
            if (not name.isascii() and not _valid_name(name)) or name == ignore.GIT_DIR:
                continue
            path = prefix + name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if check and rules.ignores(path, is_dir):
                continue
            if is_dir:
                subdirs.append(path)
            else:
                files.append(path)
        window = RACY_WINDOW_COARSE_NS if mtime % 1_000_000_000 == 0 else RACY_WINDOW_NS
        return _Dir(abs_dir, rules, mtime, now - mtime < window, files, subdirs, stamps)

    # -- revalidation -------------------------------------------------------------

    def _revalidate(self) -> bool:
        """List again the directories that changed; True when any did."""
        changed = False
        stat = os.stat
        for rel, listed in list(self._dirs.items()):
            try:
                mtime: int | None = stat(listed.path).st_mtime_ns
            except OSError:
                mtime = None
            if (
                mtime == listed.mtime_ns
                and not listed.racy
                and (not listed.stamps or all(ignore.stamp(s[0]) == s for s in listed.stamps))
            ):
                continue
            if self._dirs.get(rel) is not listed:  # went with an ancestor
                continue
            changed = True
            self._relist(rel, listed)
        return changed

    def _parent_rules(self, rel: str) -> Rules:
        if not rel:
            return self._above
        parent = self._dirs.get(rel.rpartition("/")[0])
        return parent.rules if parent is not None else self._above

    def _relist(self, rel: str, old: _Dir) -> None:
        parent_rules = self._parent_rules(rel)
        new = self._list(rel, parent_rules)
        if new is None:
            self._drop(rel)
            return
        if new.stamps != old.stamps:
            # Its ignore files changed: what is below may be in or out now.
            self._drop(rel)
            self._walk(rel, parent_rules)
            return
        self._dirs[rel] = new
        kept = set(new.subdirs)
        for sub in old.subdirs:
            if sub not in kept:
                self._drop(sub)
        known = set(old.subdirs)
        for sub in new.subdirs:
            if sub not in known:
                self._walk(sub, new.rules)

    def _drop(self, rel: str) -> None:
        stack = [rel]
        while stack:
            listed = self._dirs.pop(stack.pop(), None)
            if listed is not None:
                stack.extend(listed.subdirs)
