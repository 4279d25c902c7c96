"""Everything one running sandbox holds: its config (startup and current), store and faults."""

from __future__ import annotations

from fastapi import Request

from sandbox.config import SandboxConfig
from sandbox.faults import FaultBook, startup_rules
from sandbox.store import Store


class SandboxState:
    def __init__(self, startup: SandboxConfig) -> None:
        self.startup = startup
        self.config = startup
        self.store = Store(startup.db_path)
        self.faults = FaultBook(startup_rules(startup))

    def reset(self) -> None:
        """Forget every resource and return to the startup config and faults."""
        self.store.wipe()
        self.config = self.startup
        self.faults.replace(startup_rules(self.startup))


def get_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state
