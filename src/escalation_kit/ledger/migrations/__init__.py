"""Alembic migrations of the ledger (``escalation-kit ledger upgrade`` applies them).

Add a revision: copy the newest file in ``versions/`` to ``vNNNN_<what>.py``, set ``revision``
to ``"NNNN"`` and ``down_revision`` to the previous one, write ``upgrade()`` with ``op.*``
(see the README's "ledger upgrade" section), then append ``"NNNN"`` to ``KNOWN_REVISIONS`` and
set ``SCHEMA_REVISION = "NNNN"`` in ``escalation_kit/ledger/_version.py``.
"""
