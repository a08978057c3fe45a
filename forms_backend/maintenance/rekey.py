"""Re-seal every stored secret under the newest encryption key, so an old key can be retired.

`python -m forms_backend rekey` walks the sealed tables in batches of rows ordered by id. Each batch
commits on its own and changes a row only if it still holds what was read (so a second run, or two
at once, never seal a row twice). Killed half-way, a row is sealed under either the old or the new
key, readable both ways while both are listed; running the command again finishes the job.
`--check` lists rows sealed under a key that ENCRYPTION_KEYS no longer holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from forms_backend.keys.crypto import DecryptionFailed, FieldCipher
from forms_backend.storage.database import Database, Tx


@dataclass(frozen=True)
class SealedColumn:
    table: str
    binding: Callable[[str], str]  # what each row's ciphertext is bound to, from its reference


SEALED = (
    SealedColumn("submissions", lambda reference: reference),
    SealedColumn("notes", lambda reference: f"{reference}:note"),
    SealedColumn("contact_attempts", lambda reference: f"{reference}:call"),
)


def key_id_of(sealed: bytes) -> str:
    return bytes(sealed).partition(b":")[0].decode(errors="replace")


def rekey(
    database: Database, cipher: FieldCipher, batch: int = 500, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Re-seal under `cipher.current` every row sealed under another key; returns how many per table."""
    total = sum(_count(database, column.table) for column in SEALED)
    done, changed = 0, dict[str, int]()
    for column in SEALED:
        changed[column.table] = 0
        after = 0
        while True:
            rows = database.run_sync_read(partial(_rows_after, table=column.table, after=after, batch=batch))
            if not rows:
                break
            updates = [
                (resealed, int(row_id), bytes(sealed))
                for row_id, reference, sealed in rows
                if key_id_of(sealed) != cipher.current
                and (resealed := _resealed(cipher, bytes(sealed), column.binding(str(reference))))
            ]
            if updates:
                changed[column.table] += database.run_sync_write(
                    partial(_reseal_rows, table=column.table, updates=updates)
                )
            after = int(rows[-1][0])
            done += len(rows)
            if progress:
                progress(done, total)
    return changed


def _rows_after(tx: Tx, table: str, after: int, batch: int) -> list[tuple[Any, ...]]:
    return tx.fetchall(f"SELECT id, reference, sealed FROM {table} WHERE id > ? ORDER BY id LIMIT ?", (after, batch))


def _reseal_rows(tx: Tx, table: str, updates: list[tuple[bytes, int, bytes]]) -> int:
    """Each row re-sealed only if it still holds what was read (a second run never seals a row twice)."""
    return sum(tx.execute(f"UPDATE {table} SET sealed = ? WHERE id = ? AND sealed = ?", update) for update in updates)


def _resealed(cipher: FieldCipher, sealed: bytes, bound_to: str) -> bytes | None:
    """The row's fields sealed under the current key; None if no listed key opens it (see `unlisted`)."""
    try:
        return cipher.seal(cipher.open(sealed, bound_to=bound_to), bound_to=bound_to)
    except DecryptionFailed:
        return None


def unlisted(database: Database, cipher: FieldCipher) -> dict[str, int]:
    """Rows, per table, sealed under a key id that the cipher does not hold."""
    found = {}
    for column in SEALED:
        rows = database.run_sync_read(partial(_all_sealed, table=column.table))
        found[column.table] = sum(1 for (sealed,) in rows if key_id_of(sealed) not in cipher.keys)
    return found


def _all_sealed(tx: Tx, table: str) -> list[tuple[Any, ...]]:
    return tx.fetchall(f"SELECT sealed FROM {table}")


def _count(database: Database, table: str) -> int:
    row = database.run_sync_read(lambda tx: tx.fetchone(f"SELECT COUNT(*) FROM {table}"))
    return int(row[0]) if row else 0
