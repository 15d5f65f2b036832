"""Results of the v2 methods this daemon does not serve (see the rows marked
``unsupported`` in `app_server_protocol.methods`).

Each is ``never`` (TypeScript) / ``{"not": {}}`` (JSON Schema): the daemon
answers these methods with an error, never with a result. They exist so that
a client typed against the reference finds every response type it knows.
"""

from typing_extensions import TypeAliasType

from ..unsupported import NeverSent

SkillsListResponse = TypeAliasType("SkillsListResponse", NeverSent)
"""Never sent: the method is not served."""

SkillsRemoteReadResponse = TypeAliasType("SkillsRemoteReadResponse", NeverSent)
"""Never sent: the method is not served."""

SkillsRemoteWriteResponse = TypeAliasType("SkillsRemoteWriteResponse", NeverSent)
"""Never sent: the method is not served."""

SkillsConfigWriteResponse = TypeAliasType("SkillsConfigWriteResponse", NeverSent)
"""Never sent: the method is not served."""

AppsListResponse = TypeAliasType("AppsListResponse", NeverSent)
"""Never sent: the method is not served."""

ThreadBackgroundTerminalsCleanResponse = TypeAliasType(
    "ThreadBackgroundTerminalsCleanResponse", NeverSent
)
"""Never sent: the method is not served."""

ThreadRealtimeStartResponse = TypeAliasType("ThreadRealtimeStartResponse", NeverSent)
"""Never sent: the method is not served."""

ThreadRealtimeAppendAudioResponse = TypeAliasType("ThreadRealtimeAppendAudioResponse", NeverSent)
"""Never sent: the method is not served."""

ThreadRealtimeAppendTextResponse = TypeAliasType("ThreadRealtimeAppendTextResponse", NeverSent)
"""Never sent: the method is not served."""

ThreadRealtimeStopResponse = TypeAliasType("ThreadRealtimeStopResponse", NeverSent)
"""Never sent: the method is not served."""

CollaborationModeListResponse = TypeAliasType("CollaborationModeListResponse", NeverSent)
"""Never sent: the method is not served."""

MockExperimentalMethodResponse = TypeAliasType("MockExperimentalMethodResponse", NeverSent)
"""Never sent: the method is not served."""

WindowsSandboxSetupStartResponse = TypeAliasType("WindowsSandboxSetupStartResponse", NeverSent)
"""Never sent: the method is not served."""

FeedbackUploadResponse = TypeAliasType("FeedbackUploadResponse", NeverSent)
"""Never sent: the method is not served."""

ExternalAgentConfigDetectResponse = TypeAliasType("ExternalAgentConfigDetectResponse", NeverSent)
"""Never sent: the method is not served."""

ExternalAgentConfigImportResponse = TypeAliasType("ExternalAgentConfigImportResponse", NeverSent)
"""Never sent: the method is not served."""
