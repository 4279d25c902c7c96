"""Session-wide fixtures: one sandbox process per test session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.sandbox import SandboxProcess

# Short enough to keep tests quick, long enough that PENDING/PROCESSING are observable.
FAST_SANDBOX_TIMINGS = {"preview_delay_seconds": 0.3}


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    directory = tmp_path_factory.mktemp("sandbox")
    process = SandboxProcess(directory / "sandbox.sqlite3")
    process.start()
    try:
        yield process
    finally:
        process.close()


@pytest.fixture
def sandbox(sandbox_process: SandboxProcess) -> SandboxProcess:
    """The session's sandbox, running (restarted if a test stopped it), reset, with fast timings."""
    sandbox_process.start()
    sandbox_process.reset()
    sandbox_process.patch_config(**FAST_SANDBOX_TIMINGS)
    return sandbox_process
