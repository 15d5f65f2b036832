"""Finding files: the kept listings of search roots and fuzzy matching."""

from .service import FileSearch as FileSearch
from .service import Match as Match
