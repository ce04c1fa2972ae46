"""escalation-kit."""
