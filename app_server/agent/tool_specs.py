"""The JSON descriptions of the built-in tools offered to the model.

Names and parameters are the ones models are trained on (the reference's);
the descriptions are ours. Specs are in the Responses API shape; the model
client converts them for Chat Completions.
"""

from __future__ import annotations

from typing import Final

from .tools.base import JsonObject


def function_tool(name: str, description: str, parameters: JsonObject) -> JsonObject:
    return {
        "type": "function",
        "name": name,
        "description": description,
        "strict": False,
        "parameters": parameters,
    }


def _object(properties: JsonObject, required: list[str] | None = None) -> JsonObject:
    # Properties by name, as the reference lists them.
    schema: JsonObject = {"type": "object", "properties": dict(sorted(properties.items()))}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


SHELL: Final = function_tool(
    "shell",
    "Runs a command in the user's workspace and returns what it printed and its exit code.",
    _object(
        {
            "command": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The command to run, as an argv array.",
            },
            "justification": {
                "type": "string",
                "description": 'With sandbox_permissions "require_escalated" only: one '
                "sentence telling the user why the command needs to run outside the sandbox.",
            },
            "timeout_ms": {
                "type": "number",
                "description": "How long the command may run, in milliseconds.",
            },
            "sandbox_permissions": {
                "type": "string",
                "description": '"require_escalated" to ask the user to run this command '
                'without the sandbox\'s restrictions; "use_default" (the default) otherwise.',
            },
            "prefix_rule": {
                "type": "array",
                "items": {"type": "string"},
                "description": "With require_escalated: a command prefix to allow from now on.",
            },
            "workdir": {
                "type": "string",
                "description": "The folder to run the command in.",
            },
        },
        ["command"],
    ),
)

SHELL_COMMAND: Final = function_tool(
    "shell_command",
    "Runs a shell script in the user's workspace (with the user's login shell) and "
    "returns what it printed and its exit code.",
    _object(
        {
            "command": {
                "type": "string",
                "description": "The script to run.",
            },
            "justification": SHELL["parameters"]["properties"]["justification"],
            "login": {
                "type": "boolean",
                "description": "Run the script in a login shell (the default: true).",
            },
            "prefix_rule": SHELL["parameters"]["properties"]["prefix_rule"],
            "sandbox_permissions": SHELL["parameters"]["properties"]["sandbox_permissions"],
            "timeout_ms": SHELL["parameters"]["properties"]["timeout_ms"],
            "workdir": SHELL["parameters"]["properties"]["workdir"],
        },
        ["command"],
    ),
)

UPDATE_PLAN: Final = function_tool(
    "update_plan",
    "Records the plan for the task and the status of each step; the user sees it.\n"
    "Give an optional explanation and the list of steps. At most one step may be "
    "in_progress at a time.\n",
    _object(
        {
            "explanation": {"type": "string"},
            "plan": {
                "type": "array",
                "description": "The steps, in order.",
                "items": _object(
                    {
                        "step": {"type": "string"},
                        "status": {
                            "type": "string",
                            "description": "pending, in_progress or completed",
                        },
                    },
                    ["step", "status"],
                ),
            },
        },
        ["plan"],
    ),
)

VIEW_IMAGE: Final = function_tool(
    "view_image",
    "Shows you an image file from the local file system, attached to the conversation.",
    _object(
        {"path": {"type": "string", "description": "The image file's path."}},
        ["path"],
    ),
)

APPLY_PATCH: Final = function_tool(
    "apply_patch",
    "Creates, changes, moves and deletes files with a patch in the apply_patch format "
    "(*** Begin Patch ... *** End Patch). Paths are relative to the working directory. "
    "Nothing is changed when any part of the patch does not apply.",
    _object(
        {
            "input": {
                "type": "string",
                "description": "The whole patch, from *** Begin Patch to *** End Patch.",
            }
        },
        ["input"],
    ),
)

