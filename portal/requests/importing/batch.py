"""From checked rows to the tuples the three tables take: no database here, so that it can run in
the reader process (see `portal.requests.importing.pipeline`) as well as in the importing one."""
from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from portal.models import Channel, Status, UpdateKind
from portal.requests.importing.rows import Row, closure_reason, plus_days
from portal.requests.importing.types import TypeInfo
from portal.requests.importing.writer import NUMBER_LOW, NUMBER_SPAN, REQUEST_COLUMNS

ID, NUMBER, EXTERNAL_ID = 0, 1, 2  # positions in a request tuple (REQUEST_COLUMNS)
LAT, AREA_ID = REQUEST_COLUMNS.index("lat"), REQUEST_COLUMNS.index("area_id")


def random_numbers(count: int, used: np.ndarray | None = None) -> list[str]:
    """Eight random digits each, from the OS's secure source, in random order, none twice; with a
    bitmap of the numbers in use, none of those either (and the new ones are marked in it)."""
    chosen: dict[int, None] = {}
    while len(chosen) < count:
        need = count - len(chosen) + 8
        draws = (np.frombuffer(secrets.token_bytes(8 * need), dtype=np.uint64) % NUMBER_SPAN).astype(np.int64)
        if used is not None:
            draws = draws[((used[draws >> 3] >> (draws & 7).astype(np.uint8)) & 1) == 0]
        for value in draws.tolist():
            chosen.setdefault(value)
    picked = np.fromiter(chosen, dtype=np.int64, count=len(chosen))[:count]
    if used is not None:
        np.bitwise_or.at(used, picked >> 3, (1 << (picked & 7)).astype(np.uint8))
    return (picked + NUMBER_LOW).astype(str).tolist()


@dataclass(slots=True)
class Batch:
    """Rows ready for the database: service_request tuples (REQUEST_COLUMNS), request_update
    tuples (UPDATE_COLUMNS) and request_area pairs, all with their request's id."""
    requests: list[tuple]
    updates: list[tuple]
    links: list[tuple[int, int]]

    def keep(self, wanted: Callable[[tuple], bool]) -> None:
        """Keep only the requests `wanted` says yes to, and their updates and links."""
        self.requests = [r for r in self.requests if wanted(r)]
        ids = {r[ID] for r in self.requests}
        self.updates = [u for u in self.updates if u[0] in ids]
        self.links = [link for link in self.links if link[0] in ids]


class Preparer:
    """Turns a list of checked rows into a `Batch`.

    `ids(n)` and `numbers(n)` give new requests' ids and public numbers, `kind(name, code)` a
    service type; `time` turns a stored time into what the database connection takes.
    """

    def __init__(self, *, prefix: str, areas, ids: Callable[[int], list[int]], numbers: Callable[[int], list[str]],
                 kind: Callable[[str, str], TypeInfo], time: Callable[[str], str] | None = None):
        self.prefix, self.areas, self.ids, self.numbers, self.kind = prefix, areas, ids, numbers, kind
        self.time = time
        self.kinds: dict[tuple[str, str], TypeInfo] = {}

    def prepare(self, batch: list[Row]) -> tuple[Batch, int]:
        """The batch, and how many rows repeated an earlier one of the list (they are left out)."""
        unique: dict[str, Row] = {}
        for row in batch:
            unique.setdefault(row.source_id, row)
        rows = list(unique.values())
        nan = math.nan
        hoods, pairs = self.areas.place([nan if r.lat is None else r.lat for r in rows],
                                        [nan if r.lon is None else r.lon for r in rows])
        ids, numbers = self.ids(len(rows)), self.numbers(len(rows))
        prefix, kinds, kind_of, as_time = self.prefix, self.kinds, self.kind, self.time
        closed_status, api = Status.closed.value, Channel.api.value
        status_kind, note_kind = UpdateKind.status.value, UpdateKind.public_note.value
        requests, updates = [], []
        for row, hood, new_id, number in zip(rows, hoods.tolist(), ids, numbers):
            key = (row.service_name, row.service_code)
            kind = kinds.get(key)
            if kind is None:
                kind = kinds[key] = kind_of(*key)
            created = row.created
            if row.status == closed_status:
                closed = row.closed or row.updated or created
                reason = closure_reason(row.notes) if row.notes else "fixed"
            else:
                closed = reason = None
            updated = row.updated or closed or created
            if updated < created:  # (stored times sort as times do)
                updated = created
            expected = row.expected or plus_days(created, kind.days)
            if as_time is not None:
                created, updated, expected = as_time(created), as_time(updated), as_time(expected)
                closed = as_time(closed) if closed else None
            requests.append((new_id, number, prefix + row.source_id, row.media_url, kind.id, kind.department_id,
                             row.status, reason, row.description, row.lat, row.lon, row.address, hood or None, api,
                             created, updated, expected, closed))
            if closed is not None:
                updates.append((new_id, status_kind, True, closed_status, reason, row.notes, closed))
            elif row.notes:
                updates.append((new_id, note_kind, True, None, None, row.notes, updated))
        links = [(ids[position], area_id) for position, area_id in pairs]
        return Batch(requests, updates, links), len(batch) - len(rows)
