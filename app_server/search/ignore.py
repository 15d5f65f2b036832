"""Which files a search skips: the rules of .gitignore and .ignore files.

The reference walks with ripgrep's `ignore` crate, configured to show hidden
files, not to follow symbolic links and to apply git's ignore files even
outside a repository. Its rules, reproduced here:

* ``.ignore`` and ``.gitignore`` files apply in their own directory and below,
  and so do those of every directory above the searched root;
* a repository's ``.git/info/exclude`` applies to the whole repository, and the
  user's global excludes file (``core.excludesFile``, by default
  ``$XDG_CONFIG_HOME/git/ignore``) applies everywhere;
* for a given path, ``.ignore`` rules win over ``.gitignore`` rules, which win
  over ``info/exclude``, which win over the global file; within one kind the
  deepest file that has an opinion decides (a ``!pattern`` re-includes);
* an ignored directory is not entered.

Pattern matching itself is `pathspec`'s `GitIgnoreSpec` (imported only when an
ignore file exists), so the git pattern syntax is not reimplemented here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

#: Ignore file names read in every directory, in order of precedence.
IGNORE_FILE_NAMES: Final = (".ignore", ".gitignore")

# Precedence of each kind of rule (lower wins).
KIND_IGNORE: Final = 0
KIND_GITIGNORE: Final = 1
KIND_EXCLUDE: Final = 2
KIND_GLOBAL: Final = 3

_KIND_OF_NAME: Final = {".ignore": KIND_IGNORE, ".gitignore": KIND_GITIGNORE}

#: Never listed nor entered: the repository's own database.
GIT_DIR: Final = ".git"

FileStamp = tuple[str, int, int]
"""An ignore file as last read: (path, mtime in ns, size)."""


def stamp(path: str) -> FileStamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (path, st.st_mtime_ns, st.st_size)


def _parse(path: str) -> GitIgnoreSpec | None:
    """The patterns of one ignore file; None when it is missing, unreadable or empty."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None
    from pathspec import GitIgnoreSpec

    spec = GitIgnoreSpec.from_lines(lines)
    return spec if spec.patterns else None


