"""Triage: documented issues first, then cross-ticket clusters, then the ticket's own words.

The flow is ``engine.triage_tickets``; ``escalation_kit`` exports the public names.
"""
