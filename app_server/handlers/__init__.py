"""One module per domain; importing this package registers every handler."""

from . import account as account
from . import auth as auth
from . import compact as compact
from . import config as config
from . import config_v2 as config_v2
from . import conversations as conversations
from . import exec as exec
from . import features as features
from . import mcp as mcp
from . import models as models
from . import review as review
from . import session as session
from . import thread_fork as thread_fork
from . import thread_records as thread_records
from . import threads_v2 as threads_v2
from . import unsupported as unsupported
from . import workspace as workspace
from .registry import HANDLERS as HANDLERS
from .registry import Handler as Handler
