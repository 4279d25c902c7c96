"""Sandbox settings: read once from `MGE_SANDBOX_*` env vars at the edge, then passed down."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MGE_SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8700
    db_path: str = "./.mgeflow/sandbox.sqlite3"

    # Runtime fields: /admin/config may change these while the sandbox runs.
    # Durations are floats so tests can use sub-second windows.
    preview_delay_seconds: float = Field(default=3.0, ge=0)
    option_ttl_seconds: float = Field(default=6 * 3600, ge=0)
    ready_window_seconds: float = Field(default=3600, ge=0)
    order_status_interval_seconds: float = Field(default=60.0, gt=0)
    failing_variants: list[str] = Field(default_factory=list)
    supports_delete: bool = True
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    page_size: int = Field(default=50, gt=0)

    # Startup faults: turned into fault rules on /api/ paths (see sandbox.faults).
    error_rate: float = Field(default=0.0, ge=0, le=1)
    error_status: int = Field(default=503, ge=400, le=599)
    rate_limit_rate: float = Field(default=0.0, ge=0, le=1)
    retry_after_seconds: int = Field(default=1, ge=0)
    latency_ms: int = Field(default=0, ge=0)
    lost_response_rate: float = Field(default=0.0, ge=0, le=1)


class ConfigPatch(BaseModel):
    """The subset of `SandboxConfig` that PATCH /admin/config may change at runtime."""

    model_config = ConfigDict(extra="forbid")

    preview_delay_seconds: float | None = Field(default=None, ge=0)
    option_ttl_seconds: float | None = Field(default=None, ge=0)
    ready_window_seconds: float | None = Field(default=None, ge=0)
    order_status_interval_seconds: float | None = Field(default=None, gt=0)
    failing_variants: list[str] | None = None
    supports_delete: bool | None = None
    max_upload_bytes: int | None = Field(default=None, gt=0)
    page_size: int | None = Field(default=None, gt=0)

    def apply_to(self, config: SandboxConfig) -> SandboxConfig:
        return config.model_copy(update=self.model_dump(exclude_none=True))
