"""`python -m sandbox [--host H] [--port P] [--db PATH]`; everything else via MGE_SANDBOX_* env."""

from __future__ import annotations

import argparse
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Run the MGE sandbox. Other settings come from MGE_SANDBOX_* variables.",
    )
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8700)")
    parser.add_argument("--db", dest="db_path", help='SQLite file, or ":memory:"')
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {k: v for k, v in vars(args).items() if v is not None}
    serve(SandboxConfig(**overrides))


if __name__ == "__main__":
    main()
