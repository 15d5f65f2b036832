"""One module per domain; importing this package registers every handler."""

from . import conversations as conversations
from . import session as session
from .registry import HANDLERS as HANDLERS
from .registry import Handler as Handler
