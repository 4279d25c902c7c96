"""How to reach MGE. Read once at the edge (CLI, worker) and passed down; nothing else reads the
environment."""

from pathlib import Path
from typing import Any

from pydantic import Field, HttpUrl, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The local sandbox (`mgeflow sandbox`), so that a fresh checkout works without a real MGE account.
SANDBOX_BASE_URL = "http://127.0.0.1:8700/api/v1/"
# MGE's documented upload limit is not published; 25 MB is our assumption (mge-api.md §5, §6).
DEFAULT_MAX_IMAGE_BYTES = 25 * 1024 * 1024


class MgeSettings(BaseSettings):
    """Connection settings for MGE's B2B API (env prefix `MGE_`, e.g. `MGE_API_KEY`)."""

    model_config = SettingsConfigDict(env_prefix="MGE_", extra="ignore", hide_input_in_errors=True)

    base_url: HttpUrl = Field(
        default=HttpUrl(SANDBOX_BASE_URL),
        description="API root including /api/v1/, e.g. https://mge.example/api/v1/",
    )
    api_key: SecretStr = Field(description="Bearer key issued by MGE for the brand(s)")
    # Containers get secrets as mounted files (Docker/Kubernetes secrets): MGE_API_KEY_FILE names
    # one, so the key never sits in an environment variable or a compose/manifest file.
    api_key_file: Path | None = Field(default=None, description="File holding the bearer key")
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    write_timeout: float = Field(default=60.0, gt=0)
    pool_timeout: float = Field(default=5.0, gt=0)
    max_connections: int = Field(default=20, ge=1)
    max_keepalive_connections: int = Field(default=10, ge=0)
    max_image_bytes: int = Field(default=DEFAULT_MAX_IMAGE_BYTES, ge=1)
    # Our print-quality floor, not MGE's: smaller photos print blurry on a 40x50 cm kit.
    min_image_side: int = Field(default=400, ge=1)
    # Where photos may come from, comma-separated: production workers should take `https` only,
    # so a caller cannot make a worker read its own disk or plain-HTTP internal addresses.
    image_sources: str = Field(
        default="https,http,file", pattern=r"^(https|http|file)(,(https|http|file))*$"
    )

    @property
    def allowed_image_sources(self) -> frozenset[str]:
        return frozenset(self.image_sources.split(","))

    image_fetch_timeout: float = Field(default=30.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _read_api_key_file(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("api_key_file"):
            return data
        if data.get("api_key"):
            # Two sources would let a stale variable silently win over a rotated secret.
            raise ValueError("set MGE_API_KEY or MGE_API_KEY_FILE, not both")
        path = Path(data["api_key_file"])
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ValueError(f"MGE_API_KEY_FILE {path}: {error.strerror}") from None
        if not key:
            raise ValueError(f"MGE_API_KEY_FILE {path} is empty")
        return {**data, "api_key": key}
