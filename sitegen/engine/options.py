"""How to build, as `build.py`, `check` and `serve` ask for it (kept apart from the engine, which the
command line imports only once it knows there is something to build)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class BuildOptions:
    """How to build, as `build.py`, `check` and `serve` ask for it."""

    workers: int | None = None  # worker processes; None: one per core
    use_cache: bool = True  # keep and use .build-cache/
    strict: bool = False  # warnings (stale translations, readability) stop the build
    readability: bool = False  # score readability (costs about as much as rendering); strict does too
    keep_warm: bool = False  # serve: a no-op build still prepares for the next edit

    @property
    def scores_readability(self) -> bool:
        return self.readability or self.strict

    @property
    def processes(self) -> int:
        return self.workers or os.cpu_count() or 1
