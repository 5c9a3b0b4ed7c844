"""Benchmark of the production server under slow clients: how long an ordinary visitor waits
while 50 slow clients hold connections open.

Runs against a throw-away database on the local PostgreSQL server (never the development
data), with the seed plus generated projects, so that the project list is a page a slow
connection takes minutes to download:

    .venv/bin/python bench/slow_clients.py [--configs sync gthread nginx+sync ...]
        [--rounds 2] [--projects 2000] [--duration 20]

Each configuration serves the site with production settings (``DJANGO_DEBUG=0``, a
throw-away secret key, ``DJANGO_ALLOWED_HOSTS=127.0.0.1``; HTTPS redirection off, as there
is no TLS on the loopback) on a loopback port, directly from gunicorn or through nginx (a
configuration written into a temporary folder, nginx run in the foreground). Then:

1. the visitor alone: one person fetching the home page, a project page and the project
   list in turn, one request at a time, each on a new connection, for ``--alone`` seconds;
2. the same visitor for ``--duration`` seconds while slow clients are connected:
   ``--slowloris`` clients that send request headers a few bytes a second and never finish
   them (when the server closes one, it connects again), and ``--readers`` clients that ask
   for ``--slow-path`` and read the answer at 1 KiB/s with a small receive buffer, as a
   slow mobile connection does (and ask again once done). Each slow client has a loopback
   address of its own (127.0.0.2, 127.0.0.3 …). The visitor starts once every slow reader
   has its first bytes (the pages they asked for are made, only their sending is left), or
   after 30 s.

The configurations (``--configs``): ``sync`` (gunicorn's synchronous workers, 3),
``gthread`` (3 workers of ``--threads`` threads), ``gthread-capped`` (the same, each worker
taking no more connections than it has threads), ``nginx+sync`` and ``nginx+gthread`` (the
same behind nginx, buffering), and ``recommended``: docs/deploy/gunicorn.conf.py behind
nginx with the timeouts and buffers of docs/deploy/nginx.conf.

Printed for each configuration and round: the visitor's requests per second, median and
95th-percentile time to the last byte (failed requests included, at the time they took),
failed requests (an error status, a reset connection or no answer within 30 s), the
gunicorn workers killed for being silent too long (``WORKER TIMEOUT``), the most database
connections the server held, and what became of the slow clients. The figures depend on
what else the machine is doing: run each configuration more than once (``--rounds``).

nginx (``apt-get install nginx-light``) is needed for the ``nginx+…`` configurations; they
are skipped, with a note, when it is missing. Static files are collected into
``STATIC_ROOT`` first (``collectstatic``), as production needs them.
"""

import argparse
import asyncio
import http.client
import os
import pwd
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

# The throw-away database, beside the others on the same server.
os.environ.setdefault("DJANGO_TEST_DATABASE", "bench_slow_clients")

from django.test import override_settings  # noqa: E402, I001
from harness import Client, connection, throwaway_database  # noqa: E402 - bench/ on sys.path

from icmd import localdb  # noqa: E402

BASE_DIR = Path(__file__).resolve().parent.parent
RECOMMENDED_CONFIG = BASE_DIR / "docs" / "deploy" / "gunicorn.conf.py"

VISITOR_PAGES = ["/fr/", "/fr/projects/figuig-palm-grove/", "/fr/projects/"]
VISITOR_TIMEOUT = 30.0
READ_SIZE = 1024  # bytes a slow reader takes each second
RECEIVE_BUFFER = 4096  # a slow link keeps little in flight
# The segment size of a real network path. On the loopback, TCP segments of 64 KiB let the
# server's kernel take about 3 MiB of an answer that nobody reads, so that a slow reader
# would cost the server nothing; with 1460-byte segments it takes about 70 KiB, as a
# connection over the internet does, and the rest waits for the reader.
SEGMENT_SIZE = 1460
HEADER_BYTES = 4  # bytes a slowloris client sends each second
# The visitor starts once every slow reader has its first bytes, or after this long.
SETTLE_LIMIT = 30.0


