"""``escalation-kit ledger upgrade``: bring a ledger's schema to this version with Alembic.

The migrations live in :mod:`escalation_kit.ledger.migrations` (shipped in the wheel). An
empty database gets the current schema; a ledger made before migrations existed is recorded
at the baseline revision first, then upgraded. Everything runs in one transaction under the
schema lock, so a failed upgrade leaves the ledger as it was (SQLite and PostgreSQL both
roll back DDL) and two upgrades never run at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import sqlalchemy as sa
import yaml
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine

from escalation_kit.ledger._engine import (
    WRITE_OPTION,
    engine_for,
    ledger_errors,
    normalize_url,
)
from escalation_kit.ledger._version import (
    KNOWN_REVISIONS,
    SCHEMA_REVISION,
    LedgerSchemaError,
    current_revision,
    lock_schema,
    schema_message,
    stamp,
)
from escalation_kit.ledger.schema import metadata

__all__ = [
    "SCRIPT_LOCATION",
    "UpgradeReport",
    "alembic_config",
    "baseline_tables",
    "head_revision",
    "upgrade",
]

SCRIPT_LOCATION = "escalation_kit.ledger:migrations"


@dataclass(frozen=True)
class UpgradeReport:
    """What an upgrade did: the revision before (``None``: empty database) and after."""

    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def baseline_tables() -> sa.MetaData:
    """Revision 0001's tables and indexes, built from the frozen ``migrations/baseline.yaml``."""
    text = (resources.files("escalation_kit.ledger.migrations") / "baseline.yaml").read_text(
        encoding="utf-8"
    )
    spec = yaml.safe_load(text)
    metadata = sa.MetaData()
    for name, table in spec["tables"].items():
        items: list[Any] = [_column(c, kind) for c, kind in table["columns"].items()]
        items.append(sa.PrimaryKeyConstraint(*table["primary_key"]))
        items += [
            sa.ForeignKeyConstraint([c], [t]) for c, t in table.get("foreign_keys", {}).items()
        ]
        items += [
            sa.UniqueConstraint(*u["columns"], name=u.get("name")) for u in table.get("unique", [])
        ]
        sa.Table(name, metadata, *items)
    for index in spec["indexes"]:  # an index on a table's columns joins that table
        table = metadata.tables[index["table"]]
        where: dict[str, Any] = {}
        if index.get("where_automatic"):
            automatic = table.c.is_override == sa.false()
            where = {"sqlite_where": automatic, "postgresql_where": automatic}
        columns = [table.c[c] for c in index["columns"]]
        sa.Index(index["name"], *columns, unique=index["unique"], **where)
    return metadata


_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "text": sa.Text(),
    "integer": sa.Integer(),
    "float": sa.Float(),
    "boolean": sa.Boolean(),
    "json": sa.JSON(),
    "datetime": sa.DateTime(timezone=True),
}


def _column(name: str, kind: str) -> sa.Column[Any]:
    words = kind.split()
    base = words[0]
    column_type = sa.String(int(base[7:-1])) if base.startswith("string(") else _TYPES[base]
    automatic: Any = "autoincrement" in words or "auto"
    return sa.Column(name, column_type, nullable="not" not in words, autoincrement=automatic)


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations (running on ``connection`` if given)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration's revision."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no ledger migrations found")
    return head


def upgrade(url: str | URL | Engine, *, revision: str = "head") -> UpgradeReport:
    """Upgrade the ledger at ``url`` to ``revision`` (default: this version's)."""
    if isinstance(url, Engine):
        engine, owned, where = url, False, url.url
    else:
        where = normalize_url(url)
        engine, owned = engine_for(where), True
    try:
        with ledger_errors("upgrade the ledger's schema", where), engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                return _upgrade_in(conn, revision)
    finally:
        if owned:
            engine.dispose()


def _upgrade_in(conn: Connection, revision: str) -> UpgradeReport:
    lock_schema(conn)
    before = current_revision(conn)
    if before is None:  # an empty database: the current schema at once
        metadata.create_all(conn)
        stamp(conn, SCHEMA_REVISION)
        return UpgradeReport(None, SCHEMA_REVISION)
    if before not in KNOWN_REVISIONS:
        raise LedgerSchemaError(schema_message(before))
    stamp(conn, before)  # a ledger from before migrations gets Alembic's table
    command.upgrade(alembic_config(conn), revision)
    after = current_revision(conn)
    return UpgradeReport(before, after or before)
