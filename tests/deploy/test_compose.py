"""deploy/compose.yaml: valid against the Compose Specification's JSON schema (vendored by
check-jsonschema, so no network), before and after interpolation, with no secret in it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.tools import DEPLOY, compose_cli, interpolate

COMPOSE = DEPLOY / "compose.yaml"
ENV = {"MGE_BASE_URL": "http://sandbox:8700/api/v1/", "MGEFLOW_WORKERS": "3"}


def compose_schema() -> dict[str, Any]:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(vendored.read_text(encoding="utf-8"))
    return schema


def validate(document: Any) -> None:
    validator = jsonschema.Draft202012Validator(compose_schema())
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]
    assert not errors, "\n".join(errors)


def interpolated() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(interpolate(COMPOSE.read_text(), ENV))
    return document


def test_the_file_as_written_follows_the_compose_spec() -> None:
    validate(yaml.safe_load(COMPOSE.read_text()))


def test_the_file_as_compose_reads_it_follows_the_compose_spec() -> None:
    document = interpolated()
    validate(document)
    assert document["services"]["worker"]["deploy"]["replicas"] == 3


def test_the_validation_is_not_vacuous() -> None:
    document = interpolated()
    document["services"]["worker"]["stop_grace_perod"] = "90s"
    with pytest.raises(AssertionError, match="stop_grace_perod"):
        validate(document)


def test_production_refuses_to_start_without_an_mge_url() -> None:
    with pytest.raises(KeyError, match="MGE_BASE_URL"):
        interpolate(COMPOSE.read_text(), {})


def test_the_stack_has_every_role() -> None:
    services = interpolated()["services"]
    assert services["temporal"]["image"].startswith("temporalio/auto-setup:")
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal-ui"]["image"].startswith("temporalio/ui:")
    assert services["search-attributes"]["command"] == ["search-attributes", "ensure"]
    assert services["sweep-schedule"]["command"] == ["schedules", "ensure"]
    assert services["worker"]["command"] == ["worker"]
    assert services["sandbox"]["profiles"] == ["sandbox"]
    needs = services["worker"]["depends_on"]["search-attributes"]["condition"]
    assert needs == "service_completed_successfully"


def test_secrets_come_only_from_files() -> None:
    document = interpolated()
    text = COMPOSE.read_text()
    assert not re.search(r"sk_[a-z]+_\w+", text)
    assert not re.search(
        r"(?m)^\s*(MGE_API_KEY|POSTGRES_PASSWORD|POSTGRES_PWD|TEMPORAL_API_KEY):", text
    )
    worker = document["services"]["worker"]
    assert worker["environment"]["MGE_API_KEY_FILE"] == "/run/secrets/mge_api_key"
    assert worker["secrets"] == ["mge_api_key"]
    for secret in document["secrets"].values():
        assert set(secret) == {"file"} and secret["file"].startswith("./secrets/")
    assert "secrets/" in (DEPLOY / ".gitignore").read_text().split()


def test_workers_drain_before_docker_kills_them() -> None:
    worker = interpolated()["services"]["worker"]
    grace = float(worker["environment"]["MGEFLOW_GRACEFUL_SHUTDOWN_SECONDS"])
    assert _seconds(worker["stop_grace_period"]) > grace


def test_published_ports_are_loopback_only() -> None:
    for name, service in interpolated()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


@pytest.mark.skipif(compose_cli() is None, reason="no Compose v2 CLI on this machine")
def test_compose_itself_accepts_the_file(tmp_path: Path) -> None:
    # `config` needs the secret files to exist, not to hold anything real.
    shutil.copy(COMPOSE, tmp_path / "compose.yaml")
    (tmp_path / "secrets").mkdir()
    for name in ("mge_api_key", "postgres_password"):
        (tmp_path / "secrets" / name).write_text("placeholder\n")
    cli = compose_cli()
    assert cli is not None
    result = subprocess.run(
        [*cli, "-f", str(tmp_path / "compose.yaml"), "--profile", "sandbox", "config", "--quiet"],
        env={"PATH": "/usr/bin:/bin", **ENV},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, duration
    return float(match.group(1))
