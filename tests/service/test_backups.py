"""`python -m forms_backend backup FILE` and `restore FILE`: the drill an operator runs. A backup taken while
members are sending restores with every message acknowledged before it began, readable; a restore refuses
whatever would lose data or could not be read."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx

from forms_backend.keys.crypto import FieldCipher, new_key_spec
from tests.conftest import ROOT
from tests.servers import UvicornServer
from tests.service.test_real_server import PHI_MARKERS, reference_of, server_env
from tests.service.test_storage_failures import post_form

KEYS = new_key_spec("k1")


def forms_backend(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forms_backend", *args],
        env={**os.environ, "PROJECT_DIR": str(ROOT), **env},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def environment(data: Path, keys: str = KEYS) -> dict[str, str]:
    return {"DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'inquiries.db'}", "ENCRYPTION_KEYS": keys}


def stored(database: Path, cipher: FieldCipher) -> dict[str, dict[str, str]]:
    """Every submission in a database file, opened with the keys."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT reference, sealed FROM submissions").fetchall()
    return {reference: cipher.open(bytes(sealed), bound_to=reference) for reference, sealed in rows}


def audit_actions(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("SELECT action FROM audit_log ORDER BY id")]


class Sender(threading.Thread):
    """A member after member sending the form, until told to stop (at most 400 posts or 60 s)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.acknowledged: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=self.url, timeout=30) as client:
            for _ in range(400):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                response = post_form(client, "en")
                if response.status_code == 303:
                    self.acknowledged.append(reference_of(response))

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.acknowledged) >= count


def test_backup_under_concurrent_posts_restores_every_message_acknowledged_before_it(
    tmp_path: Path, built_site: Path
) -> None:
    data, backup_file = tmp_path / "data", tmp_path / "backups" / "inquiries-2026-12-04.db"
    backup_file.parent.mkdir()
    env = server_env(tmp_path, built_site, f"sqlite:///{data / 'inquiries.db'}", KEYS)
    with UvicornServer(env, tmp_path / "server.log") as server:
        sender = Sender(server.url)
        sender.start()
        sender.wait_for(10)
        before = list(sender.acknowledged)
        taken = forms_backend(env, "backup", str(backup_file))
        sender.wait_for(len(before) + 10)  # the server went on taking messages during and after the backup
        sender.stop.set()
        sender.join(30)
    assert taken.returncode == 0, taken.stderr
    assert "backed up" in taken.stdout
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    assert not Path(f"{backup_file}-wal").exists()  # one self-contained file
    raw = backup_file.read_bytes()
    for marker in PHI_MARKERS:  # sealed fields stay sealed in the copy
        assert marker.encode() not in raw
    assert "backup.taken" in audit_actions(data / "inquiries.db")

    restored_data = tmp_path / "restored"
    done = forms_backend(environment(restored_data), "restore", str(backup_file))
    assert done.returncode == 0, done.stderr
    messages = stored(restored_data / "inquiries.db", FieldCipher.from_spec(KEYS))
    assert set(before) <= set(messages)
    assert all(messages[reference]["message"] for reference in before)
    assert stat.S_IMODE((restored_data / "inquiries.db").stat().st_mode) == 0o600
    assert audit_actions(restored_data / "inquiries.db")[-1] == "backup.restored"


def a_backup_of_one_message(tmp_path: Path, built_site: Path) -> Path:
    data = tmp_path / "source"
    env = server_env(tmp_path, built_site, f"sqlite:///{data / 'inquiries.db'}", KEYS) | {"DATA_DIR": str(data)}
    with UvicornServer(env, tmp_path / "server.log") as server, httpx.Client(base_url=server.url) as client:
        assert post_form(client, "es").status_code == 303
    target = tmp_path / "one.db"
    assert forms_backend(env, "backup", str(target)).returncode == 0
    return target


def test_restore_refuses_a_database_that_holds_rows_unless_forced(tmp_path: Path, built_site: Path) -> None:
    backup_file = a_backup_of_one_message(tmp_path, built_site)
    source = tmp_path / "source" / "inquiries.db"
    before = source.read_bytes()
    refused = forms_backend(environment(tmp_path / "source"), "restore", str(backup_file))
    assert refused.returncode == 1
    assert "already holds 1 submissions" in refused.stderr
    assert "--force" in refused.stderr
    assert source.read_bytes() == before
    forced = forms_backend(environment(tmp_path / "source"), "restore", str(backup_file), "--force")
    assert forced.returncode == 0, forced.stderr


def test_restore_refuses_a_backup_the_configured_keys_cannot_open(tmp_path: Path, built_site: Path) -> None:
    backup_file = a_backup_of_one_message(tmp_path, built_site)
    target = tmp_path / "elsewhere"
    refused = forms_backend(environment(target, keys=new_key_spec("k1")), "restore", str(backup_file))
    assert refused.returncode == 1
    assert "do not open with the configured ENCRYPTION_KEYS (1 submissions)" in refused.stderr
    assert not (target / "inquiries.db").exists()


def test_restore_refuses_a_backup_from_a_newer_schema(tmp_path: Path, built_site: Path) -> None:
    backup_file = a_backup_of_one_message(tmp_path, built_site)
    with sqlite3.connect(backup_file) as connection:
        connection.execute("INSERT INTO schema_version (version) VALUES (999)")
    refused = forms_backend(environment(tmp_path / "elsewhere"), "restore", str(backup_file))
    assert refused.returncode == 1
    assert "schema version 999, newer than this version" in refused.stderr


def test_backup_never_overwrites_a_file(tmp_path: Path, built_site: Path) -> None:
    backup_file = a_backup_of_one_message(tmp_path, built_site)
    before = backup_file.read_bytes()
    refused = forms_backend(environment(tmp_path / "source"), "backup", str(backup_file))
    assert refused.returncode == 1
    assert "already exists" in refused.stderr
    assert backup_file.read_bytes() == before


def test_backup_on_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    refused = forms_backend(env, "backup", str(tmp_path / "x.db"))
    assert refused.returncode == 1
    assert "pg_dump" in refused.stderr
    assert "point-in-time recovery" in refused.stderr
