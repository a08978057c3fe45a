"""`python -m forms_backend COMMAND`:

    run                          build the site, then serve it and the form at one URL (default)
    users add NAME [--role R] [--email E]  create a staff user (password from a prompt, stdin, or generated)
    users email NAME ADDRESS     where NAME's daily digest goes ("" for none)
    users disable NAME | enable NAME | list
    digest                       queue and send today's digest to each staff member (run daily, e.g. 7:00)
    retention [--days N]         remove submissions older than N days (default RETENTION_DAYS)
    reindex                      rebuild the search index under the first of SEARCH_KEYS (after a rotation)
    rekey [--batch N] [--check]  re-seal stored data under the first of ENCRYPTION_KEYS, so old keys can go
    backup FILE                  a consistent copy of the SQLite database while the server runs (0600)
    restore FILE [--force]       the backup into an empty database (--force: over one that holds rows)

Local defaults: 127.0.0.1:8000, SQLite under data/, generated secrets kept in data/.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from forms_backend.form.submissions import reindex
from forms_backend.keys.crypto import FieldCipher
from forms_backend.keys.search_index import SearchIndex
from forms_backend.maintenance.backups import BackupError, backup, restore, sqlite_path
from forms_backend.maintenance.rekey import rekey, unlisted
from forms_backend.maintenance.retention import purge
from forms_backend.settings import Settings, SettingsError, load_settings
from forms_backend.staff.accounts import ROLES, AccountError, add_user, list_users, set_disabled, set_email
from forms_backend.staff.audit import record
from forms_backend.staff.digest import queue_digests
from forms_backend.storage import Database, open_database

BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "build.py"


def audit_sync(database: Database, actor: str, action: str, detail: str) -> None:
    database.run_sync_write(lambda tx: record(tx, actor, action, detail=detail))


def rekey_command(database: Database, cipher: FieldCipher, batch: int, check_only: bool) -> int:
    """Re-seal under the newest key (with a progress line on a terminal), or only check; audited."""
    if not check_only:

        def progress(done: int, total: int) -> None:
            if sys.stderr.isatty():
                print(f"\rre-sealing: {done:,} of {total:,} rows", end="", file=sys.stderr, flush=True)

        changed = rekey(database, cipher, batch, progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        counts = ", ".join(f"{count} {table}" for table, count in changed.items())
        audit_sync(
            database,
            getpass.getuser(),
            "encryption.rekey",
            f"re-sealed {counts} under key {cipher.current}; keys listed: {', '.join(cipher.keys)}",
        )
        print(f"re-sealed {counts} under key {cipher.current}")
    left = unlisted(database, cipher)
    if any(left.values()):
        print(
            "sealed under a key ENCRYPTION_KEYS no longer lists (add it back, then rekey): "
            + ", ".join(f"{count} {table}" for table, count in left.items() if count),
            file=sys.stderr,
        )
        return 1
    print(f"every stored row opens with the listed keys ({', '.join(cipher.keys)})")
    return 0


def digest_command(settings: Settings, database: Database) -> int:
    """Queue today's digests, then send what the outbox holds (what fails stays queued for the server to retry)."""
    from forms_backend.app import create_app, staff_digest
    from forms_backend.form.notify import Notifier

    app = create_app(settings)
    casework, templates, config = app.state.casework, app.state.templates, app.state.config
    now = datetime.now(UTC)
    today = now.astimezone(casework.clock.zone()).date()
    added = queue_digests(
        database,
        lambda digest: staff_digest(templates, settings, config, digest, casework.rules.due_soon_days),
        now,
        casework.rules.due_soon_days,
        today,
    )
    audit_sync(database, "cli", "digest", f"{added} digest(s) queued for {today}")
    if not settings.smtp_host:
        print(f"queued {added} digest(s); SMTP_HOST is not set, so nothing was sent", file=sys.stderr)
        return 1
    sent = asyncio.run(Notifier(database, settings, lambda reference: ("", "")).send_due())
    print(f"queued {added} digest(s) for {today}; sent {sent} message(s)")
    return 0


