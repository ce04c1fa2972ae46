"""The bundled sample data and its deterministic generator.

``python -m escalation_kit.sample --out data/sample`` (or ``escalation-kit sample``) writes
customers, tickets (with the labels they were planned with), a health snapshot, the support
catalogue and three years of escalation history, byte-identical for a given seed.
"""

from __future__ import annotations

from escalation_kit.sample.generate import ANCHOR, DEFAULT_SEED, SampleSummary, generate_sample

__all__ = ["ANCHOR", "DEFAULT_SEED", "SampleSummary", "generate_sample"]
