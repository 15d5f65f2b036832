"""Results of the v1 methods this daemon does not serve (see the rows marked
``unsupported`` in `app_server_protocol.methods`).

Each is ``never`` (TypeScript) / ``{"not": {}}`` (JSON Schema): the daemon
answers these methods with an error, never with a result. They exist so that
a client typed against the reference finds every response type it knows.
"""

from typing_extensions import TypeAliasType

from ..unsupported import NeverSent

FuzzyFileSearchSessionStartResponse = TypeAliasType(
    "FuzzyFileSearchSessionStartResponse", NeverSent
)
"""Never sent: the method is not served."""

FuzzyFileSearchSessionUpdateResponse = TypeAliasType(
    "FuzzyFileSearchSessionUpdateResponse", NeverSent
)
"""Never sent: the method is not served."""

FuzzyFileSearchSessionStopResponse = TypeAliasType("FuzzyFileSearchSessionStopResponse", NeverSent)
"""Never sent: the method is not served."""
