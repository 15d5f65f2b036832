"""The app-server daemon: spawned by an editor, driven over stdio with JSON lines."""

from ._version import __version__ as __version__
