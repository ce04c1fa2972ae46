"""Baseline: the ledger's schema as escalation-kit created it before migrations existed.

Frozen: never edit this file (a ledger made by ``create_all`` before revisions is at 0001).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from escalation_kit.ledger.upgrade import baseline_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables and indexes of the frozen ``migrations/baseline.yaml``."""
    baseline_tables().create_all(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the baseline cannot be downgraded")
