"""The daemon's user agent, computed once per process.

Shape (the reference's): ``<originator>/<version> (<os> <os version>; <arch>)
<terminal> (<client name>; <client version>)``. The last part is added once the
client has introduced itself in ``initialize``.

Standard library only: this runs before the event loop starts.
"""

from __future__ import annotations

import os
from functools import cache

from ._version import __version__

ORIGINATOR = "codex_app_server_py"
#: Lets a wrapper present itself under its own name, as the reference allows.
ORIGINATOR_ENV = "CODEX_INTERNAL_ORIGINATOR_OVERRIDE"


def originator() -> str:
    return os.environ.get(ORIGINATOR_ENV) or ORIGINATOR


def _os_release() -> tuple[str, str]:
    fields: dict[str, str] = {}
    for candidate in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            with open(candidate, encoding="utf-8", errors="replace") as file:
                text = file.read()
        except OSError:
            continue
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if sep:
                fields[key.strip()] = value.strip().strip('"').strip("'")
        break
    name = fields.get("NAME", "").removesuffix(" GNU/Linux").strip()
    return name, fields.get("VERSION_ID", "")


def _os_description() -> str:
    uname = os.uname()
    if uname.sysname == "Linux":
        name, version = _os_release()
        if name:
            return f"{name} {version}".strip()
    if uname.sysname == "Darwin":
        import platform  # only here: importing it costs start-up time

        return f"Mac OS {platform.mac_ver()[0]}".strip()
    return f"{uname.sysname} {uname.release}".strip()


def _terminal() -> str:
    program = os.environ.get("TERM_PROGRAM", "")
    if program:
        version = os.environ.get("TERM_PROGRAM_VERSION", "")
        return f"{program}/{version}" if version else program
    return os.environ.get("TERM", "")


def terminal() -> str:
    """The terminal the daemon runs in (``TERM_PROGRAM``, else ``TERM``), as in the user agent."""
    return _terminal()


def _header_safe(text: str) -> str:
    # The user agent is also an HTTP header value: keep it printable ASCII.
    return "".join(ch if " " <= ch <= "~" else "_" for ch in text)


@cache
def base_user_agent() -> str:
    """The user agent without the client part."""
    arch = os.uname().machine or "unknown"
    return _header_safe(f"{originator()}/{__version__} ({_os_description()}; {arch}) {_terminal()}")


def user_agent(client_name: str | None = None, client_version: str | None = None) -> str:
    """The user agent, with the client's name and version once they are known."""
    base = base_user_agent()
    if client_name is None:
        return base
    return _header_safe(f"{base} ({client_name}; {client_version or ''})")