#: The patch format as a Lark grammar, for the free-form `apply_patch` tool:
#: the model's output is constrained to it.
APPLY_PATCH_GRAMMAR: Final = r"""start: "*** Begin Patch" LF operation+ "*** End Patch" LF?

operation: add_file | delete_file | update_file
add_file: "*** Add File: " path LF added_line+
delete_file: "*** Delete File: " path LF
update_file: "*** Update File: " path LF move_to? hunk_line* end_of_file?
move_to: "*** Move to: " path LF

added_line: "+" /(.*)/ LF
hunk_line: hunk_header | context_line | removed_line | inserted_line
hunk_header: "@@" (" " /(.+)/)? LF
context_line: " " /(.*)/ LF
removed_line: "-" /(.*)/ LF
inserted_line: "+" /(.*)/ LF
end_of_file: "*** End of File" LF

path: /(.+)/

%import common.LF
"""

APPLY_PATCH_FREEFORM: Final[JsonObject] = {
    "type": "custom",
    "name": "apply_patch",
    "description": "Edits files with a patch in the apply_patch format. Send the patch itself "
    "as the input, not JSON.",
    "format": {"type": "grammar", "syntax": "lark", "definition": APPLY_PATCH_GRAMMAR},
}

LOCAL_SHELL: Final[JsonObject] = {"type": "local_shell"}
"""The provider's built-in shell tool (the model sends ``local_shell_call`` items)."""

LIST_MCP_RESOURCES: Final = function_tool(
    "list_mcp_resources",
    "Lists the resources (files, records, documents...) that the configured MCP servers "
    "share. Prefer resources to a web search when they have what you need.",
    _object(
        {
            "cursor": {
                "type": "string",
                "description": "The cursor a previous call returned, to get the next page from "
                "the same server.",
            },
            "server": {
                "type": "string",
                "description": "Only this MCP server's resources (all servers when absent).",
            },
        }
    ),
)

LIST_MCP_RESOURCE_TEMPLATES: Final = function_tool(
    "list_mcp_resource_templates",
    "Lists the resource templates (parameterised resource URIs) that the configured MCP "
    "servers share.",
    _object(
        {
            "cursor": {
                "type": "string",
                "description": "The cursor a previous call returned, to get the next page from "
                "the same server.",
            },
            "server": {
                "type": "string",
                "description": "Only this MCP server's templates (all servers when absent).",
            },
        }
    ),
)

READ_MCP_RESOURCE: Final = function_tool(
    "read_mcp_resource",
    "Reads one resource from an MCP server.",
    _object(
        {
            "server": {
                "type": "string",
                "description": "The MCP server's name, as list_mcp_resources gives it.",
            },
            "uri": {
                "type": "string",
                "description": "The resource's URI, as list_mcp_resources gives it.",
            },
        },
        ["server", "uri"],
    ),
)

WEB_SEARCH: Final[JsonObject] = {"type": "web_search"}


READ_FILE: Final = function_tool(
    "read_file",
    "Reads lines of a local text file, each prefixed with its 1-based line number; either a "
    "range of lines or the indented block around a line.",
    _object(
        {
            "file_path": {"type": "string", "description": "The file's absolute path."},
            "offset": {
                "type": "number",
                "description": "The first line to read, counting from 1.",
            },
            "limit": {"type": "number", "description": "How many lines to read at most."},
            "mode": {
                "type": "string",
                "description": (
                    'What to read: "slice" (the default), lines from `offset`, or '
                    '"indentation", the block of code around the anchor line.'
                ),
            },
            "indentation": {
                "type": "object",
                "properties": {
                    "anchor_line": {
                        "type": "number",
                        "description": "The line whose block to read (default: `offset`).",
                    },
                    "max_levels": {
                        "type": "number",
                        "description": "How many enclosing indentation levels to include.",
                    },
                    "include_siblings": {
                        "type": "boolean",
                        "description": "Also read the neighbouring blocks at the same level.",
                    },
                    "include_header": {
                        "type": "boolean",
                        "description": "Keep the comments just above the block.",
                    },
                    "max_lines": {
                        "type": "number",
                        "description": "How many lines this mode returns at most.",
                    },
                },
                "additionalProperties": False,
            },
        },
        ["file_path"],
    ),
)

LIST_DIR: Final = function_tool(
    "list_dir",
    "Lists a local folder's entries, numbered from 1, with a mark for folders and links.",
    _object(
        {
            "dir_path": {"type": "string", "description": "The folder's absolute path."},
            "offset": {
                "type": "number",
                "description": "The first entry to list, counting from 1.",
            },
            "limit": {"type": "number", "description": "How many entries to list at most."},
            "depth": {
                "type": "number",
                "description": "How many levels of sub-folders to descend into (at least 1).",
            },
        },
        ["dir_path"],
    ),
)

