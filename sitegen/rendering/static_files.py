"""The static folder (CSS, icons) under names that carry a content hash, so they can be cached forever.

The build writes them; the backend names them in its pages (it imports this, not the pipeline).
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def fingerprint_static(static_dir: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """Each static file's bytes under its hashed name, and its plain name -> its address."""
    files, urls = {}, {}
    for file in sorted(static_dir.rglob("*")) if static_dir.is_dir() else []:
        if not file.is_file():
            continue
        data = file.read_bytes()
        relative = file.relative_to(static_dir).as_posix()
        stem, dot, suffix = relative.rpartition(".")
        digest = hashlib.sha256(data).hexdigest()[:10]
        name = f"static/{stem}.{digest}.{suffix}" if dot else f"static/{relative}.{digest}"
        files[name] = data
        urls[relative] = "/" + name
    return files, urls
