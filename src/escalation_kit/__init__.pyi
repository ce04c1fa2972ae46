# The public API: the one table of exported names. ``__init__.py`` builds ``__all__`` and its lazy
# loader from these lines (lazy_loader.attach_stub), and type checkers read them as the interface.
# Each line names the module that defines the object; no exported name is also a module's name.

from .analytics.anomalies import weekly_anomalies as weekly_anomalies
from .analytics.investigation import Investigation as Investigation
from .analytics.investigation import investigate as investigate
from .analytics.metrics import time_to_resolve as time_to_resolve
from .analytics.metrics import volume as volume
from .analytics.report import build_report as build_report
from .analytics.report import write_report as write_report
from .auth import AppOnlyTokenProvider as AppOnlyTokenProvider
from .auth import DeviceCodeTokenProvider as DeviceCodeTokenProvider
from .auth import StaticTokenProvider as StaticTokenProvider
from .config import Settings as Settings
from .errors import ApiError as ApiError
from .errors import AuthError as AuthError
from .errors import ConfigError as ConfigError
from .errors import EscalationKitError as EscalationKitError
from .errors import HealthLookupError as HealthLookupError
from .errors import InputError as InputError
from .errors import LedgerError as LedgerError
from .errors import PartnerCenterError as PartnerCenterError
from .errors import TriageError as TriageError
from .escalation.batch import PackageBatch as PackageBatch
from .escalation.batch import prepare_packages as prepare_packages
from .escalation.packages import FilingPackage as FilingPackage
from .escalation.partner_center import PartnerCenterClient as PartnerCenterClient
from .escalation.tracking import link as link
from .escalation.tracking import track as track
from .escalation.workflow import close_loop as close_loop
from .escalation.workflow import confirm_sent as confirm_sent
from .health.snapshot import HealthSnapshot as HealthSnapshot
from .health.snapshot import load_snapshot as load_snapshot
from .health.sync import SyncResult as SyncResult
from .health.sync import sync_health as sync_health
from .intake.customers import read_customers as read_customers
from .intake.history import load_history as load_history
from .intake.result import IntakeResult as IntakeResult
from .intake.tickets import read_tickets as read_tickets
from .ledger.core import Ledger as Ledger
from .models import Category as Category
from .models import Severity as Severity
from .sample.generate import generate_sample as generate_sample
from .sandbox.server import Sandbox as Sandbox
from .triage.config import TriageConfig as TriageConfig
from .triage.engine import TriageResult as TriageResult
from .triage.engine import triage_tickets as triage_tickets
from .triage.evaluate import evaluate as evaluate
from .widgets.incident_app import IncidentApp as IncidentApp
from .widgets.trends_app import TrendsApp as TrendsApp
from .widgets.triage_app import TriageApp as TriageApp

__version__: str
__all__: list[str]
