#!/bin/sh
# run_outputs.sh TOY WORK_DIR — outputs and checkpoints never clobber what
# they must not (issue 17, R6-R8), on the runtime's toy model:
#   - `simulate --out /dev/full` is refused (a device is not a regular file)
#     and the device is still a device; `--out -` writes to standard output;
#   - a write that fails (file size limit: short writes, EFBIG) exits 3 and
#     leaves the previous output, metrics or checkpoint intact, with no
#     temporary left behind;
#   - a second `train` on a checkpoint another run holds is refused;
#   - temporaries a killed run left next to the checkpoint are removed.
set -eu
TOY=$1
WORK=$2
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
awk 'BEGIN { print "date,P,PET,q_obs"; for (d = 0; d < 1500; d++) {
         t = d * 86400 + 946684800; printf "%s,%.3f,%.3f,%.3f\n", strftime("%Y-%m-%d", t, 1),
         (d % 7 == 0) ? 12 : 0.5, 2 + sin(d / 58.0), 1 + cos(d / 40.0) } }' > f.csv
fail() { echo "NOT OK: $*"; exit 1; }

# R6: special files are refused, '-' is standard output
if "$TOY" simulate --forcing-csv f.csv --out /dev/full 2> err.txt; then fail "wrote over /dev/full"; fi
grep -q "is not a regular file" err.txt || fail "no clear error for /dev/full: $(cat err.txt)"
[ -c /dev/full ] || fail "/dev/full is no longer a device"
"$TOY" simulate --forcing-csv f.csv --out - | head -1 | grep -q '^date,' || fail "--out - wrote no CSV"

# a failing write keeps the previous file
echo "previous" > q.csv
code=0
(ulimit -f 8; trap '' XFSZ; exec "$TOY" simulate --forcing-csv f.csv --states --out q.csv) 2> err.txt || code=$?
[ "$code" -eq 3 ] || fail "a short write exited $code, not 3"
[ "$(cat q.csv)" = "previous" ] || fail "the previous output was clobbered"
ls q.csv.tmp* > /dev/null 2>&1 && fail "a temporary was left behind"
grep -q "cannot write 'q.csv'" err.txt || fail "no error naming the output: $(cat err.txt)"

# checkpoints: a good one first, then one that cannot be written
cat > run.conf <<CONF
forcing_csv = f.csv
basins = b1
train = 2000-01-01:2002-12-31
batch = 4
rho = 60
warmup = 30
iters_per_epoch = 2
threads = 1
CONF
"$TOY" train --config run.conf --epochs 1 --checkpoint ck.bin > /dev/null
cp ck.bin ck.good
code=0
(ulimit -f 1; trap '' XFSZ; exec "$TOY" train --config run.conf --epochs 2 --checkpoint ck.bin --resume) \
    > /dev/null 2> err.txt || code=$?
[ "$code" -ne 0 ] || fail "a checkpoint that could not be written was not an error"
cmp -s ck.bin ck.good || fail "the previous checkpoint was clobbered"
"$TOY" eval --checkpoint ck.bin --period 2001-01-01:2002-12-31 --out m.csv > /dev/null
echo "previous" > m.csv
code=0
(ulimit -f 0; trap '' XFSZ; exec "$TOY" eval --checkpoint ck.bin --period 2001-01-01:2002-12-31 --out m.csv) \
    > /dev/null 2>&1 || code=$?
[ "$code" -eq 3 ] && [ "$(cat m.csv)" = "previous" ] || fail "metrics: exit $code, or the previous file clobbered"

# R8: one writer per checkpoint (flock of ck.bin.lock, as a running train holds it)
if command -v flock > /dev/null; then
    flock ck.bin.lock sleep 3 &
    sleep 0.5
    if "$TOY" train --config run.conf --epochs 1 --checkpoint ck.bin 2> err.txt > /dev/null; then
        fail "a second writer of ck.bin was let in"
    fi
    grep -q "another \`train\` is writing checkpoint" err.txt || fail "no clear error: $(cat err.txt)"
    wait
fi
# R7: temporaries of a killed run are cleaned by the next run on that checkpoint
touch ck.bin.tmpAbC123 ck.best.bin.tmpXyZ789
"$TOY" train --config run.conf --epochs 1 --checkpoint ck.bin > /dev/null
ls ck.bin.tmp* ck.best.bin.tmp* > /dev/null 2>&1 && fail "stale temporaries left"
echo "outputs: special files refused, failed writes keep the previous files, one writer per checkpoint"
