"""The demo city: loaded once by `stoop demo` (and `scripts/serve`), so a fresh checkout
shows a working portal with no other data or service."""
from __future__ import annotations

import secrets
from pathlib import Path

from sqlmodel import Session, select

from portal.accounts.service import create_user
from portal.config import INSTANCE_DIR
from portal.models import Department, User
from portal.models.accounts import Role
from portal.requests import catalogue_data

DEMO_DOMAIN = "demo.stoop.localhost"
ACCOUNTS_FILE = Path(INSTANCE_DIR) / "demo-accounts.txt"

DEMO_PEOPLE = [
    # role, local part, display name, department, title
    (Role.resident, "resident", "Rosa Resident", None, ""),
    (Role.agent, "agent", "Andre Agent", None, "311 contact centre agent"),
    (Role.staff, "streets", "Sam Streets", "streets", "Highway supervisor"),
    (Role.staff, "sanitation", "Sofia Sanitation", "sanitation", "Sanitation inspector"),
    (Role.moderator, "moderator", "Mo Moderator", None, "Community moderator"),
    (Role.admin, "admin", "Ada Admin", None, "311 administrator"),
]


def load_demo(session: Session, *, force: bool = False) -> list[str]:
    """Load everything once; later runs only print the demo accounts again."""
    already = session.exec(select(User).where(User.email == f"admin@{DEMO_DOMAIN}")).first()
    if already and not force:
        return ["demo data already loaded", *_account_lines()]
    from portal.areas.demo_city import demo_areas
    from portal.areas.service import save_area
    from portal.requests import catalogue_es
    from portal.requests.catalogue import load_catalogue
    from portal.requests.demo_requests import load_demo_requests

    lines = [f"departments: {load_departments(session)}"]
    lines.append(f"service types: {load_catalogue(session, catalogue_data, {'es': catalogue_es})}")
    for area in demo_areas():
        save_area(session, **area)
    session.commit()
    lines.append(f"neighbourhoods: {len(demo_areas()) - 1}")
    lines += _load_people(session)
    lines.append(f"requests: {load_demo_requests(session)}")
    from portal.community.demo import load_demo_community
    lines.append(f"community threads: {load_demo_community(session, DEMO_DOMAIN)}")
    from portal.staff.demo_templates import load_demo_templates
    lines.append(f"response templates: {load_demo_templates(session)}")
    return lines


def load_departments(session: Session) -> int:
    added = 0
    for spec in catalogue_data.DEPARTMENTS:
        if not session.exec(select(Department).where(Department.code == spec["code"])).first():
            session.add(Department(code=spec["code"], name=spec["name"], description=spec["description"],
                                   email=f"{spec['code']}@departments.{DEMO_DOMAIN}"))
            added += 1
    session.commit()
    return added


def _load_people(session: Session) -> list[str]:
    lines = []
    for role, local, name, department, title in DEMO_PEOPLE:
        email = f"{local}@{DEMO_DOMAIN}"
        if session.exec(select(User).where(User.email == email)).first():
            continue
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        create_user(session, email=email, password=password, display_name=name, role=role,
                    department_code=department, title=title)
        lines.append(f"{role.value:<10} {email:<36} password: {password}")
    if lines:
        ACCOUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        # A fresh database starts a fresh list: passwords of an earlier, deleted demo database would mislead.
        with ACCOUNTS_FILE.open("w" if len(lines) == len(DEMO_PEOPLE) else "a") as out:
            out.write("\n".join(lines) + "\n")
        ACCOUNTS_FILE.chmod(0o600)
    return ["demo accounts (also in instance/demo-accounts.txt):", *lines]


def _account_lines() -> list[str]:
    if ACCOUNTS_FILE.exists():
        return ["demo accounts:", *ACCOUNTS_FILE.read_text().splitlines()]
    return []
