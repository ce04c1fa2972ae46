"""Score tickets of new sources with a model trained without them (a held-out check).

Usage::

    python scripts/score_new_sources.py [--ids 'R[K-N]-'] [--seeds 101,102,103] [--details]

Trains the content model exactly as ``escalation-kit learn --bundled`` does (data/eval, the demo
sample and generated seeds, plus the corpus) but leaves out every corpus ticket whose id matches
``--ids``; then triages the whole corpus with that model (known issues and clusters need every
ticket) and scores only the left-out tickets.

Each group of parts was added from sources nobody had read before and first scored before anything
was changed: RA-/RB- (144 tickets), RC-…RF- (278), RG-…RJ- (255) and RK-…RN- (222, the default
``--ids``). README's quality table gives each set's number before and after its misses were read.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, f1_score

from escalation_kit.bundled import dataset_dir
from escalation_kit.cli.triage import _training_sets
from escalation_kit.health.snapshot import load_snapshot
from escalation_kit.triage.config import TriageConfig
from escalation_kit.triage.engine import decide
from escalation_kit.triage.learn import LabelledSet, fit_model, load_labelled
from escalation_kit.triage.rules import load_rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", default=r"R[K-N]-", help="regex of the left-out ticket ids")
    parser.add_argument("--seeds", default="101,102,103")
    parser.add_argument("--details", action="store_true", help="per-category report, confusion")
    args = parser.parse_args()
    base = dataset_dir("corpus")
    tickets = load_labelled(base, "corpus", real=True).tickets
    held = tickets["ticket_id"].str.match(args.ids).to_numpy()
    rules = load_rules()
    with tempfile.TemporaryDirectory() as work:
        seeds = [int(s) for s in args.seeds.split(",") if s]
        extra = _training_sets(dataset_dir("eval"), seeds, Path(work))
        training = LabelledSet.concat([*extra, LabelledSet(tickets[~held].reset_index(drop=True))])
        model = fit_model(training, rules)
    issues = load_snapshot(base / "health.json").issues_by_tenant()
    decisions = decide(tickets, issues, rules, TriageConfig(), model=model)
    label = tickets["label"].to_numpy()
    predicted = decisions["category"].to_numpy()
    english = tickets["language"].to_numpy() == "en"
    review = decisions["needs_review"].to_numpy(dtype=bool)

    def macro(rows: np.ndarray) -> float:
        return float(f1_score(label[rows], predicted[rows], average="macro"))

    covered = held & ~review
    print(
        f"{held.sum()} left-out tickets; macro-F1 {macro(held):.3f} "
        f"(English {macro(held & english):.3f}, other languages {macro(held & ~english):.3f}); "
        f"at the review threshold precision {(predicted == label)[covered].mean():.3f} "
        f"with coverage {covered.sum() / held.sum():.3f}"
    )
    if args.details:
        print(classification_report(label[held], predicted[held], digits=3, zero_division=0))
        print(pd.crosstab(label[held], predicted[held], rownames=["label"], colnames=["predicted"]))


if __name__ == "__main__":
    main()
