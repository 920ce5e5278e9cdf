"""Rows per second of `stoop import-requests`, end to end.

What is measured
----------------
1. A generated Open311-style CSV of N rows (default 300,000) in /tmp: ids, open/closed statuses,
   nine service names, ISO and `M/D/YYYY H:MM` times, an address, random points inside the city
   limits (a tenth of the rows without coordinates), some descriptions and photo links.
2. Philadelphia's graffiti sample (../shared/data/philly/311_graffiti_sample_phiti.csv, 1,056 rows).

Each file is imported into a fresh, migrated database that already holds the Philadelphia layers
(neighbourhoods, council and police districts, ZIP codes, city limits) when the shared data is
present, else the demo city's neighbourhoods: a scratch SQLite file in a temp dir, and a
PostgreSQL schema `bench_import` in the test database (TEST_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/test), dropped afterwards. The time is the importer's own wall
clock from opening the file to the last commit: reading, checking, times, statuses, numbers, area
assignment, timeline rows, index rebuilds included. "db s" is the part of it the importing process
spent in the database's calls (inserts, index rebuilds, commits); rows over that time is the rate
that no speed-up of reading could exceed (in bulk mode a forked process reads while this one writes). Large files run in "bulk" mode (one transaction,
secondary indexes rebuilt at the end); `--no-bulk` measures batch-by-batch commits instead.

Run:    .venv/bin/python bench/import_requests.py [--rows 300000] [--no-bulk] [--skip-postgres]
                                              [--places all|neighbourhoods] [--serial]
Baseline (same run): Python's csv module alone reading the generated file, in rows/s; each import's
rate is also shown as a ratio to it ("vs csv"), which stays comparable when this shared machine is
slower or faster from one run to the next (the absolute rates varied by ±20 % within an hour).

Output: a table on stdout and bench/results/import-requests-<UTC timestamp>.json.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / ".." / "shared" / "data" / "philly"
SAMPLE = DATA / "311_graffiti_sample_phiti.csv"
RESULTS_DIR = ROOT / "bench" / "results"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_import"
LAYERS = [("neighborhoods_azavea.geojson", "neighbourhood", "listname"),
          ("council_districts_2024.geojson", "district", "phl_council_district"),
          ("police_districts.geojson", "district", "phl_police_districts"),
          ("zipcodes.geojson", "zip", "CODE")]
NAMES = ["Graffiti Removal", "Pothole Repair", "Street Light Outage", "Illegal Dumping", "Abandoned Vehicle",
         "Rubbish/Recyclable Material Collection", "Sanitation Violation", "Street Trees", "Other (Streets)"]


def _points(rng: random.Random):
    """Endless (lat, lon) text pairs inside the city limits (when the shared data is here)."""
    import numpy as np
    import shapely
    city = None
    if (DATA / "city_limits.geojson").exists():
        city = shapely.from_geojson((DATA / "city_limits.geojson").read_text())
        city = shapely.union_all(shapely.get_parts(city))
        shapely.prepare(city)
    generator = np.random.default_rng(rng.randrange(2**32))
    while True:
        lat, lon = generator.uniform(39.867, 40.138, 20_000), generator.uniform(-75.280, -74.956, 20_000)
        if city is not None:
            inside = shapely.contains_xy(city, lon, lat)
            lat, lon = lat[inside], lon[inside]
        yield from zip((f"{v:.6f}" for v in lat.tolist()), (f"{v:.6f}" for v in lon.tolist()))


def generate(path: Path, rows: int, seed: int = 311) -> None:
    rng = random.Random(seed)
    points = _points(rng)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["service_request_id", "status", "service_name", "service_code", "description",
                      "requested_datetime", "updated_datetime", "address", "lat", "long", "media_url"])
        for i in range(rows):
            opened = start + timedelta(seconds=i * 200 + rng.randrange(200))
            touched = opened + timedelta(hours=rng.randrange(1, 800))
            updated = (touched.strftime("%Y-%m-%dT%H:%M:%SZ") if rng.random() < 0.5
                       else f"{touched.month}/{touched.day}/{touched.year} {touched.hour}:{touched.minute:02d}")
            point = ("", "") if rng.random() < 0.1 else next(points)
            out.writerow([5_000_000 + i, rng.choice(("open", "closed", "closed", "closed")), rng.choice(NAMES), "",
                          "Reported by phone" if rng.random() < 0.3 else "", opened.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          updated, f"{rng.randrange(100, 9999)} N BROAD ST", *point,
                          "https://example.org/p.jpg" if rng.random() < 0.05 else ""])


def prepare(url: str, places: str = "all") -> str:
    """Migrate, then load the places; returns what was loaded."""
    from portal import create_app, db
    from portal.areas.cli import import_layer
    db.upgrade(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), db.writing():
        session = db.get_session()
        if DATA.exists():
            for file, kind, field in LAYERS if places == "all" else LAYERS[:1]:
                import_layer(session, DATA / file, kind=kind, layer=Path(file).stem, name_field=field)
            import_layer(session, DATA / "city_limits.geojson", kind="city", layer="city_limits",
                         fixed_name="City limits")
            loaded = ("Philadelphia layers (158 neighbourhoods, 31 districts, 48 ZIP codes, city limits)"
                      if places == "all" else "Philadelphia neighbourhoods (158) and city limits")
        else:
            from portal.areas.demo_city import demo_areas
            from portal.areas.service import save_area
            for area in demo_areas():
                save_area(session, **area)
            loaded = "demo city neighbourhoods (shared data absent)"
        session.commit()
    app.extensions["engine"].dispose()
    return loaded


PARALLEL: bool | None = None  # --serial: read in the importing process (None: the importer decides)


def csv_baseline(path: Path) -> float:
    """Rows/s of Python's csv module alone reading the file (best of three): how fast this machine
    runs Python at the moment, the same-run baseline that import rates are divided by."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with open(path, newline="", encoding="utf-8") as handle:
            rows = sum(1 for _row in csv.reader(handle)) - 1
        best = min(best, time.perf_counter() - started)
    return rows / best


