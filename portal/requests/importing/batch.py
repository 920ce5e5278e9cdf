"""A batch of checked rows on its way to the database, and the random public numbers it gets."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import numpy as np

from portal.requests.importing.rows import Row
from portal.requests.importing.types import TypeInfo
from portal.requests.importing.writer import NUMBER_LOW, NUMBER_SPAN


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


@dataclass
class Prepared:
    """A batch ready for the database, in parallel lists (one entry per row)."""
    rows: list[Row]
    pairs: list[tuple[int, int]]  # (row position in the original batch, district/ZIP area id)
    external_ids: list[str] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)
    kinds: list[TypeInfo] = field(default_factory=list)
    expected: list[str | None] = field(default_factory=list)
    middle: list[tuple] = field(default_factory=list)
    tail: list[tuple] = field(default_factory=list)
    closed: list = field(default_factory=list)
    updates: list[tuple | None] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    positions: list[int | None] = field(default_factory=list)  # original position -> position now

    def __post_init__(self):
        self.positions = list(range(len(self.rows)))

    def keep(self, indexes: list[int]) -> None:
        """Keep only these rows (positions in the current lists)."""
        for name in ("rows", "external_ids", "types", "kinds", "expected", "middle", "tail", "closed", "updates", "numbers"):
            values = getattr(self, name)
            setattr(self, name, [values[i] for i in indexes])
        now = {old: new for new, old in enumerate(indexes)}
        self.positions = [now.get(p) if p is not None else None for p in self.positions]
