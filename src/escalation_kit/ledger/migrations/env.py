"""Alembic's entry point: runs the migrations on the connection handed in by :mod:`upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from escalation_kit.ledger.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite's ALTER TABLE is limited
        compare_type=True,
    )
    with context.begin_transaction():  # joins the caller's transaction
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run the ledger's migrations with `escalation-kit ledger upgrade`, not `alembic`"
        )
    _run(connection)


_main()
