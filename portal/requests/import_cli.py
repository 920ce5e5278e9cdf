"""`stoop import-requests`: historic requests from a city's open-data CSV (see portal.requests.importing)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal import db


class _Progress:
    """A one-line progress bar with rows/s, redrawn in place on a terminal (nothing otherwise)."""

    def __init__(self, stream):
        self.stream, self.started, self.last = stream, time.perf_counter(), 0.0

    def __call__(self, done: int, total: int, rows: int) -> None:
        now = time.perf_counter()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        rate = rows / max(now - self.started, 1e-9)
        self.stream.write(f"\r[{bar:<30}] {share:4.0%} {rows:,} rows {rate:,.0f} rows/s ")
        self.stream.flush()

    def end(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


@click.command("import-requests")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["philly", "open311"]),
              help="The file's layout (default: detected from its header).")
@click.option("--map", "mappings", multiple=True, metavar="COLUMN=FIELD",
              help="A column of the file and the field it holds, e.g. --map \"Case ID=service_request_id\".")
@click.option("--service-map", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of source_name,service_code: which catalogue type a service name becomes.")
@click.option("--bulk/--no-bulk", default=None,
              help="Force (or refuse) bulk mode: one transaction, indexes rebuilt at the end "
                   "(default: when the file is large and larger than the table).")
def import_requests_command(file: Path, fmt: str | None, mappings: tuple[str, ...], service_map: Path | None,
                            bulk: bool | None):
    """Import historic requests from a CSV FILE (Philadelphia's public_cases_fc, Open311, or mapped)."""
    from portal.requests.importing import (
        FIELD_NAMES, FIELDS, ImportFileError, import_requests, parse_mappings, read_service_map,
    )
    try:
        mapping = parse_mappings(mappings, FIELDS, default="column=field", aliases=FIELD_NAMES)
        services = read_service_map(service_map) if service_map else {}
    except (ValueError, ImportFileError) as problem:
        raise click.UsageError(str(problem)) from None
    progress = _Progress(sys.stdout) if sys.stdout.isatty() else None
    with db.writing():
        session = db.get_session()
        try:
            report = import_requests(session, file, fmt=fmt, mapping=mapping, service_map=services, bulk=bulk,
                                     progress=progress)
        except ImportFileError as problem:
            if progress:
                progress.end()
            click.echo(f"error: {problem}", err=True)
            click.echo("nothing was imported", err=True)
            raise SystemExit(2) from None
    if progress:
        progress.end()
    detected = " (detected)" if report.detected else ""
    click.echo(f"{file.name}: format {report.format}{detected}: {report.rows:,} rows: {report.imported:,} imported, "
               f"{report.existing:,} already there, {report.repeated:,} repeated in the file, "
               f"{report.bad:,} bad (skipped)")
    for line in report.problems:
        click.echo(f"  {line}")
    if report.bad > len(report.problems):
        click.echo(f"  … and {report.bad - len(report.problems):,} more bad rows")
    if report.new_types:
        click.echo(f"new inactive service types (group \"imported\"): {', '.join(report.new_types[:20])}"
                   + (f" and {len(report.new_types) - 20} more" if len(report.new_types) > 20 else ""))
    if report.imported:
        click.echo(f"places: {report.imported - report.without_point - report.without_neighbourhood:,} in a "
                   f"neighbourhood, {report.without_neighbourhood:,} with a point outside every neighbourhood, "
                   f"{report.without_point:,} without a point (address only); {report.links:,} district/ZIP links; "
                   f"{report.notes:,} timeline updates")
    mode = "bulk, one transaction" if report.bulk else "committed every batch"
    click.echo(f"{report.rows:,} rows in {report.seconds:.2f} s: {report.rate:,.0f} rows/s ({mode})")
