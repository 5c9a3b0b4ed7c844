"""gunicorn settings for the ICMD portal, behind nginx (docs/deploy/nginx.conf).

    /srv/icmd/.venv/bin/gunicorn --config docs/deploy/gunicorn.conf.py

nginx reads each request whole before passing it on and takes each answer as fast as
gunicorn writes it, so slow clients cost nginx a connection, not a gunicorn thread.
Threads let a worker go on serving while a request waits on the database or streams a long
download. Every thread keeps a database connection open (DJANGO_CONN_MAX_AGE): the server
holds up to ``workers * threads`` connections; keep that, plus the background workers and a
few for manage.py and backups, under PostgreSQL's max_connections.
"""

import multiprocessing
import os

wsgi_app = "icmd.wsgi:application"
# nginx connects here; nothing else should.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

worker_class = "gthread"
# WEB_CONCURRENCY is gunicorn's own variable for the number of workers.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A worker whose main loop gives no sign of life for this long is killed and replaced. (With
# threads this watches the worker, not each request: a long download is not cut short.)
timeout = 30
# On restart or stop (SIGHUP, SIGTERM), requests in progress get this long to finish.
graceful_timeout = 30
# Seconds an idle connection is kept open for its next request. nginx opens a connection
# per request (no upstream keep-alive: on the loopback a connection costs next to nothing),
# so this only concerns clients that reach gunicorn directly, such as a health check.
keepalive = 2
# Each worker is replaced after about this many requests (staggered by the jitter, so that
# they are not all replaced at once): memory a long-lived process gathers is given back.
max_requests = 1000
max_requests_jitter = 100

# X-Forwarded-Proto and X-Forwarded-For are believed from nginx on this machine only.
forwarded_allow_ips = "127.0.0.1,::1"
# Errors to stderr (the journal, under systemd); nginx keeps the access log.
errorlog = "-"
accesslog = None
# The workers' heartbeat files in memory, never on a slow disk.
worker_tmp_dir = "/dev/shm"
# No control socket (gunicornc): systemd starts, reloads (SIGHUP) and stops the server.
control_socket_disable = True