def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    """`backup FILE` or `restore FILE [--force]`, audited in the database they leave behind."""
    target = Path(args.file)
    try:
        database_file = sqlite_path(settings.database_url)
        if args.command == "backup":
            contents = backup(database_file, target)
            action, detail = "backup.taken", f"to {target.name}: {contents.summary()}"
        else:
            contents = restore(target, database_file, FieldCipher.from_spec(settings.encryption_keys), args.force)
            action, detail = "backup.restored", f"from {target.name}: {contents.summary()}"
    except BackupError as exc:
        print(f"{args.command} refused: {exc}", file=sys.stderr)
        return 1
    database = open_database(settings.database_url)  # a restored older schema is brought up to date here
    try:
        audit_sync(database, getpass.getuser(), action, detail)
    finally:
        database.close_sync()
    verb = "backed up" if args.command == "backup" else "restored"
    print(f"{verb} {contents.summary()} {'to' if args.command == 'backup' else 'from'} {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    if args.command in (None, "run"):
        return run(
            settings, getattr(args, "host", "127.0.0.1"), getattr(args, "port", 8000), getattr(args, "no_build", False)
        )
    if args.command in ("backup", "restore"):
        return backup_command(settings, args)
    database = open_database(settings.database_url)
    try:
        if args.command == "users":
            return users(database, args)
        if args.command == "digest":
            return digest_command(settings, database)
        if args.command == "rekey":
            return rekey_command(database, FieldCipher.from_spec(settings.encryption_keys), args.batch, args.check)
        if args.command == "reindex":
            index = SearchIndex.from_spec(settings.search_keys)
            indexed = reindex(database, FieldCipher.from_spec(settings.encryption_keys), index)
            audit_sync(
                database,
                "cli",
                "search.reindex",
                detail=f"{indexed} submissions indexed under key {index.current.key_id}",
            )
            print(
                f"indexed {indexed} submission(s) under search key {index.current.key_id}; digests under other keys removed"
            )
            return 0
        removed = purge(database, args.days or settings.retention_days)
        print(f"removed {removed} submission(s) older than {args.days or settings.retention_days} days")
        return 0
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        database.close_sync()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m forms_backend", description="Run the member site, its form backend and staff tools."
    )
    commands = parser.add_subparsers(dest="command")
    run_parser = commands.add_parser("run", help="build the site, then serve it and the form (default)")
    run_parser.add_argument("--host", default="127.0.0.1")
    run_parser.add_argument("--port", type=int, default=8000)
    run_parser.add_argument("--no-build", action="store_true", help="serve site/ as it is")
    users_parser = commands.add_parser("users", help="manage staff accounts")
    actions = users_parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, default="staff")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--generate-password", action="store_true", help="make a strong password and print it once")
    add.add_argument("--email", default="", help="where the user's daily digest goes")
    email = actions.add_parser("email", help="set where a user's daily digest goes")
    email.add_argument("username")
    email.add_argument("address", help='an email address, or "" for none')
    for name in ("disable", "enable"):
        actions.add_parser(name, help=f"{name} a user (disabling ends their sessions)").add_argument("username")
    actions.add_parser("list", help="list users")
    commands.add_parser(
        "digest", help="queue and send today's digest email to each staff member with an address (run once a day)"
    )
    commands.add_parser("reindex", help="rebuild the search index under the first of SEARCH_KEYS (after rotating them)")
    rekey_parser = commands.add_parser(
        "rekey", help="re-seal stored submissions and notes under the first of ENCRYPTION_KEYS"
    )
    rekey_parser.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
    rekey_parser.add_argument(
        "--check", action="store_true", help="only report rows sealed under a key no longer listed"
    )
    backup_parser = commands.add_parser("backup", help="a consistent copy of the SQLite database, taken while it runs")
    backup_parser.add_argument("file", help="where to write it (must not exist yet)")
    restore_parser = commands.add_parser("restore", help="restore a backup into an empty database")
    restore_parser.add_argument("file", help="a file made by `backup`")
    restore_parser.add_argument("--force", action="store_true", help="replace a database that already holds rows")
    retention = commands.add_parser("retention", help="remove submissions past the retention period")
    retention.add_argument("--days", type=int, default=0, help="default: RETENTION_DAYS (730)")
    return parser


def build_site(settings: Settings) -> int:
    """Build the site as an editor would (`build.py`), in a process of its own: the backend never loads the build engine."""
    command = [
        sys.executable,
        str(BUILD_SCRIPT),
        "--source",
        str(settings.project_dir),
        "--out",
        str(settings.site_dir),
    ]
    return subprocess.run(command, check=False).returncode


def run(settings: Settings, host: str, port: int, no_build: bool) -> int:
    if not no_build and build_site(settings) != 0:
        return 1
    print(f"Member site and Tell Us form: http://{host}:{port}/   (staff: http://{host}:{port}/staff/)", flush=True)
    uvicorn.run(
        "forms_backend.app:app", host=host, port=port, proxy_headers=False, server_header=False, log_level="info"
    )
    return 0


def users(database: Database, args: argparse.Namespace) -> int:
    if args.action == "add":
        if args.generate_password:
            password = secrets.token_urlsafe(18)
        elif args.password_stdin or not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password (12+ characters): ")
        user = add_user(database, args.username, password, args.role)
        if args.email:
            set_email(database, user.username, args.email)
        print(f"added {user.username} ({user.role})" + (f"; password: {password}" if args.generate_password else ""))
    elif args.action == "email":
        set_email(database, args.username, args.address)
        print(f"digest for {args.username}: {args.address or 'none'}")
    elif args.action in ("disable", "enable"):
        set_disabled(database, args.username, args.action == "disable")
        print(f"{args.action}d {args.username}")
    else:
        for user in list_users(database):
            print(f"{user.username}\t{user.role}\t{'disabled' if user.disabled else 'active'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
