"""Throughput of a real portal page against a bare Flask + Jinja page of about the same size.

What is measured
----------------
Two gunicorn servers run on 127.0.0.1, each with the same number of default (sync)
workers:

* portal: `wsgi:app`, on a fresh embedded SQLite database in a temp dir, migrated
  (`stoop db upgrade`) and loaded with the demo city (`stoop demo`). The default path,
  /signin, is a real page: session cookie, CSRF token, translations, CSP nonce, the
  full layout.
* bare:   `bench/bare_app.py`, Flask and Jinja alone (base layout + child block + a
  small table, no database, no extensions), tuned to about the same HTML size.

Each server is warmed up for 2 s, then loaded with
`wrk -t1 -c<connections> -d<duration>s --latency`, one server after the other, never both
at once. wrk sends no Accept-Encoding header, so the portal does not gzip/brotli its
response and both pages are measured uncompressed; the "bytes" column is that
uncompressed body size (one urllib GET, which sends no Accept-Encoding either).

How to read it
--------------
`ratio portal/bare` is portal req/s divided by bare req/s on this machine, in this run.
It is the share of bare Flask + Jinja throughput that the portal keeps after its own
work (session, CSRF, i18n, security headers, bigger templates). DESIGN budget: the
ratio must be >= 0.50. Absolute req/s depend on the machine and on the load generator
sharing its cores with the servers; the ratio is what is comparable between runs.
Compare pages of similar size: the script warns when the two sizes differ by more than
30 % (tune ROWS in bench/bare_app.py, or pass --rows).

Run:   .venv/bin/python bench/pages.py [--duration 10] [--connections 8] [--path /signin]
                                        [--workers 2] [--rows N]
Output: a table on stdout and bench/results/pages-<UTC timestamp>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
RESULTS_DIR = ROOT / "bench" / "results"
WARMUP_SECONDS = 2
READY_TIMEOUT = 20.0
SIZE_TOLERANCE = 0.30
BUDGET = 0.50


# --- setup -------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds per server")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--path", default="/signin", help="portal page to load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--rows", type=int, help="table rows in the bare page (BARE_ROWS)")
    return parser.parse_args(argv)


def bench_env(instance_dir: Path, rows: int | None) -> dict[str, str]:
    """The environment for every subprocess: embedded SQLite in the temp dir, no services."""
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "GUNICORN_CMD_ARGS"):
        env.pop(name, None)
    env["STOOP_INSTANCE_DIR"] = str(instance_dir)
    env["SECRET_KEY"] = "bench"
    if rows is not None:
        env["BARE_ROWS"] = str(rows)
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Migrate and load the demo city, as `scripts/serve` does."""
    for command in (["db", "upgrade"], ["demo"]):
        done = subprocess.run([str(VENV_BIN / "stoop"), *command], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            sys.exit(f"stoop {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- servers -----------------------------------------------------------------------------

class Server:
    """A gunicorn master we started; `stop()` ends it (and its workers) by PID."""

    def __init__(self, name: str, app_args: list[str], workers: int, env: dict[str, str],
                 log_dir: Path):
        self.name = name
        self.port = free_port()
        self.log_path = log_dir / f"{name}-gunicorn.log"
        # No control socket: both servers (and anyone else's gunicorn) would share
        # the default ~/.gunicorn/gunicorn.ctl.
        command = [str(VENV_BIN / "gunicorn"), "--workers", str(workers),
                   "--bind", f"127.0.0.1:{self.port}", "--no-control-socket", *app_args]
        with open(self.log_path, "wb") as log:
            # Own session, so a last-resort kill can reach its workers by process group.
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, path: str, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url(path), timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} gave no 200 on {path} within {timeout:.0f} s:\n"
                           f"{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn master: graceful shutdown of its workers
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # our own session: master + workers
            self.process.wait(timeout=10)


# --- measuring ---------------------------------------------------------------------------

def page_size(url: str) -> int:
    """Uncompressed body size: urllib sends no Accept-Encoding."""
    with urllib.request.urlopen(url, timeout=5) as response:
        if response.headers.get("Content-Encoding"):
            raise RuntimeError(f"{url} came back compressed")
        return len(response.read())


def run_wrk(url: str, connections: int, duration: int) -> str:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}:\n{done.stdout}{done.stderr}")
    return done.stdout


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNIT_MS[unit]


