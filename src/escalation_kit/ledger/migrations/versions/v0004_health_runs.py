"""Health sync runs and each tenant's last good entry (``health sync --resume`` finishes a run).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "health_runs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("finished_at", _TIME, nullable=True),
        sa.Column("tenants", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_index(op.f("ix_health_runs_started_at"), "health_runs", ["started_at"])
    op.create_table(
        "health_entries",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", _TIME, nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_index(op.f("ix_health_entries_run_id"), "health_entries", ["run_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_health_entries_run_id"), table_name="health_entries")
    op.drop_table("health_entries")
    op.drop_index(op.f("ix_health_runs_started_at"), table_name="health_runs")
    op.drop_table("health_runs")
