"""escalation-kit: the CSP partner analyst's toolkit for Microsoft cloud support.

Check service health first, triage every ticket into one of seven categories, prepare one
ready-to-file Partner Center request per problem, track it to resolution, close the loop with
the customer, and report on escalation trends::

    from escalation_kit import read_tickets, triage_tickets, Ledger

The public names are listed once, in ``__init__.pyi``; each is imported from its module on first
use, so ``import escalation_kit`` stays fast (no pandas, plotly, ipywidgets or HTTP stack).
"""

import lazy_loader

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
