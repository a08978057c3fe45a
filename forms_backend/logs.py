"""Our log lines: operational facts only (reference, language, reason codes), never field values."""

from __future__ import annotations

import logging
import os
import sys


def configure_logging(level: int = logging.INFO) -> None:
    """Give the `forms_backend` loggers a handler when the host (uvicorn, tests) has not.

    FORMS_LOG_LEVEL (debug, info, warning…) overrides the level; at debug, each stored
    inquiry's reference is logged too (the database already records when each arrived)."""
    logger = logging.getLogger("forms_backend")
    logger.setLevel(os.environ.get("FORMS_LOG_LEVEL", "").upper() or level)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    # The connection pool warns at every failed reconnection attempt; storage/watch.py reports an outage
    # once when it begins and once when it ends, which is what an operator (and an alert) needs.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
