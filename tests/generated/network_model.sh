#!/bin/sh
# network_model.sh DGC TEST_CODEGEN_EQUIV WORKDIR — a generated model of 50
# storages and 500 fluxes (bench/gen_network_model.sh): it checks cleanly, and
# its kernels, long enough to be emitted in parts (codegen.c), agree with the
# reference executor (forward, adjoint, f32 and f64; test_codegen_equiv).
set -u
dgc=$1 equiv=$2 work=$3
gen=$(cd "$(dirname "$0")/../.." && pwd)/bench/gen_network_model.sh
rm -rf "$work" && mkdir -p "$work" || exit 2
model=$work/network_50.dg
sh "$gen" 50 10 >"$model" || { echo "FAIL: generator"; exit 1; }

fail=0
"$dgc" check --color=never "$model" 2>"$work/check.err" || { echo "FAIL: dgc check"; cat "$work/check.err"; fail=1; }
if [ -s "$work/check.err" ]; then echo "FAIL: dgc check printed diagnostics"; cat "$work/check.err"; fail=1; fi
# the long kernels are emitted in parts (a chain of calls in the cell loop)
"$dgc" -O0 --emit-llvm "$work/network_50.ll" "$model" || { echo "FAIL: dgc --emit-llvm"; fail=1; }
grep -q '^define internal void @"\{0,1\}dgk_run_rev_f64\.loops\.part0' "$work/network_50.ll" ||
    { echo "FAIL: dgk_run_rev_f64 is not emitted in parts"; fail=1; }
"$equiv" "$model" || fail=1
exit $fail
