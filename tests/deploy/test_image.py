"""deploy/Dockerfile, checked without a Docker engine: BuildKit's own parser reads it, its
stages and runtime user are what the issue asks, and the build stage's install (a wheel of the
copied sources, not the editable checkout) really yields a `mgeflow` whose entrypoint commands
run: `--help` for every role, and the sandbox role answering its health check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import dockerfile
import httpx
import pytest
from typer.testing import CliRunner

from starter.cli import app
from tests.deploy.tools import DEPLOY, REPO
from tests.support.sandbox import free_port

DOCKERFILE = DEPLOY / "Dockerfile"
ROLES = [["worker"], ["sandbox"], ["search-attributes", "ensure"], ["schedules", "ensure"]]


def instructions() -> tuple[dockerfile.Command, ...]:
    parsed: tuple[dockerfile.Command, ...] = dockerfile.parse_file(str(DOCKERFILE))
    return parsed


def runtime_stage() -> list[dockerfile.Command]:
    commands = list(instructions())
    last_from = max(i for i, c in enumerate(commands) if c.cmd == "FROM")
    return commands[last_from:]


def copied_sources() -> list[str]:
    sources: list[str] = []
    for command in instructions():
        if command.cmd == "COPY" and not any(f.startswith("--from") for f in command.flags):
            sources += [s.rstrip("/") for s in command.value[:-1]]
    return sources


def test_multi_stage_non_root_cli_entrypoint() -> None:
    stages = [c for c in instructions() if c.cmd == "FROM"]
    assert len(stages) >= 2
    final = {c.cmd: c for c in runtime_stage()}
    user = final["USER"].value[0].split(":")[0]
    assert user.isdigit() and int(user) != 0
    assert final["ENTRYPOINT"].json and final["ENTRYPOINT"].value == ("mgeflow",)
    assert final["CMD"].json and final["CMD"].value == ("worker",)
    assert final["HEALTHCHECK"].value[:3] == ("CMD", "mgeflow", "healthcheck")
    # Only the built virtual environment reaches the runtime stage, not sources or pip caches.
    copies = [c for c in runtime_stage() if c.cmd == "COPY"]
    assert [c.flags for c in copies] == [("--from=build",)]


def test_every_role_and_the_healthcheck_are_cli_commands() -> None:
    runner = CliRunner()
    for role in [*ROLES, ["healthcheck"]]:
        result = runner.invoke(app, [*role, "--help"])
        assert result.exit_code == 0, (role, result.output)


def test_the_build_context_holds_what_the_dockerfile_copies() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    for source in copied_sources():
        assert (REPO / source).exists(), source
        assert f"!{source}" in ignore or f"!{source}/" in ignore, source


@pytest.fixture(scope="module")
def installed_like_the_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build stage's `pip install .`, minus the dependencies (the test venv has them): a
    wheel built from exactly the copied sources, unpacked into its own directory."""
    root = tmp_path_factory.mktemp("image")
    context = root / "src"
    context.mkdir()
    for source in copied_sources():
        copy = shutil.copytree if (REPO / source).is_dir() else shutil.copy
        copy(REPO / source, context / source)
    for cache in context.rglob("__pycache__"):
        shutil.rmtree(cache)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(root / "dist"), str(context)], check=True)
    [wheel] = (root / "dist").glob("mgeflow-*.whl")
    site = root / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def image_env(site: Path) -> dict[str, str]:
    # Run from an empty directory with only the wheel's files ahead of site-packages, so
    # nothing resolves to the checkout.
    return {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}


# The test venv holds mgeflow as an editable install, whose import hook would quietly supply any
# module the wheel lacks; the image has no such hook, so neither may these runs.
WITHOUT_CHECKOUT = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; "
)


def python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", WITHOUT_CHECKOUT + code, *args]


def mgeflow(*args: str) -> list[str]:
    return python("from starter.cli import main; main()", *args)


@pytest.mark.slow
def test_the_installed_cli_runs_every_role(installed_like_the_image: Path, tmp_path: Path) -> None:
    site = installed_like_the_image
    for role in ROLES:
        result = subprocess.run(
            [*mgeflow(*role), "--help"],
            cwd=tmp_path,
            env=image_env(site),
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, (role, result.stderr)
    where = subprocess.run(
        python("import sandbox.api as api; print(api.__file__)"),
        cwd=tmp_path,
        env=image_env(site),
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site))


@pytest.mark.slow
def test_the_installed_sandbox_role_serves_and_is_healthy(
    installed_like_the_image: Path, tmp_path: Path
) -> None:
    site = installed_like_the_image
    port = free_port()
    env = {
        **image_env(site),
        "MGE_SANDBOX_PORT": str(port),
        "MGE_SANDBOX_DB_PATH": str(tmp_path / "data" / "sandbox.sqlite3"),
    }
    with (tmp_path / "sandbox.log").open("wb") as log:
        process = subprocess.Popen(
            mgeflow("sandbox"), cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    health = f"http://127.0.0.1:{port}/admin/health"
    try:
        deadline = time.monotonic() + 30
        while not _answers(health) and time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "sandbox.log").read_text()
            time.sleep(0.2)
        check = subprocess.run(
            [*mgeflow("healthcheck", "--url", health)],
            cwd=tmp_path,
            env=image_env(site),
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        process.terminate()
        process.wait(timeout=15)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False
