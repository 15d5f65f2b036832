"""Asking git about the user's repository (git runs as a child process)."""

from .remote_diff import RemoteDiff as RemoteDiff
from .remote_diff import RemoteDiffError as RemoteDiffError
from .remote_diff import git_diff_to_remote as git_diff_to_remote
