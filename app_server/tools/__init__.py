"""What the agent does on the machine: commands, patches, the sandbox, and the
rules deciding what may run without asking.

Each module has one job:

- `shell_syntax`: shell-like word splitting and quoting, and the plain-script parser.
- `shells`: recognising a shell invocation, and the user's shell scripts run in.
- `shell_heredoc`: the one command a here-document script runs.
- `command_args`: telling options, option values and operands apart; shown paths.
- `command_summary`: what one simple command does (read, listing, search).
- `formatting_helpers`: the pipeline helpers a summary leaves out.
- `parse_command`: what a command does, for display (`parsed_cmd`).
- `known_safe`, `git_safety`: read-only commands, which run without asking.
- `dangerous`: destructive-looking commands, which are asked about.
- `safety`: the approval / sandbox decisions.
- `exec_output`: bounded capture of a command's output and the text the model sees.
- `exec`: running a process tree with streaming, timeout and cancellation.
- `environment`: the environment a command runs with.
- `sandbox`: confining a command with bubblewrap.
- `run`: one command under a sandbox policy, start to finish.
- `apply_patch`: the Codex patch format.
"""
