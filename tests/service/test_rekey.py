"""Retiring an encryption key: `python -m forms_backend rekey` re-seals every stored submission and
note under the newest key, survives being killed half-way, and `--check` finds rows no listed key
opens — on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from forms_backend.form.fields import validate
from forms_backend.form.submissions import Submissions
from forms_backend.keys.crypto import FieldCipher, new_key_spec
from forms_backend.keys.search_index import new_search_key_spec
from forms_backend.maintenance.rekey import key_id_of
from forms_backend.storage import open_database
from tests.backend import GOOD
from tests.conftest import ROOT, run_async

KEY_A, KEY_B = new_key_spec("a"), new_key_spec("b")


def fill(url: str, count: int, notes: int = 0) -> None:
    """`count` submissions (and `notes` notes) sealed under key A, through the app's own storage."""
    database = open_database(url)
    submissions = Submissions(database, FieldCipher.from_spec(KEY_A))
    inquiry = validate(GOOD, date.today()).inquiry
    assert inquiry is not None

    async def store_all() -> list[str]:
        return [await submissions.store(inquiry, "en", secrets.token_hex(8)) for _ in range(count)]

    references = run_async(store_all)
    cipher = FieldCipher.from_spec(KEY_A)
    for reference in references[:notes]:
        database.run_sync_write(
            lambda tx, r=reference: tx.execute(
                "INSERT INTO notes (reference, author, created_at, sealed) VALUES (?, 'ana', '2026-11-29T00:00:00Z', ?)",
                (r, cipher.seal({"text": "Called back; left a message."}, bound_to=f"{r}:note")),
            )
        )
        database.run_sync_write(
            lambda tx, r=reference: tx.execute(
                "INSERT INTO contact_attempts (reference, at, staff, outcome, language, interpreter, sealed)"
                " VALUES (?, '2026-11-29T00:00:00Z', 'ana', 'voicemail', 'es', 0, ?)",
                (r, cipher.seal({"note": "Dejé un mensaje."}, bound_to=f"{r}:call")),
            )
        )
    database.close_sync()


def command(url: str, tmp_path: Path, keys: str, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ENCRYPTION_KEYS": keys,
        "SECRET_KEYS": "rekey-test",
        "SEARCH_KEYS": new_search_key_spec(),
        "DATA_DIR": str(tmp_path / "data"),
        "PROJECT_DIR": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "forms_backend", "rekey", *args],
        env=env,
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def sealed_rows(url: str) -> list[tuple[str, str, bytes]]:
    database = open_database(url)
    rows = database.run_sync_read(
        lambda tx: (
            [("submissions", str(r), bytes(s)) for r, s in tx.fetchall("SELECT reference, sealed FROM submissions")]
            + [("notes", str(r), bytes(s)) for r, s in tx.fetchall("SELECT reference, sealed FROM notes")]
            + [
                ("contact_attempts", str(r), bytes(s))
                for r, s in tx.fetchall("SELECT reference, sealed FROM contact_attempts")
            ]
        )
    )
    database.close_sync()
    return rows


def opened(url: str, keys: str) -> list[dict[str, str]]:
    """Every stored row, opened with `keys` (raises if any one cannot be)."""
    cipher = FieldCipher.from_spec(keys)
    binding = {"submissions": "{}", "notes": "{}:note", "contact_attempts": "{}:call"}
    return [
        cipher.open(sealed, bound_to=binding[table].format(reference)) for table, reference, sealed in sealed_rows(url)
    ]


def test_rekey_lets_the_old_key_be_removed(tmp_path: Path, database_url: str) -> None:
    fill(database_url, 30, notes=5)
    before = opened(database_url, KEY_A)
    done = command(database_url, tmp_path, f"{KEY_B},{KEY_A}")
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert "re-sealed 30 submissions, 5 notes, 5 contact_attempts under key b" in out
    assert {key_id_of(sealed) for _, _, sealed in sealed_rows(database_url)} == {"b"}
    assert opened(database_url, KEY_B) == before  # every row reads the same with key A gone
    check = command(database_url, tmp_path, KEY_B, "--check")
    check.communicate(timeout=60)
    assert check.returncode == 0
    database = open_database(database_url)
    audit = database.run_sync_read(
        lambda tx: tx.fetchall("SELECT action, detail FROM audit_log WHERE action = 'encryption.rekey'")
    )
    database.close_sync()
    assert (
        len(audit) == 1
        and "30 submissions, 5 notes, 5 contact_attempts under key b" in audit[0][1]
        and "keys listed: b, a" in audit[0][1]
    )


def test_check_names_rows_no_listed_key_opens(tmp_path: Path, database_url: str) -> None:
    fill(database_url, 3)
    check = command(database_url, tmp_path, KEY_B, "--check")
    _, err = check.communicate(timeout=60)
    assert check.returncode == 1 and "3 submissions" in err


def test_rekey_killed_half_way_loses_nothing_and_finishes_when_run_again(tmp_path: Path, database_url: str) -> None:
    fill(database_url, 1500)
    running = command(database_url, tmp_path, f"{KEY_B},{KEY_A}", "--batch", "10")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        under_b = sum(key_id_of(sealed) == "b" for _, _, sealed in sealed_rows(database_url))
        if under_b >= 100:
            break
        time.sleep(0.05)
    running.send_signal(signal.SIGKILL)
    running.communicate(timeout=10)
    keys = [key_id_of(sealed) for _, _, sealed in sealed_rows(database_url)]
    assert 0 < keys.count("b") < 1500, "the kill did not land half-way"
    assert len(opened(database_url, f"{KEY_B},{KEY_A}")) == 1500  # every row readable, old or new
    again = command(database_url, tmp_path, f"{KEY_B},{KEY_A}")
    again.communicate(timeout=120)
    assert again.returncode == 0
    rows = opened(database_url, KEY_B)
    assert len(rows) == 1500 and all(
        row["first_name"] == GOOD["first_name"] for row in rows
    )  # each sealed exactly once
