"""`AgentThread`: the agent's side of one thread, built complete when the
thread is created or resumed (`open_agent_thread`) and kept on the thread
(its `Conversation`) across its turns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from app_server_protocol.common import ApprovalMode, SandboxPolicy
from app_server_protocol.items import InputItem, ResponseItem
from app_server_protocol.usage import RateLimitSnapshot, TokenUsage, TokenUsageInfo

from ..model_client import ModelClient
from ..model_client.history import History
from ..tools.truncation import HISTORY_ALLOWANCE, TruncationPolicy, truncate_for_history
from ..user_agent import originator
from .context import EnvironmentContext, shell_name
from .model_family import find_family
from .output_policy import truncation_policy
from .personality import thread_instructions
from .toolset import build_registry
from .user_turn import TurnSettings

if TYPE_CHECKING:
    from ..config.model import Config
    from ..mcp.manager import McpConnections
    from .host import TurnHost
    from .tools.registry import ToolRegistry


@dataclass(eq=False)
class AgentThread:
    """What the agent knows of one thread: what it was created (or resumed)
    with, and what it keeps across turns."""

    config: Config
    """The settings the thread was created (or resumed) with."""
    settings: TurnSettings
    """The settings of the next turn (`sendUserTurn` changes them)."""
    client: ModelClient
    """The thread's model provider."""
    environment: EnvironmentContext
    """The environment the model was last told about."""
    policies: tuple[ApprovalMode, SandboxPolicy]
    """The approval and sandbox policies the model was last told about."""
    history: History
    """What the model sees, oldest first: the initial context, then every
    item of every turn."""
    user_instructions: str | None
    instructions: str
    """The model's instructions, fixed when the thread was created."""
    personality: str | None
    """The personality the model was last told about."""
    mcp: McpConnections
    """The thread's MCP servers (started with it, stopped when it ends)."""
    tools: ToolRegistry
    """The tools offered with ``tools_model``."""
    tools_model: str
    usage: TokenUsage | None = None
    """Token usage of the whole thread so far."""
    last_info: TokenUsageInfo | None = None
    rate_limits: RateLimitSnapshot | None = None
    approved_commands: set[tuple[str, ...]] = field(default_factory=set)
    """Commands the user approved for the rest of the thread."""
    pending_input: list[InputItem] = field(default_factory=list)
    """Input added to the running turn (`turn/steer`), for its next request."""

    def tools_for(self, model: str) -> ToolRegistry:
        """The tools of a turn made with ``model`` (a turn may change the model)."""
        if model != self.tools_model:
            self.tools = build_registry(find_family(model), self.config, self.mcp, model=model)
            self.tools_model = model
        return self.tools


def open_agent_thread(
    host: TurnHost,
    *,
    config: Config,
    history: Iterable[ResponseItem],
    user_instructions: str | None,
    mcp: McpConnections,
    instructions: str | None = None,
    personality: str | None = None,
) -> AgentThread:
    """The agent of a thread created or resumed with ``config``; ``history``:
    what the model has seen so far. A resumed thread keeps the
    ``instructions`` it was created with (unless the config replaces them)
    and the ``personality`` its last turn had."""
    client = ModelClient(
        config.model_provider,
        conversation_id=str(host.thread_id),
        user_agent=host.user_agent,
        originator=originator(),
        credentials=host.credentials(config),
    )
    environment = EnvironmentContext.of(config.cwd, shell_name())
    settings = TurnSettings.from_config(config)
    if instructions is None or config.base_instructions is not None:
        instructions = thread_instructions(config, settings.model, settings.personality)
    return AgentThread(
        config=config,
        settings=settings,
        client=client,
        environment=environment,
        policies=(config.approval_policy, config.sandbox_policy),
        history=_as_recorded(history, truncation_policy(config, settings.model)),
        user_instructions=user_instructions,
        instructions=instructions,
        personality=personality,
        mcp=mcp,
        tools=build_registry(find_family(settings.model), config, mcp, model=settings.model),
        tools_model=settings.model,
    )


_OUTPUT_KINDS: Final = frozenset({"function_call_output", "custom_tool_call_output"})


def _as_recorded(items: Iterable[ResponseItem], policy: TruncationPolicy) -> History:
    """A history read back, its tool outputs (which the rollout keeps whole)
    cut to ``policy``: twice, as Codex 0.107.0 records a resumed thread's
    items twice (an output cut once is cut again by its marker's length)."""
    history = items.copy() if isinstance(items, History) else History(items)
    budget = policy.scaled(HISTORY_ALLOWANCE).byte_budget
    for index in list(history.longer_than(budget, _OUTPUT_KINDS)):
        once = truncate_for_history(history[index], policy)
        history[index] = truncate_for_history(once, policy)
    return history
