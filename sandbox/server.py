"""Running the sandbox as a blocking HTTP server."""

from __future__ import annotations

import logging

import uvicorn

from sandbox.app import create_app
from sandbox.config import SandboxConfig

logger = logging.getLogger("sandbox")


def serve(config: SandboxConfig) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    app = create_app(config)
    base_url = f"http://{config.host}:{config.port}"
    logger.info(
        "MGE sandbox on %s (API %s/api/v1/, docs %s/docs, db %s)",
        base_url,
        base_url,
        base_url,
        config.db_path,
    )
    # Access logs carry method, path and status only: never bodies or the Authorization header.
    uvicorn.run(app, host=config.host, port=config.port, log_level="info")
