"""Customer names next to tenant ids: people recognise "Contoso Ltd", not a GUID.

The names come from a customers frame (intake's ``read_customers(...).accepted`` with
``tenant_id`` and ``name``, or ``Ledger.customers()``). A tenant the frame does not know keeps
an empty name, never a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from escalation_kit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["customer_names", "with_customer_names"]

NAME_COLUMNS = ("name", "customer_name")


def customer_names(customers: Any) -> dict[str, str]:
    """``tenant_id`` (lower case) → customer name, from a customers frame or a ledger."""
    if customers is None:
        return {}
    frame = customers.customers() if hasattr(customers, "customers") else customers
    column = next((c for c in NAME_COLUMNS if c in frame.columns), None)
    if "tenant_id" not in frame.columns or column is None:
        raise InputError(
            "the customers need columns tenant_id and name; they have "
            + ", ".join(map(str, frame.columns)),
            field="customers",
        )
    names = frame[column].fillna("").astype(str).str.strip()
    tenants = frame["tenant_id"].astype(str).str.strip().str.lower()
    return {t: n for t, n in zip(tenants, names, strict=True) if n}


def with_customer_names(table: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """``table`` with a ``customer`` column just before its ``tenant_id`` ("" when unknown)."""
    if "tenant_id" not in table.columns or "customer" in table.columns:
        return table
    out = table.copy()
    keys = out["tenant_id"].astype(str).str.lower()
    position = list(out.columns).index("tenant_id")
    out.insert(position, "customer", [names.get(key, "") for key in keys])
    return out
