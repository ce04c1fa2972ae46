"""``python -m escalation_kit.sample --out DIR [--seed N]``: write the sample data."""

from __future__ import annotations

import argparse
import sys

from escalation_kit.errors import EscalationKitError
from escalation_kit.sample.generate import DEFAULT_SEED, generate_sample


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m escalation_kit.sample", description="Write the deterministic sample data."
    )
    parser.add_argument("--out", default="data/sample", help="output directory")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        summary = generate_sample(args.out, seed=args.seed, progress=not args.quiet)
    except EscalationKitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary.format_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
