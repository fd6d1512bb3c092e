#!/bin/sh
# backend_hbv.sh DGC MODEL.dg WORKDIR — the LLVM back end end to end on HBV:
#   dgc MODEL.dg -o EXE (+ --emit-llvm/--emit-obj) builds an executable that runs;
#   dgc run MODEL.dg -- ARGS JIT-compiles (lazily, kernel by kernel) and runs
#   the same command line; both simulate the same forcing to byte-identical
#   CSV (f64 and f32), and so does the eager JIT (dgc run --emit-llvm);
#   the model's exit code passes through dgc run (2 = usage error).
set -eu
dgc=$1 model=$2 work=$3
mkdir -p "$work"
cd "$work"
rm -f hbv_exe hbv.ll hbv.o jit.ll aot*.csv jit*.csv

fail() { echo "FAIL: $*" >&2; exit 1; }

# 60 days of forcing and a parameter set inside HBV's bounds
{
    echo "date,P,T,PET"
    i=0
    while [ $i -lt 60 ]; do
        d=$(( i % 31 + 1 )); m=$(( i / 31 + 1 ))
        printf '2000-%02d-%02d,%s,%s,%s\n' $m $d "$(( (i * 7) % 11 )).5" "$(( i / 4 - 6 )).25" "1.$(( i % 9 ))"
        i=$(( i + 1 ))
    done
} > forcing.csv
cat > params.csv <<'P'
name,value
BETA,2.0
FC,300
K0,0.3
K1,0.1
K2,0.05
LP,0.7
PERC,2
UZL,30
TT,0
CFMAX,3
CFR,0.05
CWH,0.1
route_a,1.5
route_b,3
P

"$dgc" "$model" -o hbv_exe --emit-llvm hbv.ll --emit-obj hbv.o || fail "dgc -o"
[ -x hbv_exe ] && [ -s hbv.ll ] && [ -s hbv.o ] || fail "missing executable, .ll or .o"
grep -q 'llvm.loop.vectorize.enable' hbv.ll || fail "no vectorisation hint in hbv.ll"
./hbv_exe info > info.txt || fail "hbv_exe info"
grep -q BETA info.txt || fail "hbv_exe info does not list BETA"

for prec in f64 f32; do
    ./hbv_exe simulate --forcing-csv forcing.csv --params params.csv --precision $prec --out aot_$prec.csv \
        || fail "hbv_exe simulate ($prec)"
    "$dgc" run "$model" -- simulate --forcing-csv forcing.csv --params params.csv --precision $prec \
        --out jit_$prec.csv || fail "dgc run simulate ($prec)"
    [ "$(wc -l < aot_$prec.csv)" -ge 60 ] || fail "short output ($prec)"
    cmp aot_$prec.csv jit_$prec.csv || fail "AOT and JIT outputs differ ($prec)"
done

# the eager JIT (whole module at once, as with --emit-llvm) computes the same
"$dgc" run "$model" --emit-llvm jit.ll -- simulate --forcing-csv forcing.csv --params params.csv \
    --out jit_eager.csv || fail "dgc run --emit-llvm simulate"
[ -s jit.ll ] || fail "dgc run --emit-llvm wrote nothing"
cmp aot_f64.csv jit_eager.csv || fail "AOT and eager JIT outputs differ"

# everything after FILE.dg is the model's, without '--' too; exit codes pass through
"$dgc" run "$model" info > info_jit.txt || fail "dgc run info"
cmp info.txt info_jit.txt || fail "AOT and JIT 'info' differ"
set +e
"$dgc" run "$model" no-such-command > /dev/null 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "dgc run: usage error of the model gave exit $rc, want 2"
echo "backend_hbv: ok"
