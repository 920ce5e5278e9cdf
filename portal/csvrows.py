"""The data rows of a CSV file with the line each starts on, for importers that report bad lines."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Protocol


class ProblemReport(Protocol):
    rows: int

    def problem(self, line: int, message: str) -> None: ...


def csv_rows(reader, report: ProblemReport, *, spaces_are_blank: bool = False) -> Iterator[tuple[int, list[str]]]:
    """`(line number, values)` for each row after the header that `reader` (a `csv.reader`) has read.

    A row that is not CSV is reported on `report` ("line N: not CSV (…)") and skipped; a blank row
    (and, with `spaces_are_blank`, a row of one value that is only spaces) is skipped silently. Every
    other row, and every row that is not CSV, is counted in `report.rows`. The line number is where
    the row starts (a quoted value may span lines).
    """
    line = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as problem:
            report.rows += 1
            report.problem(line + 1, f"not CSV ({problem})")
            line = reader.line_num
            continue
        start, line = line + 1, reader.line_num
        if not values or (spaces_are_blank and len(values) == 1 and not values[0].strip()):
            continue
        report.rows += 1
        yield start, values


def read_header(reader, file_name: str, error: type[Exception]) -> list[str]:
    """The first row, or `error` naming the file when it is empty or not CSV at all."""
    try:
        return next(reader)
    except StopIteration:
        raise error(f"{file_name}: the file is empty") from None
    except csv.Error as problem:
        raise error(f"{file_name}: line 1: not CSV ({problem})") from None
