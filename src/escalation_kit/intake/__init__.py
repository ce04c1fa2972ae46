"""Intake: reading and validating the files users bring (tickets, customers, history) and the
triage output the tool reads back.

Files are CSV (any common encoding and delimiter), JSON lines or Excel; in-memory frames are
validated the same way. Nothing is dropped silently: every row read is either accepted or
rejected with its reasons (``len(accepted) + len(rejected) == read``), and problems that do not
reject a row (an unknown country, removed control characters) are reported as warnings.

One framework serves every input: :mod:`.rules` and :mod:`.dates` hold the rule primitives,
:mod:`.validate` collects the verdicts, and :mod:`.tickets`, :mod:`.customers`,
:mod:`.history_checks` and :mod:`.triage_output` declare each input's schema with them.
"""

from escalation_kit.intake.customers import CUSTOMER_COLUMNS, read_customers, validate_customers
from escalation_kit.intake.result import InputWarningRow, IntakeResult
from escalation_kit.intake.tickets import (
    ACCEPTED_TICKET_COLUMNS,
    REQUIRED_TICKET_COLUMNS,
    TICKET_COLUMNS,
    TICKET_FIELD_LIMITS,
    read_tickets,
    validate_tickets,
)

__all__ = [
    "ACCEPTED_TICKET_COLUMNS",
    "CUSTOMER_COLUMNS",
    "REQUIRED_TICKET_COLUMNS",
    "TICKET_COLUMNS",
    "TICKET_FIELD_LIMITS",
    "InputWarningRow",
    "IntakeResult",
    "read_customers",
    "read_tickets",
    "validate_customers",
    "validate_tickets",
]
