#!/bin/sh
# vector_math.sh DGC SRCROOT SHARED WORKDIR — tanh vectorised across cells in
# a real model, through the dgc command line: stdlib EXP-HYDRO (smooth steps
# (tanh(5 x) + 1) / 2) built with -O2 calls SLEEF's vector tanh in its f64
# and f32 kernels (--emit-llvm), and simulates 16 components with their own
# parameters on basin 01013500 to within 1e-12 relative of the -O0 build,
# whose kernels are scalar and call libm's tanh.
# Exit 77 (skipped) when SHARED/data/exphydro is absent.
set -eu
dgc=$1 root=$2 shared=$3 work=$4
data=$shared/data/exphydro/01013500.csv
[ -f "$data" ] || { echo "vector_math: no $data: skipped"; exit 77; }
mkdir -p "$work"
cd "$work"
rm -f exphydro_* *.csv *.ll

fail() { echo "FAIL: $*" >&2; exit 1; }

model=$root/stdlib/models/exphydro.dg
"$dgc" "$model" -o exphydro_O2 --emit-llvm exphydro_O2.ll || fail "dgc -O2"
"$dgc" "$model" -O0 -o exphydro_O0 --emit-llvm exphydro_O0.ll || fail "dgc -O0"
# "%12 = call <4 x double> @Sleef_tanhd4_u35(<4 x double> %11)"
for p in d f; do
    grep -q "call <[0-9]* x [a-z]*> @Sleef_tanh${p}[0-9]*_u[0-9]*(" exphydro_O2.ll || fail "no vector tanh ($p) in -O2 IR"
done
echo "-O2 calls $(grep 'call <' exphydro_O2.ll | grep -o '@Sleef_tanh[df][0-9]*_u[0-9]*(' | sort -u | tr -d '(@' | tr '\n' ' ')"
grep -q "call <.*@Sleef_" exphydro_O0.ll && fail "-O0 IR has vector calls"
grep -q "call double @tanh(" exphydro_O0.ll || fail "-O0 IR calls no scalar tanh"

# 16 components, parameters spread over their bounds
awk 'BEGIN {
    print "name,value,component"
    split("f 0 0.1 Smax 100 2000 Qmax 10 50 Df 0 5 Tmax 0 3 Tmin -3 0", a, " ")
    for (k = 0; k < 16; k++)
        for (i = 1; i <= 18; i += 3)
            printf "%s,%.6g,%d\n", a[i], a[i + 1] + ((k * 5 + i) % 13 + 0.5) / 13.5 * (a[i + 2] - a[i + 1]), k
}' > params16.csv
map="--map P=prcp(mm/day) --map T=tmean(C) --map Lday=dayl(day)"
for o in O0 O2; do
    # shellcheck disable=SC2086
    ./exphydro_$o simulate --forcing-csv "$data" $map --period 1981-10-01:1991-09-30 --params params16.csv \
        --components 16 --states --out q_$o.csv || fail "exphydro_$o simulate"
done
[ "$(wc -l < q_O2.csv)" -gt 3600 ] || fail "short output"

# |a - b| <= 1e-12 max(|a|, |b|, 1e-3) for every number; prints the largest relative difference
res=$(awk -F, 'NR == FNR { row[FNR] = $0; next }
    FNR == 1 { if ($0 != row[1]) { print "headers differ"; bad = 1 }; next }
    {
        n = split(row[FNR], a, ",")
        if (n != NF) { print "line " FNR ": " n " vs " NF " fields"; bad = 1; next }
        for (i = 2; i <= NF; i++) {
            x = a[i] + 0; y = $i + 0; d = x > y ? x - y : y - x
            s = x < 0 ? -x : x; t = y < 0 ? -y : y; if (t > s) s = t; if (s < 1e-3) s = 1e-3
            if (d / s > worst) worst = d / s
            if (d > 1e-12 * s) { if (!bad) print "line " FNR " field " i ": " a[i] " vs " $i; bad = 1 }
        }
    }
    END { printf "largest relative difference %.3g\n", worst; exit bad }' q_O0.csv q_O2.csv) \
    || fail "-O2 (vector tanh) and -O0 (scalar) differ: $res"
echo "16 components, -O2 vs -O0: $res"
echo "vector_math: ok"
