#!/bin/sh
# tests/examples/first_model.sh DGC SHARED_DIR WORK_DIR — the walk-through
# "Writing your first model" of lang/REFERENCE.md, through
# examples/first_model/run.sh: the files it shows are the files of
# examples/first_model/ (every .dg there is shown), every command it gives
# runs, and what they print holds up: the simulations cover the year asked
# for, and the five test-period scores (defaults, calibrated, hybrid, LSTM,
# variant) are there, calibration beats the defaults and every trained model
# reaches NSE 0.6. Exit 77 without shared/data.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$2/data/camels_us/basin_mean_forcing" ] || { echo "first_model: $2/data/camels_us not found, skipped"; exit 77; }
DGC="$1" SHARED="$2" OUT="$3" sh "$ROOT/examples/first_model/run.sh"
for f in "$ROOT"/examples/first_model/*.dg; do
    flat=$(printf 'examples/first_model/%s' "$(basename "$f")" | sed 's/\//__/g')
    grep -qxF "$flat" "$3/shown.list" || { echo "NOT OK: $(basename "$f") is not shown in the walk-through"; exit 1; }
done
for csv in q_step.csv q_eq.csv; do
    n=$(wc -l <"$3/root/$csv")
    [ "$n" -eq 366 ] || { echo "NOT OK: $csv has $n lines, want 366 (header + 365 days)"; exit 1; }
done
# the metrics rows of the five evaluations, in the walk-through's order
awk '$1 == "01031500" && NF == 11 { nse[++n] = $3 }
     END {
         if (n != 5) { print "NOT OK: " n " evaluations, want 5"; exit 1 }
         printf "first_model: test NSE defaults %s, calibrated %s, hybrid %s, LSTM %s, variant %s\n",
                nse[1], nse[2], nse[3], nse[4], nse[5]
         if (!(nse[2] > nse[1] + 0.05)) { print "NOT OK: calibration does not beat the defaults"; exit 1 }
         for (i = 2; i <= 5; i++) if (!(nse[i] > 0.6)) { print "NOT OK: evaluation " i " has NSE " nse[i]; exit 1 }
     }' "$3/walkthrough.log"