@dataclass
class Configuration:
    name: str
    gunicorn: list[str]
    behind_nginx: bool = False


def configurations(threads: int) -> dict[str, Configuration]:
    gthread = ["--worker-class", "gthread", "--workers", "3", "--threads", str(threads)]
    return {
        config.name: config
        for config in [
            # gunicorn's synchronous workers, with its defaults (a 30 s timeout).
            Configuration("sync", ["--workers", "3"]),
            Configuration("gthread", gthread),
            # Each worker takes no more connections than it has threads: one whose threads
            # are all held stops accepting, and the others take the newcomers.
            Configuration("gthread-capped", [*gthread, "--worker-connections", str(threads)]),
            Configuration("nginx+sync", ["--workers", "3"], behind_nginx=True),
            Configuration("nginx+gthread", gthread, behind_nginx=True),
            # The files of docs/deploy/: gunicorn.conf.py behind nginx.
            Configuration("recommended", ["--config", str(RECOMMENDED_CONFIG)], True),
        ]
    }


# --- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(name: str) -> str:
    """The URL of the database ``name`` on the server the settings use."""
    server = urlsplit(os.environ.get("DATABASE_URL") or localdb.database_url())
    return urlunsplit(server._replace(path="/" + quote(name)))


def production_environment(database: str, folder: Path, behind_proxy: bool) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # No TLS on the loopback: answered over plain HTTP instead of redirected.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_BEHIND_PROXY": "1" if behind_proxy else "0",
        "DJANGO_EXPORT_CACHE_DIR": str(folder / "exports"),
        "EMAIL_URL": "console:",
    }


NGINX_CONFIG = """\
{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream icmd {{ server 127.0.0.1:{upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        # The timeouts and buffers of docs/deploy/nginx.conf (without TLS and compression).
        client_header_timeout 10s;
        client_body_timeout 30s;
        send_timeout 60s;
        keepalive_timeout 15s;
        client_max_body_size 25m;
        client_body_buffer_size 128k;
        location / {{
            proxy_pass http://icmd;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_buffers 16 16k;
            proxy_busy_buffers_size 32k;
            proxy_max_temp_file_size 1024m;
            proxy_connect_timeout 5s;
            proxy_send_timeout 60s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


class Servers:
    """gunicorn with ``configuration``'s options, behind nginx or not, for the time of a
    ``with`` block; ``port`` is where clients connect."""

    def __init__(self, configuration: Configuration, database: str):
        self.configuration = configuration
        self.database = database
        self.processes: list[subprocess.Popen] = []
        self.logs = []

    def __enter__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="icmd-slow-clients-"))
        upstream = free_port()
        self.gunicorn_log = self.folder / "gunicorn.log"
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "icmd.wsgi:application"]
                + self.configuration.gunicorn
                + ["--bind", f"127.0.0.1:{upstream}", "--error-logfile", "-"]
                + ["--control-socket", str(self.folder / "gunicorn.ctl")],
                cwd=BASE_DIR,
                env=production_environment(
                    self.database, self.folder, self.configuration.behind_nginx
                ),
                stdout=subprocess.DEVNULL,
                stderr=self.log_file(self.gunicorn_log),
                start_new_session=True,
            )
        )
        self.port = upstream
        if self.configuration.behind_nginx:
            self.port = free_port()
            self.start_nginx(upstream)
        try:
            self.wait_until_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start_nginx(self, upstream: int) -> None:
        # As root, nginx's worker would run as "nobody", who cannot write into our folder.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        config = self.folder / "nginx.conf"
        config.write_text(
            NGINX_CONFIG.format(user=user, folder=self.folder, upstream=upstream, port=self.port)
        )
        self.processes.append(
            subprocess.Popen(
                [shutil.which("nginx") or "nginx", "-p", str(self.folder), "-c", str(config)]
                + ["-e", str(self.folder / "nginx-error.log")],
                stdout=subprocess.DEVNULL,
                stderr=self.log_file(self.folder / "nginx-output.log"),
                start_new_session=True,
            )
        )

    def log_file(self, path: Path):
        self.logs.append(path.open("w"))
        return self.logs[-1]

    def wait_until_ready(self, limit: float = 60.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a server exited:\n{self.log()}")
            try:
                if fetch(self.port, "/fr/", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer within {limit:.0f} s:\n{self.log()}")

    def log(self) -> str:
        logs = [self.gunicorn_log, self.folder / "nginx-error.log"]
        return "\n".join(path.read_text()[-3000:] for path in logs if path.exists())

    def worker_timeouts(self) -> int:
        return self.gunicorn_log.read_text().count("WORKER TIMEOUT")

    def __exit__(self, *exc_info):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown; nginx: fast
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in self.logs:
            log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- clients -------------------------------------------------------------------------------


def fetch(port: int, path: str, timeout: float = VISITOR_TIMEOUT) -> tuple[int, int]:
    """Status and size of ``path``, read whole on a new connection."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        client.request("GET", path, headers={"Host": "127.0.0.1", "User-Agent": "visitor"})
        response = client.getresponse()
        return response.status, len(response.read())
    finally:
        client.close()


