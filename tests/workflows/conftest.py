"""Replay checks for journey tests."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS

HISTORIES = Path(__file__).parent / "histories"
RECORD_HISTORIES = "MGEFLOW_RECORD_HISTORIES"


@pytest.fixture
def replay_check() -> Callable[[WorkflowHandle[Any, Any], str], Awaitable[None]]:
    """Replay a finished journey's history against the current code right away, and (with
    MGEFLOW_RECORD_HISTORIES=1) save it under tests/workflows/histories/ for the replay test."""

    async def check(handle: WorkflowHandle[Any, Any], name: str) -> None:
        history = await handle.fetch_history()
        await Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter).replay_workflow(
            history
        )
        if os.environ.get(RECORD_HISTORIES):
            HISTORIES.mkdir(exist_ok=True)
            (HISTORIES / f"{name}.json").write_text(history.to_json())

    return check
