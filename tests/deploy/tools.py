"""Finding the deploy tools (kubectl/kustomize, a Compose v2 CLI) and reading deploy/ files."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
OVERLAYS = ["base", "overlays/sandbox", "overlays/production"]


def venv_or_path(name: str) -> str | None:
    """The dev extra installs kubectl into the venv; a system one also does."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def kustomize_command(directory: Path) -> list[str] | None:
    if kubectl := venv_or_path("kubectl"):
        return [kubectl, "kustomize", str(directory)]
    if kustomize := venv_or_path("kustomize"):
        return [kustomize, "build", str(directory)]
    return None


def render(overlay: str) -> list[dict[str, Any]]:
    command = kustomize_command(DEPLOY / "k8s" / overlay)
    assert command is not None
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]


def compose_cli() -> list[str] | None:
    """A Compose v2 CLI if this machine has one (`docker compose` needs only the client)."""
    docker = shutil.which("docker")
    if docker and _succeeds([docker, "compose", "version"]):
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    if standalone and "v2" in _output([standalone, "version"]):
        return [standalone]
    return None


def _succeeds(command: list[str]) -> bool:
    return subprocess.run(command, capture_output=True).returncode == 0


def _output(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True).stdout


_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` and `$$`."""

    def value(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        found = env.get(name)
        if (op == ":-" and not found) or (op == "-" and found is None):
            return str(arg)
        if op in (":?", "?") and not found:
            raise KeyError(f"{name}: {arg}")
        return found or ""

    return _VARIABLE.sub(value, text)
