#!/usr/bin/env bash
# demo.sh — the main job (`make demo`): check every stdlib model and example,
# compile the δHBV example to a native executable, train it on the real
# CAMELS data in ../shared/data, then report test-period metrics per basin
# beside the CAMELS SAC-SMA benchmark and write hydrograph plots (SVG).
#   DGC=path/to/dgc     (default build/bin/dgc)
#   DATA=CAMELS-US dir  (default ../shared/data/camels_us)
set -euo pipefail
cd "$(dirname "$0")/.."
dgc=${DGC:-build/bin/dgc}
data=${DATA:-../shared/data/camels_us}
out=build/demo
[ -x "$dgc" ] || { echo "demo: $dgc not built (run make build)" >&2; exit 1; }
[ -d "$data" ] || { echo "demo: CAMELS data not found at $data (set DATA=...)" >&2; exit 1; }
mkdir -p "$out"

echo "==== 1. checking every stdlib model and example"
mapfile -t files < <(find stdlib examples -name '*.dg' -type f | LC_ALL=C sort)
for f in "${files[@]}"; do "$dgc" check "$f"; done
echo "${#files[@]} files check clean"
"$dgc" check --summary examples/dhbv/dhbv.dg

echo
echo "==== 2. compiling examples/dhbv/dhbv.dg to a native executable"
time "$dgc" examples/dhbv/dhbv.dg -o "$out/dhbv"

echo
echo "==== 3. training δHBV on $data (config examples/dhbv/train.cfg)"
rm -f "$out/dhbv.ck" "$out/dhbv.best.ck"
"$out/dhbv" train --config examples/dhbv/train.cfg --data "$data" --checkpoint "$out/dhbv.ck" --log-every 20

echo
echo "==== 4. test period 1995-10-01:2010-09-30, δHBV vs the CAMELS SAC-SMA benchmark (MOD_RUN)"
"$out/dhbv" eval --checkpoint "$out/dhbv.ck" --benchmark --plot "$out/plots" --out "$out/metrics.csv"
echo
echo "metrics: $out/metrics.csv; hydrographs (observed, δHBV, SAC-SMA): $out/plots/*.svg"
