#!/usr/bin/env bash
# demo.sh — shows what dgc does today: checks every stdlib model and example
# and prints the summary the driver gives for it (`dgc check --summary`).
# Grows with the compiler (training runs come later).
#   DGC=path/to/dgc   (default build/bin/dgc)
set -uo pipefail
cd "$(dirname "$0")/.."
dgc=${DGC:-build/bin/dgc}
[ -x "$dgc" ] || { echo "demo: $dgc not built (run make build)" >&2; exit 1; }

mapfile -t files < <(find stdlib examples -name '*.dg' -type f 2>/dev/null | LC_ALL=C sort)
if [ ${#files[@]} -eq 0 ]; then
    echo "demo: no .dg files under stdlib/ or examples/ yet"
    exit 0
fi

failed=0
for f in "${files[@]}"; do
    echo "==== $f"
    if ! "$dgc" check --summary "$f"; then
        echo "demo: dgc check failed on $f" >&2
        failed=$((failed + 1))
    fi
done
echo "==== ${#files[@]} file(s), $failed failed"
[ $failed -eq 0 ]
