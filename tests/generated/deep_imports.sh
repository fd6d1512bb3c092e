#!/bin/sh
# deep_imports.sh DGC WORKDIR — a chain of 2,000 imports (dN.dg imports
# dN+1.dg) used to overflow the stack; it is now one error at the import that
# nests deeper than 200. A chain of exactly 200 nested imports still checks.
set -u
dgc=$1 work=$2
diag=$(cd "$(dirname "$0")/.." && pwd)/run_diag.sh
rm -rf "$work" && mkdir -p "$work/long" "$work/limit" || exit 2

# chain DIR N: d0.dg imports d1.dg ... d(N-1).dg imports dN.dg; each defines a constant
chain() {
    i=0
    while [ $i -lt "$2" ]; do
        printf 'import "d%d.dg"\nconst c%d = %d\n' $((i + 1)) $i $i >"$1/d$i.dg"
        i=$((i + 1))
    done
    printf 'const c%d = %d\n' "$2" "$2" >"$1/d$2.dg"
}

fail=0
chain "$work/long" 2000
echo '# expect@d200.dg:1: 8: error: imports nested deeper than 200' >>"$work/long/d0.dg"
sh "$diag" "$dgc" "$work/long/d0.dg" || fail=1

chain "$work/limit" 200
sh "$diag" "$dgc" "$work/limit/d0.dg" || fail=1
exit $fail
