from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.sandbox import NOSCOPE_API_KEY, SandboxProcess


@pytest.fixture
def api(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    """Raw httpx on /api/v1/ with the full-scope key (brands 116 and 117)."""
    with sandbox.client(timeout=10.0) as client:
        yield client


@pytest.fixture
def noscope_api(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    """Raw httpx with the key that lacks mockup:create and brand 117."""
    with sandbox.client(NOSCOPE_API_KEY, timeout=10.0) as client:
        yield client
