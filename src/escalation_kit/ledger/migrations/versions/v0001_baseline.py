"""Baseline: the ledger's schema as escalation-kit created it before migrations existed.

Frozen: never edit this file (a ledger made by ``create_all`` before revisions is at 0001).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)
_AUTOMATIC = sa.column("is_override") == sa.false()


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "escalations",
        sa.Column("escalation_id", sa.String(length=64), nullable=False),
        sa.Column("content_key", sa.String(length=128), nullable=False),
        sa.Column("tracking_tag", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("package", sa.JSON(), nullable=True),
        sa.Column("service_request_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("filed_at", _TIME, nullable=True),
        sa.Column("resolved_at", _TIME, nullable=True),
        sa.Column("customer_notified_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("escalation_id"),
        sa.UniqueConstraint("content_key"),
        sa.UniqueConstraint("service_request_id"),
        sa.UniqueConstraint("tracking_tag"),
    )
    op.create_index(op.f("ix_escalations_category"), "escalations", ["category"], unique=False)
    op.create_index(op.f("ix_escalations_created_at"), "escalations", ["created_at"], unique=False)
    op.create_index(
        "ix_escalations_region_category", "escalations", ["region", "category"], unique=False
    )
    op.create_index(op.f("ix_escalations_status"), "escalations", ["status"], unique=False)
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_events_at"), "events", ["at"], unique=False)
    op.create_index("ix_events_entity", "events", ["entity", "entity_id"], unique=False)
    op.create_table(
        "health_issues",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("issue_id", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("classification", sa.String(length=64), nullable=False),
        sa.Column("is_resolved", sa.Boolean(), nullable=False),
        sa.Column("start", _TIME, nullable=True),
        sa.Column("end", _TIME, nullable=True),
        sa.Column("last_modified", _TIME, nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("fetched_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "issue_id"),
    )
    op.create_table(
        "health_syncs",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("synced_at", _TIME, nullable=False),
        sa.Column("watermark", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "tickets",
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("customer_name", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("normalized_service", sa.String(length=100), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reported_at", _TIME, nullable=False),
        sa.Column("users_affected", sa.Integer(), nullable=True),
        sa.Column("imported_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index(op.f("ix_tickets_reported_at"), "tickets", ["reported_at"], unique=False)
    op.create_index(op.f("ix_tickets_tenant_id"), "tickets", ["tenant_id"], unique=False)
    op.create_table(
        "triage_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("escalate", sa.Boolean(), nullable=False),
        sa.Column("matched_issue_id", sa.String(length=64), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("recommended_action", sa.Text(), nullable=False),
        sa.Column("decided_at", _TIME, nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("is_override", sa.Boolean(), nullable=False),
        sa.Column("overrides_id", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["overrides_id"],
            ["triage_decisions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_triage_decisions_ticket_id"), "triage_decisions", ["ticket_id"], unique=False
    )
    op.create_index(
        "uq_triage_decisions_ticket_run",
        "triage_decisions",
        ["ticket_id", "run_id"],
        unique=True,
        sqlite_where=_AUTOMATIC,
        postgresql_where=_AUTOMATIC,
    )
    op.create_table(
        "escalation_links",
        sa.Column("escalation_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("linked_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.escalation_id"],
        ),
        sa.PrimaryKeyConstraint("escalation_id", "ticket_id"),
        sa.UniqueConstraint("ticket_id", name="uq_escalation_links_ticket"),
    )
    op.create_table(
        "notices",
        sa.Column("notice_id", sa.String(length=64), nullable=False),
        sa.Column("escalation_id", sa.String(length=64), nullable=True),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("drafted_at", _TIME, nullable=False),
        sa.Column("sent_at", _TIME, nullable=True),
        sa.Column("sent_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.escalation_id"],
        ),
        sa.PrimaryKeyConstraint("notice_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("service_request_id", sa.String(length=64), nullable=False),
        sa.Column("escalation_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("applied_at", _TIME, nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.escalation_id"],
        ),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index(
        op.f("ix_outbox_service_request_id"), "outbox", ["service_request_id"], unique=False
    )
    op.create_table(
        "service_requests",
        sa.Column("service_request_id", sa.String(length=64), nullable=False),
        sa.Column("escalation_id", sa.String(length=64), nullable=True),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("created_date", _TIME, nullable=True),
        sa.Column("last_modified_date", _TIME, nullable=True),
        sa.Column("last_closed_date", _TIME, nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("synced_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.escalation_id"],
        ),
        sa.PrimaryKeyConstraint("service_request_id"),
    )
    op.create_index(
        op.f("ix_service_requests_escalation_id"),
        "service_requests",
        ["escalation_id"],
        unique=False,
    )


def downgrade() -> None:
    raise NotImplementedError("the baseline cannot be downgraded")
