#!/bin/sh
# tests/tools/balance_mutations.sh DGC — how much the mass-balance check
# (compiler/sema_step_balance.c) notices: every `S += e` / `S -= e` line of
# the step-form models in stdlib/models and examples/*/ is deleted in turn,
# and `dgc check` of the mutant is counted as an error, a warning or silent.
# The silent ones are listed. Models with `repeat` blocks (not analysed) and
# models that do not check clean are skipped. Run by hand, not by ctest.
set -u
DGC=${1:?usage: balance_mutations.sh DGC}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
errors=0 warnings=0 silent=0
for f in "$ROOT"/stdlib/models/*.dg "$ROOT"/examples/*/*.dg; do
    "$DGC" check "$f" > /dev/null 2>&1 || continue
    grep -q 'repeat' "$f" && continue
    dir=$TMP/$(basename "$(dirname "$f")")
    [ -d "$dir" ] || cp -r "$(dirname "$f")" "$dir"   # imports resolve beside the model
    for n in $(grep -nE '^[[:space:]]*(source |sink )?[A-Za-z_][A-Za-z0-9_]* *(\+=|-=)' "$f" | cut -d: -f1); do
        sed "${n}d" "$f" > "$dir/mutant.dg"
        if ! "$DGC" check "$dir/mutant.dg" > "$TMP/out" 2>&1; then
            errors=$((errors + 1))
        elif grep -q 'warning' "$TMP/out"; then
            warnings=$((warnings + 1))
        else
            silent=$((silent + 1))
            echo "  silent: $(basename "$f"):$n: $(sed -n "${n}p" "$f" | sed 's/^[[:space:]]*//')"
        fi
    done
done
echo "deleted updates: $((errors + warnings + silent)); errors $errors, warnings $warnings, silent $silent"