def visit(port: int, seconds: float) -> dict:
    """An ordinary visitor going round ``VISITOR_PAGES`` for ``seconds``."""
    timings, failures = [], 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        for path in VISITOR_PAGES:
            began = time.perf_counter()
            try:
                status = fetch(port, path)[0]
            except OSError:  # reset, refused or timed out
                status = None
            timings.append((time.perf_counter() - began) * 1000)
            failures += status != 200
    elapsed = time.monotonic() - start
    timings.sort()
    return {
        "requests_per_s": (len(timings) - failures) / elapsed,
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[max(0, int(len(timings) * 0.95 + 0.5) - 1)],
        "max_ms": timings[-1],
        "requests": len(timings),
        "failures": failures,
    }


@dataclass
class SlowStats:
    slowloris_connections: int = 0
    slowloris_closed_by_server: int = 0
    reads_started: set = field(default_factory=set)
    reads_completed: int = 0
    # The status of each answer slow readers got (a 429 is a download refused).
    statuses: Counter = field(default_factory=Counter)
    reads_cut: int = 0
    bytes_read: int = 0


class SlowClients:
    """Slowloris clients and slow readers, on an event loop of their own (a thread)."""

    def __init__(self, port: int, slowloris: int, readers: int, path: str):
        self.port, self.slowloris, self.readers, self.path = port, slowloris, readers, path
        self.stats = SlowStats()
        self.ready = threading.Event()

    def __enter__(self):
        self.thread = threading.Thread(target=asyncio.run, args=(self.run(),), daemon=True)
        self.thread.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc_info):
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join()

    def wait_for_readers(self, limit: float) -> float | None:
        """Seconds until every slow reader had its first bytes (the pages they asked for
        are made, what is left is sending them), or None if not within ``limit``."""
        start = time.monotonic()
        while len(self.stats.reads_started) < self.readers:
            if time.monotonic() - start > limit:
                return None
            time.sleep(0.2)
        return time.monotonic() - start

    async def run(self):
        self.loop, self.stop = asyncio.get_running_loop(), asyncio.Event()
        tasks = [asyncio.create_task(self.slow_headers(i)) for i in range(self.slowloris)]
        tasks += [
            asyncio.create_task(self.slow_reader(self.slowloris + i)) for i in range(self.readers)
        ]
        self.ready.set()
        await self.stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def connect(self, index: int, slow_link: bool = False) -> socket.socket:
        sock = socket.socket()
        if slow_link:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, SEGMENT_SIZE)
        sock.bind((f"127.0.0.{2 + index % 250}", 0))
        sock.setblocking(False)
        try:
            await self.loop.sock_connect(sock, ("127.0.0.1", self.port))
        except BaseException:
            sock.close()
            raise
        return sock

    async def answered_within(self, sock: socket.socket, seconds: float) -> bytes | None:
        """What the server sent within ``seconds`` (``b""`` when it closed), else None."""
        try:
            return await asyncio.wait_for(self.loop.sock_recv(sock, READ_SIZE), seconds)
        except TimeoutError:
            return None

    async def slow_headers(self, index: int):
        """A request whose headers never end, sent a few bytes a second."""
        while not self.stop.is_set():
            try:
                sock = await self.connect(index)
            except OSError:
                await asyncio.sleep(1)
                continue
            self.stats.slowloris_connections += 1
            headers = "GET /fr/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n"
            sent = 0
            try:
                while not self.stop.is_set():
                    while len(headers) < sent + HEADER_BYTES:
                        headers += f"X-Wait-{len(headers)}: {secrets.token_hex(4)}\r\n"
                    await self.loop.sock_sendall(sock, headers[sent : sent + HEADER_BYTES].encode())
                    sent += HEADER_BYTES
                    if await self.answered_within(sock, 1.0) is not None:
                        self.stats.slowloris_closed_by_server += 1
                        break
            except OSError:
                self.stats.slowloris_closed_by_server += 1
            finally:
                sock.close()

    async def slow_reader(self, index: int):
        """A big page asked for, and read at ``READ_SIZE`` bytes a second."""
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-reader\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        while not self.stop.is_set():
            try:
                sock = await self.connect(index, slow_link=True)
            except OSError:
                await asyncio.sleep(1)
                continue
            first = True
            try:
                await self.loop.sock_sendall(sock, request)
                while not self.stop.is_set():
                    data = await self.answered_within(sock, 1.0)
                    if data is None:  # nothing yet
                        continue
                    if not data:
                        self.stats.reads_completed += 1
                        break
                    if first:
                        self.stats.statuses[data.split(b" ", 2)[1].decode()] += 1
                        self.stats.reads_started.add(index)
                        first = False
                    self.stats.bytes_read += len(data)
                    await asyncio.sleep(len(data) / READ_SIZE)
            except OSError:
                self.stats.reads_cut += 1
            finally:
                sock.close()