GREP_FILES: Final = function_tool(
    "grep_files",
    "Lists the files whose contents match a regular expression, most recently changed first.",
    _object(
        {
            "pattern": {"type": "string", "description": "The regular expression to look for."},
            "include": {
                "type": "string",
                "description": 'A glob the file names must match (e.g. "*.py" or "*.{ts,tsx}").',
            },
            "path": {
                "type": "string",
                "description": "The folder or file to search (default: the working folder).",
            },
            "limit": {
                "type": "number",
                "description": "How many file paths to return at most (default 100).",
            },
        },
        ["pattern"],
    ),
)

EXEC_COMMAND: Final = function_tool(
    "exec_command",
    "Starts a shell command (on a terminal when asked) and returns what it printed; a command "
    "still running when the wait is over keeps going, and its session ID lets you read more or "
    "type into it with write_stdin.",
    _object(
        {
            "cmd": {"type": "string", "description": "The shell command to run."},
            "workdir": {
                "type": "string",
                "description": "The folder to run it in (default: the turn's folder).",
            },
            "shell": {"type": "string", "description": "The shell (default: the user's)."},
            "login": {
                "type": "boolean",
                "description": "Run the shell as a login shell (default true).",
            },
            "tty": {
                "type": "boolean",
                "description": (
                    "Run the command on a terminal, so that write_stdin can type into it "
                    "(default false: plain pipes, no input)."
                ),
            },
            "yield_time_ms": {
                "type": "number",
                "description": "How long to wait for the command to finish before answering.",
            },
            "max_output_tokens": {
                "type": "number",
                "description": "The most output to return, in tokens; the middle is cut.",
            },
            "sandbox_permissions": {
                "type": "string",
                "description": (
                    '"require_escalated" to ask the user to run it outside the sandbox; '
                    '"use_default" otherwise.'
                ),
            },
            "justification": {
                "type": "string",
                "description": (
                    "With require_escalated: the question put to the user, in a sentence."
                ),
            },
            "prefix_rule": {
                "type": "array",
                "items": {"type": "string"},
                "description": "With require_escalated: a command prefix to allow from now on.",
            },
        },
        ["cmd"],
    ),
)

WRITE_STDIN: Final = function_tool(
    "write_stdin",
    "Types characters into a running exec_command session and returns what it printed since.",
    _object(
        {
            "session_id": {
                "type": "number",
                "description": "The session, as exec_command gave it.",
            },
            "chars": {
                "type": "string",
                "description": "What to type (empty: only read the new output).",
            },
            "yield_time_ms": {
                "type": "number",
                "description": "How long to wait for output before answering.",
            },
            "max_output_tokens": {
                "type": "number",
                "description": "The most output to return, in tokens; the middle is cut.",
            },
        },
        ["session_id"],
    ),
)

REQUEST_USER_INPUT: Final = function_tool(
    "request_user_input",
    "Puts one to three short multiple-choice questions to the user and waits for the "
    "answers. Only available in Plan mode.",
    _object(
        {
            "questions": {
                "type": "array",
                "description": "The questions, ideally one and never more than three.",
                "items": _object(
                    {
                        "id": {
                            "type": "string",
                            "description": "A stable snake_case name the answer comes back under.",
                        },
                        "header": {
                            "type": "string",
                            "description": "A label of at most 12 characters for the question.",
                        },
                        "question": {
                            "type": "string",
                            "description": "The question, in one sentence.",
                        },
                        "options": {
                            "type": "array",
                            "description": "Two or three exclusive answers, the recommended one "
                            'first with "(Recommended)" after its label; the user may also '
                            'answer freely ("Other" is added for them).',
                            "items": _object(
                                {
                                    "label": {
                                        "type": "string",
                                        "description": "The answer, in one to five words.",
                                    },
                                    "description": {
                                        "type": "string",
                                        "description": "What choosing it implies, in a sentence.",
                                    },
                                },
                                ["label", "description"],
                            ),
                        },
                    },
                    ["id", "header", "question", "options"],
                ),
            }
        },
        ["questions"],
    ),
)
