"""A project-local PostgreSQL cluster for development and tests.

Used when ``DATABASE_URL`` is unset: ``python -m icmd.localdb start`` creates the cluster
under ``var/`` (once), starts it listening on a Unix socket only, and creates the database.
The settings module calls :func:`database_url` to reach the same cluster, so
``manage.py`` works against it with no extra configuration.

PostgreSQL refuses to run as root: as root, the cluster is created and started as the
``postgres`` user.
"""

import glob
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "icmd"
SUPERUSER = "postgres"
# A Unix socket path ("<dir>/.s.PGSQL.5432") may not exceed 107 bytes.
MAX_SOCKET_PATH = 107
SOCKET_FILE = ".s.PGSQL.5432"


class LocalDatabaseError(Exception):
    pass


def _tmp_dir(name: str) -> Path:
    digest = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:10]
    return Path("/tmp") / f"icmd-{digest}" / name


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _reachable_by_postgres(path: Path) -> bool:
    """Whether the ``postgres`` user can get to ``path`` (root runs the server as that user):
    every existing folder above it must let others through. A project cloned into a private
    home folder (``/root``, mode 700) cannot be reached."""
    if not _is_root():
        return True
    for folder in [path, *path.parents]:
        if folder.exists():
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                return False
    return True


def _var_dir(name: str) -> Path:
    """``var/<name>`` under the project, or under /tmp when the server could not use it."""
    local = BASE_DIR / "var" / name
    if _reachable_by_postgres(BASE_DIR / "var"):
        return local
    return _tmp_dir(name)


def socket_dir() -> Path:
    """Where the cluster's Unix socket lives: under the project, or under /tmp when the
    project's path is too long for a socket (or out of the server's reach)."""
    local = _var_dir("run")
    if len(str(local / SOCKET_FILE)) <= MAX_SOCKET_PATH:
        return local
    return _tmp_dir("run")


def data_dir() -> Path:
    return _var_dir("pgdata")


def database_url() -> str:
    return f"postgres://{SUPERUSER}@/{DATABASE_NAME}?host={socket_dir()}"


def find_binaries() -> Path:
    """The folder holding ``pg_ctl`` and ``initdb`` (PATH first, then Debian's layout)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    raise LocalDatabaseError(
        "PostgreSQL server binaries (pg_ctl, initdb) not found: install PostgreSQL 15 or newer "
        "(Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL to a running server."
    )


def _run(args: list[str], *, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    if _is_root():
        args = ["runuser", "-u", SUPERUSER, "--", *args]
    return subprocess.run(args, check=check, text=True, **kwargs)


def _prepare_dirs() -> tuple[Path, Path]:
    data, sockets = data_dir(), socket_dir()
    for path in (data, sockets):
        path.mkdir(parents=True, exist_ok=True)
        if _is_root():
            shutil.chown(path, user=SUPERUSER)
            path.chmod(0o700)
    return data, sockets


def _is_running(bindir: Path, data: Path) -> bool:
    if not (data / "PG_VERSION").exists():
        return False
    result = _run(
        [str(bindir / "pg_ctl"), "status", "-D", str(data)], check=False, capture_output=True
    )
    return result.returncode == 0


def start() -> None:
    bindir = find_binaries()
    data, sockets = _prepare_dirs()
    if not (data / "PG_VERSION").exists():
        print(f"Creating a local PostgreSQL cluster in {data}")
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            capture_output=True,
        )
    if not _is_running(bindir, data):
        log = data / "server.log"
        print(f"Starting the local PostgreSQL server (socket in {sockets})")
        _run(
            [
                str(bindir / "pg_ctl"),
                "start",
                "-w",
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                f"-c listen_addresses='' -c unix_socket_directories='{sockets}' "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            ],
            capture_output=True,
        )
    _create_database(bindir, sockets)


def _create_database(bindir: Path, sockets: Path) -> None:
    psql = [str(bindir / "psql"), "-h", str(sockets), "-U", SUPERUSER, "-d", "postgres", "-tAc"]
    for _ in range(50):
        found = _run(
            [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"],
            check=False,
            capture_output=True,
        )
        if found.returncode == 0:
            break
        time.sleep(0.2)
    else:
        raise LocalDatabaseError(f"the local PostgreSQL server does not answer: {found.stderr}")
    if found.stdout.strip() != "1":
        _run([*psql, f'CREATE DATABASE "{DATABASE_NAME}"'], capture_output=True)


def stop() -> None:
    bindir = find_binaries()
    data = data_dir()
    if _is_running(bindir, data):
        _run([str(bindir / "pg_ctl"), "stop", "-m", "fast", "-D", str(data)], capture_output=True)
        print("Stopped the local PostgreSQL server")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    try:
        if command == "start":
            if os.environ.get("DATABASE_URL"):
                return 0
            start()
        elif command == "stop":
            stop()
        elif command == "url":
            print(os.environ.get("DATABASE_URL") or database_url())
        else:
            print("usage: python -m icmd.localdb [start|stop|url]", file=sys.stderr)
            return 2
    except LocalDatabaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(
            f"error: {' '.join(error.cmd)} failed:\n{error.stderr or error.stdout}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