class ConnectionCounter:
    """The most connections to the database seen while it runs (sampled twice a second)."""

    def __enter__(self):
        self.most, self.done = 0, threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        try:
            with connection.cursor() as cursor:
                while not self.done.wait(0.5):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                    self.most = max(self.most, cursor.fetchone()[0])
        finally:
            connection.close()

    def __exit__(self, *exc_info):
        self.done.set()
        self.thread.join()


# --- the benchmark -------------------------------------------------------------------------


def run(configuration: Configuration, database: str, options) -> dict:
    with Servers(configuration, database) as servers:
        for path in VISITOR_PAGES + [options.slow_path]:  # warm every worker up a little
            for _ in range(4):
                status = fetch(servers.port, path)[0]
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}:\n{servers.log()}")
        alone = visit(servers.port, options.alone) if options.alone else None
        timeouts_before = servers.worker_timeouts()
        with ConnectionCounter() as counter:
            with SlowClients(
                servers.port, options.slowloris, options.readers, options.slow_path
            ) as slow:
                readers_answered = slow.wait_for_readers(limit=SETTLE_LIMIT)
                loaded = visit(servers.port, options.duration)
            stats = slow.stats
        return {
            "alone": alone,
            "loaded": loaded,
            "worker_timeouts": servers.worker_timeouts() - timeouts_before,
            "connections": counter.most,
            "readers_answered": readers_answered,
            "slow": stats,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", metavar="NAME", help="default: all")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--projects", type=int, default=2000, help="generated projects")
    parser.add_argument("--threads", type=int, default=25, help="of the gthread configurations")
    parser.add_argument("--slowloris", type=int, default=25)
    parser.add_argument("--readers", type=int, default=25)
    parser.add_argument("--slow-path", default="/fr/projects/", help="what slow readers read")
    parser.add_argument("--duration", type=float, default=20, help="seconds with slow clients")
    parser.add_argument("--alone", type=float, default=8, help="seconds without (0: skip)")
    options = parser.parse_args()
    known = configurations(options.threads)
    names = options.configs or list(known)
    unknown = [name for name in names if name not in known]
    if unknown:
        parser.error(f"unknown configuration {', '.join(unknown)}; known: {', '.join(known)}")
    if not shutil.which("nginx"):
        skipped = [name for name in names if known[name].behind_nginx]
        if skipped:
            print(f"nginx is not installed: skipping {', '.join(skipped)}.", file=sys.stderr)
        names = [name for name in names if not known[name].behind_nginx]

    collect_static_files()
    with throwaway_database():
        from icmd.generation import generate_catalogue

        generate_catalogue(options.projects)
        database = database_url(connection.settings_dict["NAME"])
        connection.close()  # the servers open their own
        size = size_of(options.slow_path)
        print(
            f"\n{options.slowloris} slowloris clients + {options.readers} slow readers of "
            f"{options.slow_path} ({size}) at {READ_SIZE // 1024} KiB/s; the visitor fetches "
            f"{', '.join(VISITOR_PAGES)} in turn for {options.duration:.0f} s.\n"
        )
        print(
            "| configuration | round | alone p50 / p95 ms | with slow clients: req/s "
            "| p50 ms | p95 ms | max ms | failed | worker timeouts | DB connections "
            "| slowloris connections / closed by server "
            f"| all slow readers answered after (-: not in {SETTLE_LIMIT:.0f} s) "
            "| slow readers' answers | slow reads done / cut | KiB sent to slow readers |"
        )
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---:|")
        for name in names:
            for round_ in range(1, options.rounds + 1):
                result = run(known[name], database, options)
                alone, loaded, slow = result["alone"], result["loaded"], result["slow"]
                alone_text = f"{alone['p50_ms']:.0f} / {alone['p95_ms']:.0f}" if alone else ""
                answered = result["readers_answered"]
                answered_text = f"{answered:.1f} s" if answered is not None else "-"
                print(
                    f"| {name} | {round_} | {alone_text} | {loaded['requests_per_s']:.1f} "
                    f"| {loaded['p50_ms']:.0f} | {loaded['p95_ms']:.0f} "
                    f"| {loaded['max_ms']:.0f} | {loaded['failures']} of {loaded['requests']} "
                    f"| {result['worker_timeouts']} | {result['connections']} "
                    f"| {slow.slowloris_connections} / {slow.slowloris_closed_by_server} "
                    f"| {answered_text} "
                    f"| {', '.join(f'{n} × {code}' for code, n in sorted(slow.statuses.items()))} "
                    f"| {slow.reads_completed} / {slow.reads_cut} "
                    f"| {slow.bytes_read // 1024} |",
                    flush=True,
                )


def collect_static_files() -> None:
    """Production's static files (hashed names, a manifest), which pages refer to."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)},
        check=True,
    )


def size_of(path: str) -> str:
    """The size of the page slow readers ask for (Django's test client: no server needed;
    a download it makes is kept in a folder of its own, removed afterwards)."""
    with tempfile.TemporaryDirectory() as kept, override_settings(EXPORT_CACHE_DIR=kept):
        response = Client().get(path, HTTP_HOST="127.0.0.1")
        body = b"".join(response) if response.streaming else response.content
    connection.close()
    return f"{len(body) / 1024:.0f} KiB"


if __name__ == "__main__":
    main()
