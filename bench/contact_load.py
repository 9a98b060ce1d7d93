"""Contact form under load: 200 submissions over 8 connections to gunicorn (2 workers).

Every submission must be stored: the script counts rows in the database afterwards and
prints requests/s, latency and errors. SQLite by default (a scratch file), or PostgreSQL:

    .venv/bin/python bench/contact_load.py
    .venv/bin/python bench/contact_load.py --database-url postgres://postgres@127.0.0.1:5432/carnet_bench

The PostgreSQL database is created for the run and dropped afterwards. Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import sys
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from _harness import gunicorn, manage, postgres_database, scratch_dir, scratch_env

TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
COUNT_SCRIPT = (
    "from contact.models import Message as M; "
    "print(M.objects.count(), M.objects.filter(notification_status='sent').count(), "
    "M.objects.values('message').distinct().count())"
)


def open_form(host: str, port: int) -> tuple[str, str, str]:
    """GET the form as a reader would: its time token, CSRF token and CSRF cookie."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/contact/")
    response = conn.getresponse()
    html = response.read().decode()
    if response.status != 200:
        raise RuntimeError(f"GET /contact/ answered {response.status}")
    cookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    conn.close()
    return TOKEN_RE.search(html).group(1), CSRF_RE.search(html).group(1), cookie["csrftoken"].value


def sender(
    host: str,
    port: int,
    worker: int,
    count: int,
    start: threading.Barrier,
    latencies: list[float],
    errors: list[str],
) -> None:
    try:
        token, csrf, cookie = open_form(host, port)
    except (OSError, RuntimeError, AttributeError, KeyError) as error:
        errors.extend([f"form: {error}"] * count)
        start.wait()
        return
    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookie}",
    }
    start.wait()
    for i in range(count):
        body = urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "token": token,
                "name": f"Lectrice {worker}",
                "email": f"lectrice{worker}@example.org",
                "subject": f"Charge {worker}-{i}",
                "message": f"Message {worker}-{i} : bonjour, ceci est un essai de charge.",
                "consent": "on",
                "website": "",
            }
        )
        began = time.perf_counter()
        try:
            conn.request("POST", "/contact/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 302:
                errors.append(f"HTTP {response.status}")
        except (OSError, http.client.HTTPException) as error:
            errors.append(type(error).__name__)
            conn.close()
        latencies.append(time.perf_counter() - began)
    conn.close()


def run(env: dict[str, str], submissions: int, connections: int, workers: int) -> None:
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    latencies: list[float] = []
    errors: list[str] = []
    with gunicorn(env, workers=workers) as base:
        parts = urlsplit(base)
        start = threading.Barrier(connections + 1)
        shares = [
            submissions // connections + (i < submissions % connections) for i in range(connections)
        ]
        threads = [
            threading.Thread(
                target=sender,
                args=(parts.hostname, parts.port, n, share, start, latencies, errors),
            )
            for n, share in enumerate(shares)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join(timeout=300)
        elapsed = time.perf_counter() - began
    stored, notified, distinct = (
        int(n) for n in manage(env, "shell", "-v", "0", "-c", COUNT_SCRIPT).split()
    )
    latencies.sort()
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else 0
    database = env["DATABASE_URL"].split(":", 1)[0]
    print(
        f"contact form: {submissions} submissions, {connections} connections, "
        f"gunicorn {workers} workers, {database}"
    )
    print(f"  requests/s   {submissions / elapsed:8.1f}   ({elapsed:.2f} s)")
    print(f"  latency ms   p50 {p50:.1f}   p99 {p99:.1f}   max {latencies[-1] * 1000:.1f}")
    print(f"  stored       {stored} ({distinct} distinct), notified {notified}")
    print(f"  errors       {len(errors)}" + (f"  {sorted(set(errors))}" if errors else ""))
    if errors or stored != submissions or distinct != submissions:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url", help="postgres://…/carnet_bench (created and dropped); default SQLite"
    )
    args = parser.parse_args()
    if not 0 < args.submissions <= 10_000 or not 0 < args.connections <= 64:
        sys.exit("keep it reasonable: 1–10000 submissions, 1–64 connections")

    with scratch_dir("carnet-bench-contact-") as workdir:
        env = scratch_env(
            workdir,
            CONTACT_RATE_LIMIT="0",
            CONTACT_MIN_SECONDS="0",
            CONTACT_RECIPIENTS="autrice@example.org",
            # Notifications are written to files: real work per message, nothing leaves the host.
            EMAIL_URL=f"filemail://{workdir / 'mail'}",
        )
        if args.database_url:
            with postgres_database(args.database_url) as url:
                run(dict(env, DATABASE_URL=url), args.submissions, args.connections, args.workers)
        else:
            run(env, args.submissions, args.connections, args.workers)


if __name__ == "__main__":
    main()
