"""An mgeflow worker as a real subprocess (`mgeflow worker`), so a test can SIGKILL it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from temporalio.client import Client

from mge import MgeSettings


class WorkerProcess:
    def __init__(self, client: Client, task_queue: str, mge: MgeSettings, log_path: Path) -> None:
        self.env = {
            **os.environ,
            "TEMPORAL_ADDRESS": client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": client.namespace,
            "MGEFLOW_TASK_QUEUE": task_queue,
            "MGEFLOW_GRACEFUL_SHUTDOWN_SECONDS": "2",
            "MGE_BASE_URL": str(mge.base_url),
            "MGE_API_KEY": mge.api_key.get_secret_value(),
        }
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "starter.cli", "worker"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        self._end(signal.SIGKILL)

    def stop(self) -> int | None:
        return self._end(signal.SIGTERM)

    def _end(self, sig: signal.Signals) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(sig)
        return self.process.wait(timeout=30)
