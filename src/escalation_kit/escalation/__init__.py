"""The escalation workflow: filing packages, Partner Center tracking, closing the loop.

Partner Center's API no longer creates service requests (retired 2020): the toolkit drafts a
*filing package* that a person files in the web UI, then finds the filed request again by the
tracking tag in its title. The flow, module by module:

- :mod:`.batch` — a whole triage run (frame or CSV) → packages on disk and ``index.csv``;
  the entry point the CLI and the notebooks share (``prepare_packages``, ``tickets_by_id``)
- :mod:`.drafting` — escalated triage decisions → one package per problem in the ledger
  (idempotent by content key; clusters are one package; new tickets are linked, not redrafted)
- :mod:`.packages`, :mod:`.render`, :mod:`.catalogue`, :mod:`.keys` — what a package holds,
  its text/markdown/JSON/CSV renderings, service → product/support category, ids and tags
- :mod:`.partner_center`, :mod:`.service_request` — the list/get/update client and its records
- :mod:`.tracking` — link filed requests (by tag or by id) and sync status and notes
- :mod:`.outbox` — writes to Microsoft: recorded before sending, never twice, never unasked
- :mod:`.workflow`, :mod:`.notify` — customer notices, closing note, closing a request
- :mod:`.lifecycle` — the allowed status changes

Submodules are imported explicitly (they pull in httpx and SQLAlchemy), e.g.
``from escalation_kit.escalation.batch import prepare_packages``.
"""
