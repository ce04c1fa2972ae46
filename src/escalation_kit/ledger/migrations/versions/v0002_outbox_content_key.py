"""Outbox: a content key per write, so the same note is found (and never sent twice) by index.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_outbox = sa.table(
    "outbox",
    sa.column("request_id", sa.String),
    sa.column("kind", sa.String),
    sa.column("body", sa.JSON),
    sa.column("content_key", sa.String),
)


def _key(kind: str, body: object) -> str:
    # Frozen copy of escalation_kit.escalation.outbox's key: kind + the note's text.
    note = body.get("NewNote") if isinstance(body, dict) else None
    text = str(note.get("Text") or "") if isinstance(note, dict) else ""
    payload = json.dumps([kind, " ".join(text.split())], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("content_key", sa.String(length=64), nullable=True))
        batch.create_index("ix_outbox_content_key", ["service_request_id", "content_key"])
    conn = op.get_bind()
    rows = conn.execute(sa.select(_outbox.c.request_id, _outbox.c.kind, _outbox.c.body)).all()
    for row in rows:
        conn.execute(
            _outbox.update()
            .where(_outbox.c.request_id == row.request_id)
            .values(content_key=_key(row.kind, row.body))
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_content_key")
        batch.drop_column("content_key")
