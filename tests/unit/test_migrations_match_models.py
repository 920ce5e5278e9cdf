"""The migrations build exactly the schema the models describe (on each database), so no feature
relies on a table or column that only `create_all` would have made."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import portal.models  # noqa: F401  (registers every table)
from portal import db

# Made by hand in migrations, invisible to the models: the spatial indexes (SQLite's latitude-band
# expression indexes, PostgreSQL's GiST).
HAND_MADE = ("ix_request_band", "ix_request_open_band", "ix_request_point", "ix_request_open_point")


def _hand_made(diff) -> bool:
    text = repr(diff)
    return any(name in text for name in HAND_MADE)


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")  # SQLite's bands
def test_migrated_schema_matches_models(app):
    with app.app_context():
        engine = app.extensions["engine"]
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            diffs = [d for d in compare_metadata(context, SQLModel.metadata) if not _hand_made(d)]
    assert diffs == [], "models and migrations differ: write a migration\n" + "\n".join(map(repr, diffs))
