"""MGE_API_KEY_FILE: the MGE key from a mounted secret file, never echoed in errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from mge import MgeSettings

KEY = "sk_live_do_not_print_me"


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> MgeSettings:
    for name in ("MGE_API_KEY", "MGE_API_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return MgeSettings()


def test_the_key_comes_from_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "api-key"
    secret.write_text(KEY + "\n")  # `kubectl create secret --from-file` keeps a trailing newline
    assert settings(monkeypatch, MGE_API_KEY_FILE=str(secret)).api_key.get_secret_value() == KEY


def test_both_sources_are_refused_without_echoing_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "api-key"
    secret.write_text(KEY)
    with pytest.raises(ValidationError, match="not both") as refused:
        settings(monkeypatch, MGE_API_KEY=KEY, MGE_API_KEY_FILE=str(secret))
    assert KEY not in str(refused.value)


@pytest.mark.parametrize("content", [None, "", "\n"])
def test_a_missing_or_empty_file_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str | None
) -> None:
    secret = tmp_path / "api-key"
    if content is not None:
        secret.write_text(content)
    with pytest.raises(ValidationError, match="MGE_API_KEY_FILE"):
        settings(monkeypatch, MGE_API_KEY_FILE=str(secret))
