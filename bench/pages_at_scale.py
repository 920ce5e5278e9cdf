"""Do the pages that list requests stay fast as the table grows? The same pages at a small table
and at N requests, in the same run, on SQLite and PostgreSQL.

What is measured
----------------
The synthetic city of bench/near.py (uniform over Philadelphia, 60 types in 6 departments, 10 %
open, 18 years of history in id order), loaded twice per database: --small-rows (the baseline)
and --rows. For each size the real app (`create_app`, the project's migrations) answers, in
process through Flask's test client (no HTTP server, so the figures are the app's own work):

  open311-list      GET /open311/v2/requests.json              (default window: last 90 days, <= 1,000)
  open311-page      GET /open311/v2/requests.json?page_size=50
  open311-one       GET /open311/v2/requests/<number>.json
  public-list       GET /requests                               (newest open requests, first page)
  staff-queue       GET /staff                                  (a department's queue and its counts)
  staff-dashboard   GET /staff/dashboard                        (open by age, on-time rates 30/90 days)
  department        GET /departments/dept1                      (medians over the last year)

Each page is asked --calls times after 3 warm-up calls; p50 and p95 wall time are reported,
and the ratio of the p50 at N rows to the p50 at the baseline size. A ratio near 1 means the
page reads through an index and does not grow with history; a ratio near N/small means a scan.

Run:    .venv/bin/python bench/pages_at_scale.py [--rows 1000000] [--small-rows 20000]
                                                 [--db sqlite|postgresql|both] [--calls 20]
Output: a table on stdout and bench/results/pages-at-scale-<UTC timestamp>.json.
Bounded: fixed numbers of calls; the scratch file and schema are removed at the end.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import near  # noqa: E402  (the synthetic city and its loaders)

from portal import create_app, db  # noqa: E402

PAGES = {
    "open311-list": "/open311/v2/requests.json",
    "open311-page": "/open311/v2/requests.json?page_size=50",
    "open311-one": "/open311/v2/requests/{number}.json",
    "public-list": "/requests",
    "staff-queue": "/staff",
    "staff-dashboard": "/staff/dashboard",
    "department": "/departments/dept1",
}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def app_on(url: str, scratch: Path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_STORAGE_URI": "memory://",
                      "UPLOAD_DIR": str(scratch / "uploads"), "LOGIN_LIMIT": "1000 per minute",
                      "ARGON2": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}})
    from portal.accounts.service import create_user
    with app.app_context(), db.writing():
        session = db.get_session()
        create_user(session, email="staff@bench.localhost", password="a bench passphrase", role="staff",
                    department_code="dept1", display_name="Bench Staff")
        session.commit()
    return app


def signed_in(app):
    client = app.test_client()
    token = TOKEN.search(client.get("/signin").get_data(as_text=True)).group(1)
    response = client.post("/signin", data={"email": "staff@bench.localhost", "password": "a bench passphrase",
                                            "csrf_token": token})
    assert response.status_code == 303, response.status_code
    return client


def time_pages(app, number: str, calls: int) -> dict:
    client = signed_in(app)
    results = {}
    for name, path in PAGES.items():
        path = path.format(number=number)
        for _ in range(3):
            assert client.get(path).status_code == 200, (name, path)
        seconds = []
        for _ in range(calls):
            started = time.perf_counter()
            response = client.get(path)
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200
        seconds.sort()
        results[name] = {"p50_ms": statistics.median(seconds) * 1000,
                         "p95_ms": seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))] * 1000,
                         "bytes": len(response.get_data())}
    return results


def newest_number(app) -> str:
    from sqlmodel import select

    from portal.models import ServiceRequest
    with app.app_context():
        return db.get_session().exec(select(ServiceRequest.number).order_by(ServiceRequest.id.desc())).first()


def measure(name: str, rows: int, scratch: Path, seed: int, calls: int, say) -> dict:
    say(f"{name}: loading {rows:,} rows")
    loaded = (near.load_sqlite(scratch / f"scale-{rows}.sqlite3", rows, seed, say) if name == "sqlite"
              else near.load_postgres(rows, seed, say))
    app = app_on(loaded["url"], scratch)
    try:
        return time_pages(app, newest_number(app), calls)
    finally:
        app.extensions["engine"].dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=20_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--seed", type=int, default=311)
    args = parser.parse_args(argv)
    say = lambda *a, **k: print(*a, **k, flush=True)  # noqa: E731
    names = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    scratch = Path(tempfile.mkdtemp(prefix="stoop-scale-"))
    report = {"rows": args.rows, "small_rows": args.small_rows, "calls": args.calls, "databases": {}}
    try:
        for name in names:
            small = measure(name, args.small_rows, scratch, args.seed, args.calls, say)
            large = measure(name, args.rows, scratch, args.seed, args.calls, say)
            report["databases"][name] = {"small": small, "large": large}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if "postgresql" in names:
            near.pg_drop_schema()
    header = f"{'database':<11}{'page':<17}{'p50 small ms':>13}{'p50 large ms':>13}{'p95 large ms':>13}{'ratio':>7}"
    say(f"\n{args.rows:,} requests against a baseline of {args.small_rows:,}, {args.calls} calls each, in process")
    say(header)
    for name, sizes in report["databases"].items():
        for page in PAGES:
            small, large = sizes["small"][page], sizes["large"][page]
            ratio = large["p50_ms"] / small["p50_ms"]
            sizes["large"][page]["ratio_to_small"] = ratio
            say(f"{name:<11}{page:<17}{small['p50_ms']:>13.1f}{large['p50_ms']:>13.1f}{large['p95_ms']:>13.1f}"
                f"{ratio:>7.2f}")
    near.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = near.RESULTS_DIR / f"pages-at-scale-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=1))
    say(f"saved {out.relative_to(near.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
