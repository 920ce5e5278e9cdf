"""Service names and codes of the imported rows → the catalogue's types (`--service-map` first),
creating an inactive type in the "imported" group and department for a name nobody knows."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from portal.models import Department, ServiceGroup, ServiceType
from portal.requests.importing.rows import ImportFileError

IMPORTED = "imported"


def read_service_map(path: Path) -> dict[str, str]:
    """`source_name,service_code` lines (a header line is allowed) as {folded name: code}."""
    found = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not "".join(row).strip():
                continue
            if len(row) != 2:
                raise ImportFileError(f"{path.name}: line {number}: expected source_name,service_code")
            name, code = row[0].strip(), row[1].strip()
            if number == 1 and (name.lower(), code.lower()) == ("source_name", "service_code"):
                continue
            if not name or not code:
                raise ImportFileError(f"{path.name}: line {number}: empty name or code")
            found[_fold(name)] = code
    return found


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(slots=True)
class TypeInfo:
    id: int
    department_id: int
    days: int


class Types:
    """Service names and codes → types, created (inactive, in "imported") when unknown."""

    def __init__(self, session: Session, service_map: dict[str, str]):
        self.session = session
        types = session.execute(select(ServiceType)).scalars().all()
        self.by_code = {t.code: TypeInfo(t.id, t.department_id, t.service_level_days) for t in types}
        self.by_name: dict[str, TypeInfo] = {}
        for t in sorted(types, key=lambda t: (not t.active, t.id)):
            self.by_name.setdefault(_fold(t.name), self.by_code[t.code])
        unknown = sorted({code for code in service_map.values() if code not in self.by_code})
        if unknown:
            raise ImportFileError(f"--service-map: unknown service code{'s' if len(unknown) > 1 else ''} "
                                  f"{', '.join(unknown)} (see /admin/types)")
        self.mapped = {name: self.by_code[code] for name, code in service_map.items()}
        self.cache: dict[tuple[str, str], TypeInfo] = {}
        self.created: list[str] = []
        self._group_id = self._department_id = None

    def resolve(self, name: str, code: str) -> TypeInfo:
        key = (name, code)
        found = self.cache.get(key)
        if found is None:
            folded = _fold(name)
            found = (self.mapped.get(folded) or self.mapped.get(code.casefold()) or self.by_code.get(code)
                     or self.by_name.get(folded) or self._create(name or code, code))
            self.cache[key] = found
        return found

    def _imported_home(self) -> tuple[int, int]:
        if self._group_id is None:
            session = self.session
            group = session.execute(select(ServiceGroup).where(ServiceGroup.code == IMPORTED)).scalar_one_or_none()
            if group is None:
                group = ServiceGroup(code=IMPORTED, name="Imported", position=1000)
                session.add(group)
            department = session.execute(select(Department).where(Department.code == IMPORTED)).scalar_one_or_none()
            if department is None:
                department = Department(code=IMPORTED, name="Imported requests",
                                        description="Requests loaded from another system, of types not in the catalogue.")
                session.add(department)
            session.flush()
            self._group_id, self._department_id = group.id, department.id
        return self._group_id, self._department_id

    def _create(self, name: str, code: str) -> TypeInfo:
        group_id, department_id = self._imported_home()
        from portal.areas.cli import slugify
        base = f"{IMPORTED}-{slugify(code or name) or 'type'}"[:40].strip("-")
        unique, n = base, 1
        while unique in self.by_code:
            n += 1
            unique = f"{base[:36]}-{n}"
        service_type = ServiceType(code=unique, name=name[:80], group_id=group_id, department_id=department_id,
                                   description="Created by an import of historic requests.", active=False,
                                   position=10_000)
        self.session.add(service_type)
        self.session.flush()
        info = TypeInfo(service_type.id, department_id, service_type.service_level_days)
        self.by_code[unique] = info
        self.by_name.setdefault(_fold(name), info)
        self.created.append(name)
        return info
