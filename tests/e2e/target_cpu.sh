#!/bin/sh
# target_cpu.sh DGC MODEL.dg SHARED WORKDIR — dgc -o --target-cpu on HBV:
#   the default builds for this machine's CPU (as the JIT does) and
#   --target-cpu=generic for any x86-64; `info` of each says so ("built for:");
#   both simulate CAMELS 01031500 to identical CSV with one component (scalar
#   kernels), and to within 1e-12 relative with 16 components, where the
#   cells run through vector math of different widths (SSE vs AVX variants
#   differ in the last bits); an LLVM CPU name (x86-64-v3) works when this
#   machine can run it; an unknown name is a usage error (exit 2) that says
#   how to list the valid ones, and so is --target-cpu with `dgc run`.
# Exit 77 (skipped) when SHARED/data is absent.
set -eu
dgc=$1 model=$2 shared=$3 work=$4
camels=$shared/data/camels_us
[ -d "$camels/basin_mean_forcing" ] || { echo "target_cpu: no CAMELS data in $camels: skipped"; exit 77; }
mkdir -p "$work"
cd "$work"
rm -f hbv_* *.csv *.txt *.err

fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- what each executable says it was built for
"$dgc" "$model" -o hbv_default || fail "dgc -o (default)"
"$dgc" "$model" -o hbv_native --target-cpu=native || fail "dgc -o --target-cpu=native"
"$dgc" "$model" -o hbv_generic --target-cpu generic || fail "dgc -o --target-cpu generic"
for exe in default native generic; do
    ./hbv_$exe info | grep '^  built for: ' > built_$exe.txt || fail "hbv_$exe info has no 'built for' line"
    echo "hbv_$exe $(cat built_$exe.txt)"
done
grep -q 'cpu generic, 128-bit vectors$' built_generic.txt || fail "generic build: $(cat built_generic.txt)"
grep -q ' (native' built_default.txt || fail "default build is not for this machine: $(cat built_default.txt)"
cmp -s built_default.txt built_native.txt || fail "default and --target-cpu=native builds differ in 'info'"
"$dgc" run "$model" info | grep '^  built for: ' > built_jit.txt || fail "dgc run info"
cmp -s built_default.txt built_jit.txt || fail "the JIT and the default executable are not built alike"

# ---- the same outputs: one component (every cell through the scalar remainder loop) ...
period=1990-10-01:1995-09-30
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
for exe in default generic; do
    for prec in f64 f32; do
        ./hbv_$exe simulate --data "$camels" --basin 01031500 --period $period --params params.csv \
            --precision $prec --states --out q1_${exe}_$prec.csv || fail "hbv_$exe simulate ($prec)"
    done
done
[ "$(wc -l < q1_default_f64.csv)" -gt 1800 ] || fail "short output"
cmp q1_default_f64.csv q1_generic_f64.csv || fail "native and generic differ (f64, 1 component)"
cmp q1_default_f32.csv q1_generic_f32.csv || fail "native and generic differ (f32, 1 component)"

# ... and 16 components with their own parameters (vector loops over cells)
awk 'BEGIN {
    print "name,value,component"
    split("BETA 1 6 FC 50 1000 K0 0.05 0.9 K1 0.01 0.5 K2 0.001 0.2 LP 0.2 1 PERC 0 10 UZL 0 100 " \
          "TT -2.5 2.5 CFMAX 0.5 10 CFR 0 0.1 CWH 0 0.2", a, " ")
    for (k = 0; k < 16; k++)
        for (i = 1; i <= 36; i += 3)
            printf "%s,%.6g,%d\n", a[i], a[i + 1] + ((k * 7 + i) % 17) / 17.0 * (a[i + 2] - a[i + 1]), k
    print "route_a,1.5,0"; print "route_b,3,0"
}' > params16.csv
for exe in default generic; do
    ./hbv_$exe simulate --data "$camels" --basin 01031500 --period $period --params params16.csv \
        --components 16 --states --out q16_$exe.csv || fail "hbv_$exe simulate (16 components)"
done

# |a - b| <= 1e-12 max(|a|, |b|, 1e-3) for every number; prints the largest relative difference
same_to_1e12() {
    awk -F, 'NR == FNR { row[FNR] = $0; next }
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
        END { printf "largest relative difference %.3g\n", worst; exit bad }' "$1" "$2"
}
res=$(same_to_1e12 q16_default.csv q16_generic.csv) || fail "native and generic, 16 components: $res"
echo "16 components, native vs generic: $res"

# ---- a named CPU, when this machine has what x86-64-v3 needs
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && grep -qw bmi2 /proc/cpuinfo \
    && grep -qw movbe /proc/cpuinfo; then
    "$dgc" "$model" -o hbv_v3 --target-cpu=x86-64-v3 || fail "dgc -o --target-cpu=x86-64-v3"
    ./hbv_v3 info | grep -q '^  built for: x86_64 cpu x86-64-v3, 256-bit vectors$' \
        || fail "x86-64-v3 build: $(./hbv_v3 info | grep 'built for')"
    ./hbv_v3 simulate --data "$camels" --basin 01031500 --period $period --params params16.csv \
        --components 16 --states --out q16_v3.csv || fail "hbv_v3 simulate"
    res=$(same_to_1e12 q16_default.csv q16_v3.csv) || fail "native and x86-64-v3, 16 components: $res"
    echo "16 components, native vs x86-64-v3: $res"
fi

# ---- usage errors: exit 2, a message naming the CPU and how to list the valid names, no file
set +e
"$dgc" "$model" -o hbv_bogus --target-cpu=no-such-cpu 2> bogus.err
rc=$?
"$dgc" run "$model" --target-cpu=generic -- info > /dev/null 2> run.err
rc_run=$?
set -e
[ $rc -eq 2 ] || fail "unknown CPU: exit $rc, want 2"
grep -q "unknown CPU 'no-such-cpu' in --target-cpu" bogus.err || fail "unknown CPU: message: $(cat bogus.err)"
grep -q -- "-mcpu=help" bogus.err && grep -q -- "--print-supported-cpus" bogus.err \
    || fail "unknown CPU: no hint how to list CPU names: $(cat bogus.err)"
grep -q "not a recognized processor" bogus.err && fail "LLVM's own warning leaked: $(cat bogus.err)"
[ ! -e hbv_bogus ] || fail "an executable was written for an unknown CPU"
[ $rc_run -eq 2 ] || fail "dgc run --target-cpu=generic: exit $rc_run, want 2"
echo "target_cpu: ok"
