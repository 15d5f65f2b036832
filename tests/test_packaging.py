"""What a release carries: the licence, typing markers, the changelog, and
``schema/typescript`` as an npm package of types that a project can import."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from app_server._version import __version__

from ._node import tsc
from ._reference import REPO

TYPESCRIPT = REPO / "schema" / "typescript"


def test_the_licence_is_the_one_the_metadata_names() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert project["urls"]


@pytest.mark.parametrize("package", ["app_server", "app_server_protocol"])
def test_both_packages_are_typed(package: str) -> None:
    assert (REPO / package / "py.typed").is_file()


def test_the_changelog_has_this_version_and_what_is_unreleased() -> None:
    headings = [
        line
        for line in (REPO / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    assert headings[0].startswith("## Unreleased")
    assert any(line.startswith(f"## {__version__} ") for line in headings)


def test_the_npm_manifest_points_at_files_that_exist() -> None:
    manifest = json.loads((TYPESCRIPT / "package.json").read_text(encoding="utf-8"))
    assert manifest["version"] == __version__
    assert manifest["license"] == "Apache-2.0"
    assert (TYPESCRIPT / manifest["types"]).is_file()
    assert (TYPESCRIPT / manifest["exports"]["."]["types"]).is_file()


@pytest.mark.parametrize("resolution", ["node", "bundler"])
def test_a_project_imports_the_types_by_package_name(tmp_path: Path, resolution: str) -> None:
    compiler = tsc()
    name = json.loads((TYPESCRIPT / "package.json").read_text(encoding="utf-8"))["name"]
    modules = tmp_path / "node_modules"
    modules.mkdir()
    (modules / name).symlink_to(TYPESCRIPT, target_is_directory=True)
    consumer = tmp_path / "consumer.ts"
    consumer.write_text(
        f'import type {{ ClientRequest, ServerNotification }} from "{name}";\n'
        'export const method: ClientRequest["method"] = "initialize";\n'
        "export type Note = ServerNotification;\n",
        encoding="utf-8",
    )
    module = ["--module", "esnext"] if resolution == "bundler" else []
    done = subprocess.run(
        [
            compiler,
            "--strict",
            "--noEmit",
            "--moduleResolution",
            resolution,
            *module,
            "consumer.ts",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