@dataclass(frozen=True, slots=True)
class Matcher:
    """The patterns of one ignore file, anchored at the directory holding it."""

    kind: int
    depth: int
    """How deep the file's directory is (ancestors of the root count below 0)."""
    strip: int
    """Characters to drop from a root-relative path to make it relative to
    the ignore file's directory (directories inside the root)."""
    prefix: str
    """Text to put in front of a root-relative path for the same purpose
    (directories above the root)."""
    spec: GitIgnoreSpec
    any_line: re.Pattern[str] | None
    """Finds, in paths written one per line, a line that some pattern
    matches (see `_any_line`); None when it cannot be built."""
    any_pattern: re.Pattern[str] | None = None
    """Matches one path that some pattern matches, when no pattern
    re-includes (``!``): a match is then the verdict, without asking the
    spec (which costs far more)."""

    def ignores_fast(self, rel: str, is_dir: bool) -> bool | None:
        """`verdict` from `any_pattern` (None: it cannot tell)."""
        if self.any_pattern is None:
            return None
        path = self.prefix + rel[self.strip :]
        if is_dir:
            path += "/"
        return self.any_pattern.match(path) is not None

    def verdict(self, rel: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a ``!`` pattern; None: no opinion."""
        path = self.prefix + rel[self.strip :]
        if is_dir:
            path += "/"
        result: bool | None = self.spec.check_file(path).include
        return result

    def may_judge(self, dir_prefix: str, entries: list[str]) -> list[int] | None:
        """The indices of the ``entries`` of one directory (names; a
        directory's followed by '/') that this file may have an opinion on:
        one search over all of them, instead of asking the spec about each.
        ``dir_prefix`` is the directory relative to the root, followed by
        '/' ('' for the root). None: ask about every entry."""
        any_line = self.any_line
        if any_line is None:
            return None
        base = self.prefix + dir_prefix[self.strip :]
        text = base + ("\n" + base).join(entries)
        found = any_line.search(text)
        indices: list[int] = []
        line = 0
        counted_to = 0
        while found is not None:
            # A match may run over several lines; the line it starts in is
            # checked, and the search goes on from the next one, so that no
            # line that matches alone is passed over.
            start = found.start()
            line += text.count("\n", counted_to, start)
            indices.append(line)
            next_line = text.find("\n", start) + 1
            if next_line == 0:
                break
            line += 1
            counted_to = next_line
            found = any_line.search(text, next_line)
        return indices


_GROUP_NAME: Final = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")
#: Constructs that would read differently with paths side by side.
_NOT_LINEWISE: Final = ("(?P=", "(?<", "\\A", "\\Z", "(?s", "(?m")


def _any_line(spec: GitIgnoreSpec) -> re.Pattern[str] | None:
    """One expression, over paths written one per line, that matches where
    any pattern of ``spec`` matches one of the paths alone (their named
    groups made plain, so that they may stand side by side; '^' and '$' at
    line ends). It may match across lines too: a match is only a hint.
    None when the patterns do not lend themselves to it."""
    sources: list[str] = []
    for pattern in spec.patterns:
        regex = getattr(pattern, "regex", None)
        if getattr(pattern, "include", None) is None or regex is None:
            continue
        if not isinstance(regex, re.Pattern) or not isinstance(regex.pattern, str):
            return None
        source = regex.pattern
        if regex.flags & ~re.UNICODE or any(bad in source for bad in _NOT_LINEWISE):
            return None
        sources.append("(?:" + _GROUP_NAME.sub("(?:", source) + ")")
    try:
        return re.compile("|".join(sources), re.MULTILINE) if sources else None
    except re.error:
        return None


@dataclass(frozen=True, slots=True)
class Rules:
    """The matchers in force in one directory, in order of precedence."""

    matchers: tuple[Matcher, ...] = ()

    def ignores(self, rel: str, is_dir: bool) -> bool:
        for matcher in self.matchers:
            verdict = matcher.verdict(rel, is_dir)
            if verdict is not None:
                return verdict
        return False

    def keep(self, dir_prefix: str, names: list[str], is_dir: bool) -> list[str]:
        """The ``names`` (entries of one directory, all files or all
        subdirectories) that these rules do not ignore."""
        if not self.matchers or not names:
            return names
        entries = [name + "/" for name in names] if is_dir else names
        suspects: set[int] = set()
        if "\n" in "".join(names):
            suspects.update(range(len(names)))
        else:
            for matcher in self.matchers:
                found = matcher.may_judge(dir_prefix, entries)
                if found is None:
                    suspects.update(range(len(names)))
                    break
                suspects.update(found)
        if not suspects:
            return names
        ignores = self.ignores
        if all(m.any_pattern is not None for m in self.matchers):
            ignores = self._ignores_fast
        return [
            name
            for i, name in enumerate(names)
            if i not in suspects or not ignores(dir_prefix + name, is_dir)
        ]

    def keep_both(
        self, dir_prefix: str, files: list[str], subdirs: list[str]
    ) -> tuple[list[str], list[str]]:
        """`keep` for the files and the subdirectories of one directory at
        once (one search per ignore file instead of two)."""
        if not self.matchers:
            return files, subdirs
        if not subdirs:
            return self.keep(dir_prefix, files, False), subdirs
        if not files:
            return files, self.keep(dir_prefix, subdirs, True)
        entries = files + [name + "/" for name in subdirs]
        suspects: set[int] = set()
        if "\n" in "".join(entries):
            suspects.update(range(len(entries)))
        else:
            for matcher in self.matchers:
                found = matcher.may_judge(dir_prefix, entries)
                if found is None:
                    suspects.update(range(len(entries)))
                    break
                suspects.update(found)
        if not suspects:
            return files, subdirs
        ignores = self.ignores
        if all(m.any_pattern is not None for m in self.matchers):
            ignores = self._ignores_fast
        count = len(files)
        kept_files = [
            name
            for i, name in enumerate(files)
            if i not in suspects or not ignores(dir_prefix + name, False)
        ]
        kept_subdirs = [
            name
            for i, name in enumerate(subdirs, count)
            if i not in suspects or not ignores(dir_prefix + name, True)
        ]
        return kept_files, kept_subdirs

    def _ignores_fast(self, rel: str, is_dir: bool) -> bool:
        """`ignores` when no rule re-includes: any match ignores."""
        return any(m.ignores_fast(rel, is_dir) for m in self.matchers)

    def with_matchers(self, added: list[Matcher]) -> Rules:
        if not added:
            return self
        merged = sorted((*self.matchers, *added), key=lambda m: (m.kind, -m.depth))
        return Rules(tuple(merged))


def _read_matcher(
    path: str, kind: int, depth: int, strip: int, prefix: str
) -> tuple[FileStamp | None, Matcher | None]:
    """One ignore file: its stamp (None: it does not exist) and its matcher
    (None: it holds no pattern)."""
    file_stamp = stamp(path)
    spec = _parse(path) if file_stamp is not None else None
    if spec is None:
        return file_stamp, None
    return file_stamp, matcher_of(spec, kind, depth, strip, prefix)


def matcher_of(spec: GitIgnoreSpec, kind: int, depth: int, strip: int, prefix: str) -> Matcher:
    any_line = _any_line(spec)
    any_pattern = None
    if any_line is not None and all(p.include is not False for p in spec.patterns):
        any_pattern = re.compile(any_line.pattern)
    return Matcher(kind, depth, strip, prefix, spec, any_line, any_pattern)


def rules_for_directory(
    base: Rules, abs_dir: str, rel_dir: str, depth: int, has_git: bool
) -> tuple[Rules, list[FileStamp]]:
    """``base`` plus the ignore files found in one directory of the walk.

    ``rel_dir`` is the directory relative to the root ('' for the root). Also
    returns the stamps of the files read, to notice when they change.
    """
    strip = len(rel_dir) + 1 if rel_dir else 0
    files = [(os.path.join(abs_dir, name), _KIND_OF_NAME[name]) for name in IGNORE_FILE_NAMES]
    exclude = _info_exclude_path(abs_dir) if has_git else None
    if exclude is not None:
        files.append((exclude, KIND_EXCLUDE))
    added: list[Matcher] = []
    stamps: list[FileStamp] = []
    for path, kind in files:
        file_stamp, matcher = _read_matcher(path, kind, depth, strip, "")
        if file_stamp is not None:
            stamps.append(file_stamp)
        if matcher is not None:
            added.append(matcher)
    return base.with_matchers(added), stamps


def rules_above_root(root: str) -> tuple[Rules, list[FileStamp | str]]:
    """The rules that reach into ``root`` from outside it: its ancestors'
    ignore files, their repositories' excludes and the global excludes file.

    Also returns what to watch to notice a change: the stamps of the files
    read, and the paths that did not exist (a new one changes the rules).
    """
    watched: list[FileStamp | str] = [stamp(config) or config for config in _git_config_paths()]
    matchers: list[Matcher] = []

    def read(path: str, kind: int, depth: int, prefix: str) -> None:
        file_stamp, matcher = _read_matcher(path, kind, depth, 0, prefix)
        watched.append(file_stamp or path)
        if matcher is not None:
            matchers.append(matcher)

    global_path = global_excludes_path()
    if global_path is not None:
        read(global_path, KIND_GLOBAL, -(1 << 20), "")
    current = root
    depth = 0
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            break
        depth -= 1
        prefix = os.path.relpath(root, parent).replace(os.sep, "/") + "/"
        for name in IGNORE_FILE_NAMES:
            read(os.path.join(parent, name), _KIND_OF_NAME[name], depth, prefix)
        git_marker = os.path.join(parent, GIT_DIR)
        if os.path.lexists(git_marker):
            exclude = _info_exclude_path(parent)
            if exclude is not None:
                read(exclude, KIND_EXCLUDE, depth, prefix)
        else:
            watched.append(git_marker)
        current = parent
    return Rules().with_matchers(matchers), watched


def unchanged(watched: list[FileStamp | str]) -> bool:
    """Whether everything `rules_above_root` read is as it was."""
    for item in watched:
        if isinstance(item, str):
            if os.path.lexists(item):
                return False
        elif stamp(item[0]) != item:
            return False
    return True


def _info_exclude_path(repo_dir: str) -> str | None:
    """``info/exclude`` of the repository whose work tree is ``repo_dir``."""
    marker = os.path.join(repo_dir, GIT_DIR)
    if os.path.isdir(marker):
        return os.path.join(marker, "info", "exclude")
    # A worktree or a submodule: `.git` is a file naming the real git dir.
    try:
        with open(marker, encoding="utf-8", errors="replace") as f:
            first = f.readline().strip()
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    git_dir = os.path.join(repo_dir, first[len("gitdir:") :].strip())
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as f:
            git_dir = os.path.join(git_dir, f.read().strip())
    except OSError:
        pass
    return os.path.join(git_dir, "info", "exclude")


_EXCLUDES_FILE: Final = re.compile(r"^\s*excludesfile\s*=\s*(.*?)\s*$", re.IGNORECASE)
_SECTION: Final = re.compile(r"^\s*\[\s*([^\]\s]+)")


def _xdg_config_home() -> str:
    return os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")


def _git_config_paths() -> tuple[str, str]:
    """The user's git config files, in the order git reads them."""
    return (
        os.path.join(_xdg_config_home(), "git", "config"),
        os.path.join(os.path.expanduser("~"), ".gitconfig"),
    )


def global_excludes_path() -> str | None:
    """Where git's global excludes file is, as git would find it: the
    ``core.excludesFile`` of the user's git config, else the XDG default."""
    configured: str | None = None
    for config in _git_config_paths():
        value = _core_excludes_file(config)
        if value is not None:
            configured = value  # ~/.gitconfig wins over the XDG config, as in git
    if configured is not None:
        if configured.startswith('"') and configured.endswith('"') and len(configured) > 1:
            configured = configured[1:-1]
        return os.path.expanduser(configured) if configured else None
    return os.path.join(_xdg_config_home(), "git", "ignore")


def _core_excludes_file(config: str) -> str | None:
    try:
        with open(config, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except OSError:
        return None
    section = ""
    value = None
    for line in lines:
        header = _SECTION.match(line)
        if header:
            section = header.group(1).lower()
            continue
        if section == "core":
            found = _EXCLUDES_FILE.match(line)
            if found:
                value = found.group(1)
    return value