def run_import(url: str, path: Path, bulk: bool | None) -> dict:
    from portal import create_app, db
    from portal.requests.importing import import_requests
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), db.writing():
        report = import_requests(db.get_session(), path, bulk=bulk, parallel=PARALLEL)
    app.extensions["engine"].dispose()
    return {"rows": report.rows, "imported": report.imported, "seconds": round(report.seconds, 3),
            "rows_per_s": round(report.rate), "bulk": report.bulk, "links": report.links,
            "database_seconds": round(report.database_seconds, 3),
            "database_ceiling_rows_per_s": round(report.rows / report.database_seconds) if report.database_seconds else None,
            "in_neighbourhood": report.imported - report.without_point - report.without_neighbourhood}


def sqlite_case(path: Path, bulk: bool | None, tmp: Path, places: str) -> tuple[str, dict]:
    url = f"sqlite:///{tmp / f'bench-{time.monotonic_ns()}.sqlite3'}"
    loaded = prepare(url, places)
    return loaded, run_import(url, path, bulk)


def postgres_case(path: Path, bulk: bool | None, places: str) -> tuple[str, dict] | None:
    from sqlalchemy import create_engine, text
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    except Exception as problem:  # noqa: BLE001
        print(f"PostgreSQL skipped: {PG_URL} not reachable ({type(problem).__name__})")
        return None
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{SCHEMA}"
    try:
        loaded = prepare(url, places)
        return loaded, run_import(url, path, bulk)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--no-bulk", action="store_true", help="commit batch by batch (never bulk mode)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--serial", action="store_true",
                        help="read in the importing process, between writes (no reader process): the database's "
                             "time is then its own, not shared with a reader on the other core")
    parser.add_argument("--places", choices=("all", "neighbourhoods"), default="all",
                        help="layers loaded first: all (district and ZIP links too) or neighbourhoods only")
    args = parser.parse_args()
    import logging
    logging.disable(logging.INFO)
    bulk = False if args.no_bulk else None
    global PARALLEL
    PARALLEL = False if args.serial else None
    results = []
    with tempfile.TemporaryDirectory(prefix="stoop-bench-") as folder:
        tmp = Path(folder)
        generated = Path("/tmp") / f"stoop-bench-open311-{args.rows}.csv"
        started = time.perf_counter()
        generate(generated, args.rows)
        print(f"generated {generated} ({args.rows:,} rows, {generated.stat().st_size / 1e6:.1f} MB) "
              f"in {time.perf_counter() - started:.1f} s")
        baseline = csv_baseline(generated)
        print(f"baseline: csv.reader alone reads it at {baseline:,.0f} rows/s")
        files = [("generated open311", generated)]
        if SAMPLE.exists():
            files.append(("philly graffiti sample", SAMPLE))
        for label, path in files:
            loaded, result = sqlite_case(path, bulk, tmp, args.places)
            results.append({"file": label, "database": "sqlite", **result})
            if not args.skip_postgres and (pg := postgres_case(path, bulk, args.places)) is not None:
                results.append({"file": label, "database": "postgresql", **pg[1]})
        generated.unlink()
    print(f"places loaded: {loaded}")
    print(f"{'file':<24}{'database':<12}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'vs csv':>8}{'links':>10}  mode      "
          f"{'db s':>7}{'db-only rows/s':>16}")
    for r in results:
        r["ratio_to_csv_baseline"] = round(r["rows_per_s"] / baseline, 4)
        print(f"{r['file']:<24}{r['database']:<12}{r['rows']:>10,}{r['seconds']:>10.2f}{r['rows_per_s']:>10,}"
              f"{r['ratio_to_csv_baseline']:>8.3f}{r['links']:>10,}  {'bulk' if r['bulk'] else 'batches':<8}"
              f"{r['database_seconds']:>7.2f}{r['database_ceiling_rows_per_s'] or 0:>16,}")
    print("db s: the importing process's time in the database (inserts, index rebuilds, commits, and waiting "
          "for them);\ndb-only rows/s: rows over that time, the rate if reading, checking and placing the rows "
          "cost nothing.")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"import-requests-{stamp}.json"
    out.write_text(json.dumps({"when": stamp, "cpus": os.cpu_count(), "places": loaded,
                               "csv_baseline_rows_per_s": round(baseline), "results": results}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
