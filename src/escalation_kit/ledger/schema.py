"""The ledger's tables (SQLAlchemy 2 Core metadata), shared by SQLite and PostgreSQL.

Changing a table needs a migration (``ledger/migrations``; see the README's "ledger upgrade").
Times are stored as timezone-aware UTC. JSON columns hold documents we keep verbatim (Graph
issues, filing packages). The widths of ids, tenant ids and service names are the contract's
(:mod:`escalation_kit.models`): intake refuses a longer value with the same limit. ``events``
is append-only: every state change writes one row.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from escalation_kit.ledger.types import UTCDateTime
from escalation_kit.models import ID_LENGTH, SERVICE_LENGTH, TENANT_ID_LENGTH, TICKET_ID_LENGTH

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    Column("tenant_id", String(TENANT_ID_LENGTH), primary_key=True),
    Column("name", Text, nullable=False, default=""),
    Column("country", String(2)),
    Column("region", String(32), nullable=False, default="Unknown"),
    Column("updated_at", UTCDateTime, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("ticket_id", String(TICKET_ID_LENGTH), primary_key=True),
    Column("tenant_id", String(TENANT_ID_LENGTH), nullable=False, index=True),
    Column("customer_name", Text, nullable=False, default=""),
    Column("country", String(2)),
    Column("region", String(32), nullable=False, default="Unknown"),
    Column("service", Text, nullable=False, default=""),
    Column("normalized_service", String(SERVICE_LENGTH)),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("reported_at", UTCDateTime, nullable=False, index=True),
    Column("users_affected", Integer),
    Column("imported_at", UTCDateTime, nullable=False),
)

# One row per decision; an analyst's override is a new row (is_override) that points at the
# automatic decision it overrides, which is never changed.
triage_decisions = Table(
    "triage_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(TICKET_ID_LENGTH), nullable=False, index=True),
    Column("run_id", String(ID_LENGTH), nullable=False),
    Column("category", String(40), nullable=False),
    Column("escalate", Boolean, nullable=False),
    Column("matched_issue_id", String(ID_LENGTH), nullable=False, default=""),
    Column("cluster_id", String(ID_LENGTH), nullable=False, default=""),
    Column("region", String(32), nullable=False),
    Column("service", String(SERVICE_LENGTH), nullable=False, default=""),
    Column("severity", String(16), nullable=False, default=""),
    Column("confidence", Float, nullable=False),
    Column("reasons", Text, nullable=False, default=""),
    Column("recommended_action", Text, nullable=False, default=""),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("is_override", Boolean, nullable=False, default=False),
    Column("overrides_id", Integer, ForeignKey("triage_decisions.id")),
    Column("override_reason", Text, nullable=False, default=""),
)

# Recording the same triage run twice is a no-op: one automatic decision per (ticket, run).
_automatic_only = triage_decisions.c.is_override == false()
Index(
    "uq_triage_decisions_ticket_run",
    triage_decisions.c.ticket_id,
    triage_decisions.c.run_id,
    unique=True,
    sqlite_where=_automatic_only,
    postgresql_where=_automatic_only,
)

# Documented issues per tenant, as last fetched (payload = the Graph object verbatim).
health_issues = Table(
    "health_issues",
    metadata,
    Column("tenant_id", String(TENANT_ID_LENGTH), primary_key=True),
    Column("issue_id", String(ID_LENGTH), primary_key=True),
    Column("service", String(SERVICE_LENGTH), nullable=False),
    Column("status", String(64), nullable=False),
    Column("classification", String(64), nullable=False, default=""),
    Column("is_resolved", Boolean, nullable=False),
    Column("start", UTCDateTime),
    Column("end", UTCDateTime),
    Column("last_modified", UTCDateTime),
    Column("payload", JSON, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
)

# Per-tenant outcome of the last health sync: lets a failed run resume with the failed tenants only.
health_syncs = Table(
    "health_syncs",
    metadata,
    Column("tenant_id", String(TENANT_ID_LENGTH), primary_key=True),
    Column("status", String(16), nullable=False),  # ok / failed
    Column("reason", Text, nullable=False, default=""),
    Column("synced_at", UTCDateTime, nullable=False),
    Column("watermark", UTCDateTime),  # newest lastModifiedDateTime seen: incremental $filter
)

# One row per health sync run: ``--resume`` finishes the latest run instead of starting one.
health_runs = Table(
    "health_runs",
    metadata,
    Column("run_id", String(ID_LENGTH), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("finished_at", UTCDateTime),
    Column("tenants", Integer, nullable=False, default=0),
)

# Each tenant's last good fetch, as the snapshot holds it: the run that fetched it, when, and
# the tenant's snapshot entry ({"healthOverviews": [...], "issues": [...]}) as JSON text.
health_entries = Table(
    "health_entries",
    metadata,
    Column("tenant_id", String(TENANT_ID_LENGTH), primary_key=True),
    Column("run_id", String(ID_LENGTH), nullable=False, index=True),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("entry", Text, nullable=False),
)

# One row per problem escalated. content_key makes drafting idempotent: one problem, one row.
# Imported history rows carry content_key "history:<escalation_id>".
escalations = Table(
    "escalations",
    metadata,
    Column("escalation_id", String(ID_LENGTH), primary_key=True),
    Column("content_key", String(128), nullable=False, unique=True),
    Column("tracking_tag", String(32), nullable=False, unique=True),
    Column("category", String(40), nullable=False, index=True),
    Column("severity", String(16), nullable=False),
    Column("status", String(24), nullable=False, index=True),
    Column("title", Text, nullable=False, default=""),
    Column("service", String(SERVICE_LENGTH), nullable=False, default=""),
    Column("region", String(32), nullable=False, default="Unknown"),
    Column("tenant_id", String(TENANT_ID_LENGTH), nullable=False),  # primary (first) tenant
    Column("country", String(2)),
    Column("cluster_id", String(ID_LENGTH), nullable=False, default=""),
    Column("package", JSON),  # the filing package as drafted/edited
    Column("service_request_id", String(64), unique=True),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("filed_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("customer_notified_at", UTCDateTime),
    Index("ix_escalations_region_category", "region", "category"),
)

escalation_links = Table(
    "escalation_links",
    metadata,
    Column(
        "escalation_id",
        String(ID_LENGTH),
        ForeignKey("escalations.escalation_id"),
        primary_key=True,
    ),
    Column("ticket_id", String(TICKET_ID_LENGTH), primary_key=True),
    Column("tenant_id", String(TENANT_ID_LENGTH), nullable=False),
    Column("linked_at", UTCDateTime, nullable=False),
    UniqueConstraint("ticket_id", name="uq_escalation_links_ticket"),
)

# The last known state of each Partner Center request we track.
service_requests = Table(
    "service_requests",
    metadata,
    Column("service_request_id", String(64), primary_key=True),
    Column("escalation_id", String(ID_LENGTH), ForeignKey("escalations.escalation_id"), index=True),
    Column("tenant_id", String(TENANT_ID_LENGTH), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("status", String(24), nullable=False),
    Column("severity", String(16), nullable=False, default=""),
    Column("created_date", UTCDateTime),
    Column("last_modified_date", UTCDateTime),
    Column("last_closed_date", UTCDateTime),
    Column("notes", JSON, nullable=False, default=list),
    Column("synced_at", UTCDateTime, nullable=False),
)

# Writes to Microsoft (notes, closing) go through this outbox: recorded with their MS-RequestId
# before they are sent, marked applied after, so a retry or a crash never writes twice.
outbox = Table(
    "outbox",
    metadata,
    Column("request_id", String(36), primary_key=True),  # MS-RequestId, reused on retry
    Column("service_request_id", String(64), nullable=False, index=True),
    Column("escalation_id", String(ID_LENGTH), ForeignKey("escalations.escalation_id")),
    Column("kind", String(16), nullable=False),  # note / close
    Column("body", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # pending / applied / failed
    Column("created_at", UTCDateTime, nullable=False),
    Column("applied_at", UTCDateTime),
    Column("created_by", String(200), nullable=False),
    # sha256 of kind + the note's text (whitespace collapsed): the same write is found by index
    Column("content_key", String(64)),
    Index("ix_outbox_content_key", "service_request_id", "content_key"),
)

notices = Table(
    "notices",
    metadata,
    Column("notice_id", String(64), primary_key=True),
    Column("escalation_id", String(ID_LENGTH), ForeignKey("escalations.escalation_id")),
    Column("ticket_id", String(TICKET_ID_LENGTH), nullable=False, default=""),
    Column("tenant_id", String(TENANT_ID_LENGTH), nullable=False),
    Column("language", String(8), nullable=False, default="en"),
    Column("subject", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("drafted_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("sent_by", String(200)),
)

# Microsoft's post-incident reviews (Graph issue incidentReport), fetched once, attached to
# the notices of the tickets the issue explained.
incident_reports = Table(
    "incident_reports",
    metadata,
    Column("tenant_id", String(TENANT_ID_LENGTH), primary_key=True),
    Column("issue_id", String(ID_LENGTH), primary_key=True),
    Column("content", LargeBinary, nullable=False),
    Column("content_type", String(100), nullable=False, default="application/octet-stream"),
    Column("fetched_at", UTCDateTime, nullable=False),
)

# Append-only: who did what to which record, when.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("entity", String(32), nullable=False),  # ticket / decision / escalation / ...
    Column("entity_id", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_events_entity", "entity", "entity_id"),
)
