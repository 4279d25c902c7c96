"""Real image files for tests, made with Pillow."""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def make_image(path: Path, fmt: str = "JPEG", size: tuple[int, int] = (640, 480)) -> Path:
    image = Image.new("RGB", size, (200, 120, 40))
    image.save(path, format=fmt)
    return path


def make_padded_jpeg(path: Path, total_bytes: int) -> Path:
    """A valid JPEG grown to `total_bytes` with trailing bytes (decoders stop at the end marker),
    so big uploads cost no encoding time."""
    make_image(path, "JPEG", (1200, 900))
    with path.open("ab") as file:
        remaining = total_bytes - path.stat().st_size
        block = b"\0" * (1024 * 1024)
        while remaining > 0:
            file.write(block[: min(remaining, len(block))])
            remaining -= len(block)
    return path