def parse_wrk(output: str) -> dict:
    """Requests/sec, p50 and p99 latency (ms), and any errors wrk reports."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if not (rps and p50 and p99):
        raise RuntimeError(f"cannot parse wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:(.*)", output)
    return {
        "rps": float(rps.group(1)),
        "p50_ms": to_ms(p50.group(1)),
        "p99_ms": to_ms(p99.group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def measure(server: Server, path: str, connections: int, duration: int) -> dict:
    url = server.url(path)
    size = page_size(url)
    run_wrk(url, connections, WARMUP_SECONDS)  # warm-up, discarded
    result = parse_wrk(run_wrk(url, connections, duration))
    return {"name": server.name, "url": url, "bytes": size, **result}


# --- reporting ---------------------------------------------------------------------------

def report(results: list[dict]) -> tuple[str, float]:
    lines = [f"{'name':<8}{'bytes':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"]
    for r in results:
        lines.append(f"{r['name']:<8}{r['bytes']:>8}{r['rps']:>10.1f}"
                     f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}")
    portal, bare = results
    ratio = portal["rps"] / bare["rps"]
    lines.append(f"ratio portal/bare = {ratio:.2f}")
    return "\n".join(lines), ratio


def warnings(results: list[dict]) -> list[str]:
    portal, bare = results
    notes = []
    if abs(bare["bytes"] - portal["bytes"]) > SIZE_TOLERANCE * portal["bytes"]:
        notes.append(f"sizes differ by more than {SIZE_TOLERANCE:.0%}: tune ROWS in "
                     "bench/bare_app.py or pass --rows")
    for r in results:
        if r["non_2xx"] or r["socket_errors"]:
            notes.append(f"{r['name']}: {r['non_2xx']} non-2xx/3xx responses, "
                         f"socket errors: {r['socket_errors'] or 'none'}")
    return notes


def save(args: argparse.Namespace, results: list[dict], ratio: float, notes: list[str]) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"pages-{stamp}.json"
    path.write_text(json.dumps({
        "timestamp": stamp,
        "settings": {"duration_s": args.duration, "connections": args.connections,
                     "path": args.path, "workers": args.workers, "worker_class": "sync",
                     "wrk_threads": 1, "warmup_s": WARMUP_SECONDS, "cpus": os.cpu_count()},
        "results": results,
        "ratio_portal_over_bare": round(ratio, 4),
        "budget": BUDGET,
        "within_budget": ratio >= BUDGET,
        "warnings": notes,
    }, indent=2) + "\n")
    return path


# --- main --------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (needed for the load test): apt-get install wrk",
              file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="stoop-bench-"))
    try:
        with ExitStack() as servers:  # stops every server started, in reverse order
            env = bench_env(tmp, args.rows)
            prepare_database(env)
            portal = Server("portal", ["wsgi:app"], args.workers, env, tmp)
            servers.callback(portal.stop)
            bare = Server("bare", ["--chdir", str(ROOT / "bench"), "bare_app:app"],
                          args.workers, env, tmp)
            servers.callback(bare.stop)
            portal.wait_ready(args.path)
            bare.wait_ready("/page")
            results = [measure(portal, args.path, args.connections, args.duration),
                       measure(bare, "/page", args.connections, args.duration)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    table, ratio = report(results)
    notes = warnings(results)
    print(table)
    for note in notes:
        print(f"warning: {note}")
    print(f"saved {save(args, results, ratio, notes).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
