#!/usr/bin/env bash
# The whole pipeline on the bundled sample data, from the command line, into out/demo/:
# health sync (against the emulator) -> triage -> escalation packages -> tracking -> report.
set -euo pipefail
cd "$(dirname "$0")/.."

EK="${EK:-.venv/bin/escalation-kit}"
OUT="${OUT:-out/demo}"
SAMPLE=data/sample
mkdir -p "$OUT"
export ESCALATION_KIT_DB="${ESCALATION_KIT_DB:-sqlite:///$PWD/$OUT/ledger.db}"

echo "== starting the API emulator (Microsoft Graph + Partner Center) on loopback"
"$EK" sandbox --health "$SAMPLE/health.json" --port 0 > "$OUT/sandbox.log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  url=$(head -n 1 "$OUT/sandbox.log" 2>/dev/null || true)
  [[ "$url" == http://* ]] && break
  sleep 0.1
done
[[ "$url" == http://* ]] || { echo "the emulator did not start:"; cat "$OUT/sandbox.log"; exit 1; }
echo "   $url"

echo "== 1. check service health first (every customer tenant)"
"$EK" health sync --customers "$SAMPLE/customers.csv" --sandbox "$url" --out "$OUT/health.json" --no-progress

echo "== 2. triage the tickets"
# No analyst at the keyboard in this demo, so nothing is left waiting for review; in real use
# keep the default threshold and confirm flagged tickets with `escalation-kit override`.
ESCALATION_KIT_REVIEW_THRESHOLD=0 "$EK" triage "$SAMPLE/tickets.csv" --customers "$SAMPLE/customers.csv" \
  --health "$OUT/health.json" --out "$OUT/triage.csv"

echo "== 3. draft one filing package per problem (file them in Partner Center by hand)"
"$EK" escalate "$OUT/triage.csv" --tickets "$SAMPLE/tickets.csv" \
  --customers "$SAMPLE/customers.csv" --health "$OUT/health.json" --out-dir "$OUT/packages"

echo "== 4. track filed requests (none are filed yet in this demo)"
"$EK" track --sandbox "$url"

echo "== 5. report on three years of escalation history"
"$EK" report --history "$SAMPLE/escalation_history.csv" --out "$OUT/report.html"

echo "== done: see $OUT/ (triage.csv, packages/index.csv, report.html)"
