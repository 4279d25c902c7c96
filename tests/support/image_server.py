"""A loopback HTTP server for image URLs, as a shop's CDN would serve them."""

from __future__ import annotations

import contextlib
import http.server
import threading
from pathlib import Path


class ImageServer:
    """A loopback HTTP server for image URLs: `/f/NAME` serves a file with Content-Length,
    `/chunked/NAME` streams it without one, `/status/CODE` answers that status."""

    def __init__(self, root: Path) -> None:
        root_dir = root

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                # The client may stop reading once it has probed the head.
                with contextlib.suppress(ConnectionError):
                    self._answer()

            def _answer(self) -> None:
                kind, _, name = self.path.strip("/").partition("/")  # "/f/a/b/" -> "f", "a/b"
                if kind == "status":
                    self.send_response(int(name))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = (root_dir / name).read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if kind == "chunked":
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(data), 65536):
                        piece = data[start : start + 65536]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.root = root
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
