"""Triage: documented issues first, then cross-ticket clusters, then the ticket's own words
(named evidence, content rules and a learned, calibrated model).

The flow is ``engine.triage_tickets``; ``escalation_kit`` exports the public names.
"""
