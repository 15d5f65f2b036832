"""What the client is told, after ``initialize``, about a `config.toml` that
cannot be used (``configWarning``): the reference's summary, the problem at
``path:line:column``, and where it is (line and column from 1). Blocking
(reads the file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pydantic import ValidationError

from .layers import CONFIG_FILE, locate_key, toml_syntax_error
from .model import ConfigToml

SUMMARY: Final = "Invalid configuration; using defaults."


@dataclass(frozen=True)
class LoadProblem:
    path: Path
    line: int | None
    column: int | None
    message: str

    @property
    def details(self) -> str:
        if self.line is None or self.column is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def config_problem(codex_home: Path) -> LoadProblem | None:
    """The first problem of the user's `config.toml`, None when it is usable."""
    path = codex_home / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        return LoadProblem(path, None, None, f"not valid UTF-8 (at byte {exc.start})")
    except OSError as exc:
        return LoadProblem(path, None, None, str(exc))
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = toml_syntax_error(exc)
        return LoadProblem(path, line, column, message)
    except RecursionError:
        return LoadProblem(path, None, None, "tables or arrays nested too deeply")
    try:
        ConfigToml.model_validate(table)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        loc = [str(part) for part in first["loc"]]
        line = locate_key(path, loc)
        column = _value_column(text, line) if line is not None else None
        message = f"{first['msg']} in `{'.'.join(loc)}`"
        return LoadProblem(path, line, column, message)
    return None


def _value_column(text: str, line: int) -> int | None:
    """The column (from 1) where the value of the key on ``line`` starts."""
    lines = text.splitlines()
    if line > len(lines):
        return None
    content = lines[line - 1]
    _, sep, value = content.partition("=")
    if not sep:
        return None
    return len(content) - len(value.lstrip()) + 1
