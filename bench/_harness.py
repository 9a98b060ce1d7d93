"""Shared pieces of the benchmarks: a scratch site, generated content, gunicorn, wrk."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def scratch_env(workdir: Path, **overrides: str) -> dict[str, str]:
    """Production-like settings on a scratch SQLite database in workdir."""
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "off",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_HTTPS": "off",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "CACHE_STAMP_FILE": str(workdir / "content-stamp"),
            "BENCH_BARE_VIEW": "on",
            "CONTACT_RATE_LIMIT": "0",
            "LOG_LEVEL": "ERROR",
        }
    )
    env.update(overrides)
    return env


@contextmanager
def scratch_dir(prefix: str):
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, port: int | None = None):
    port = port or free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "site_config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/bench/bare/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def wrk(url: str, seconds: int = 5, connections: int = 8) -> dict[str, float]:
    """Requests per second and p99 latency (ms) measured by wrk against url."""
    if not shutil.which("wrk"):
        sys.exit("wrk is needed for this benchmark: apt-get install wrk")
    out = subprocess.run(
        # As browsers and feed readers do: pages come compressed.
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * scale,
        "bad": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


@contextmanager
def postgres_database(url: str):
    """Create the database named in url for the run, drop it afterwards."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        sys.exit(f"refusing to create and drop {name!r}: use a scratch name such as carnet_bench")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def measure_pages(
    base: str, paths: dict[str, str], seconds: int, rounds: int = 5
) -> dict[str, dict]:
    """wrk on each path after a one-second warm-up (connections, caches, lazy imports).

    The pages take turns, one second each, `rounds` times over: on a shared machine whose
    speed drifts during a run, every page (the bare view included) sees the same drift, so
    the ratios hold where back-to-back measurements would not. Requests/s is the mean of the
    turns, p99 the worst turn, `seconds` is kept as the total time of each page.
    """
    for path in paths.values():
        wrk(base + path, seconds=1)
    turns = max(1, min(rounds, seconds))
    per_turn = max(1, round(seconds / turns))
    measured: dict[str, list[dict]] = {name: [] for name in paths}
    for _turn in range(turns):
        for name, path in paths.items():
            measured[name].append(wrk(base + path, seconds=per_turn))
    return {
        name: {
            "rps": sum(run["rps"] for run in runs) / len(runs),
            "p99_ms": max(run["p99_ms"] for run in runs),
            "bad": sum(run["bad"] for run in runs),
            "socket_errors": "; ".join(filter(None, (run["socket_errors"] for run in runs))),
        }
        for name, runs in measured.items()
    }


def print_ratios(results: dict[str, dict], bare: str = "bare view") -> None:
    """One line a page: requests/s, its ratio to the bare view of the same run, p99."""
    bare_rps = results[bare]["rps"]
    print(f"{'page':<12} {'req/s':>9} {'× bare':>7} {'p99 ms':>8} {'non-2xx':>8}")
    for name, figures in results.items():
        print(
            f"{name:<12} {figures['rps']:>9.0f} {figures['rps'] / bare_rps:>7.2f} "
            f"{figures['p99_ms']:>8.1f} {figures['bad']:>8}"
        )
