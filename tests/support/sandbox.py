"""Run the MGE sandbox (`python -m sandbox`) as a real subprocess and drive its admin API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

DEFAULT_API_KEY = "sk_sandbox_test"
NOSCOPE_API_KEY = "sk_sandbox_noscope"
_REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SandboxProcess:
    """One sandbox server on a free loopback port; stop and start it again on the same db."""

    def __init__(
        self,
        db_path: Path | str,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        api_key: str = DEFAULT_API_KEY,
        log_path: Path | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self.db_path = str(db_path)
        self.port = port or free_port()
        self.api_key = api_key
        self.extra_env = dict(env or {})
        self.log_path = log_path or Path(f"{self.db_path}.log")
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._admin = httpx.Client(base_url=self.base_url, timeout=10.0)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v1/"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        if self.running:
            return self
        # Settings leaking in from the developer's shell would make runs differ; only
        # `env` given here configures the sandbox.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("MGE_SANDBOX_")}
        env = {**inherited, **self.extra_env}
        command = [sys.executable, "-m", "sandbox", "--port", str(self.port), "--db", self.db_path]
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                command, cwd=_REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"sandbox exited at startup; see {self.log_path}")
            try:
                if self._admin.get("/admin/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise TimeoutError(
            f"sandbox not healthy after {self.startup_timeout}s; see {self.log_path}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful shutdown (SIGTERM)."""
        self._end(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """Crash (SIGKILL): nothing gets a chance to flush."""
        self._end(signal.SIGKILL, 10.0)

    def restart(self) -> Self:
        self.stop()
        return self.start()

    def _end(self, sig: signal.Signals, timeout: float) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        self.stop()
        self._admin.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- admin API ----------------------------------------------------------------------------

    def _admin_call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._admin.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._admin_call("POST", "/admin/reset")

    def config(self) -> dict[str, Any]:
        result: dict[str, Any] = self._admin_call("GET", "/admin/config")
        return result

    def patch_config(self, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._admin_call("PATCH", "/admin/config", fields)
        return result

    def set_faults(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._admin_call("POST", "/admin/faults", {"rules": rules})[
            "rules"
        ]
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._admin_call("GET", "/admin/faults")["rules"]
        return result

    def clear_faults(self) -> None:
        self._admin_call("DELETE", "/admin/faults")

    def audit(self) -> dict[str, Any]:
        result: dict[str, Any] = self._admin_call("GET", "/admin/audit")
        return result

    def force_order_status(self, order_id: str, status: str) -> dict[str, Any]:
        result: dict[str, Any] = self._admin_call(
            "POST", f"/admin/orders/{order_id}/status", {"status": status}
        )
        return result

    def backdate_draft(
        self, draft_id: int, *, created_at: str | None = None, updated_at: str | None = None
    ) -> dict[str, Any]:
        body = {
            name: value
            for name, value in (("created_at", created_at), ("updated_at", updated_at))
            if value is not None
        }
        result: dict[str, Any] = self._admin_call("PATCH", f"/admin/drafts/{draft_id}", body)
        return result

    # --- clients ------------------------------------------------------------------------------

    def client(self, api_key: str | None = None, **kwargs: Any) -> httpx.Client:
        """A raw httpx client on the API base URL, authenticated with `api_key`."""
        headers = {"Authorization": f"Bearer {api_key or self.api_key}"}
        return httpx.Client(base_url=self.api_url, headers=headers, **kwargs)
