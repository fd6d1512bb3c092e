#!/usr/bin/env bash
# fuzz.sh BUILD_DIR SECONDS [HARNESS...] — runs libFuzzer harnesses one after
# the other, SECONDS each (default: all of them):
#   frontend    the .dg front end (tests/fuzz/fuzz_frontend.c)
#   forcing streamflow attributes params config checkpoint netcdf
#               the runtime's readers (tests/fuzz/fuzz_<reader>.c)
# The working corpus of a harness is BUILD_DIR/corpus_<harness> (the front
# end's: BUILD_DIR/corpus): its seeds from tests/fuzz/corpus[_<reader>] are
# copied in (plus every stdlib/examples .dg file for the front end); inputs of
# earlier runs are kept, so runs accumulate. A crash, leak, timeout or
# out-of-memory input lands in BUILD_DIR/artifacts/<harness>/; to keep one as
# a regression input, fix the bug and copy it into the seed directory.
# Prints a table (harness, seconds, executions, findings) and exits 1 when a
# harness found something. Dictionaries: tests/fuzz/dg.dict (front end),
# tests/fuzz/<reader>.dict when present. Scratch files of the readers go to
# /dev/shm when it is writable (FUZZ_TMPDIR=DIR to choose).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${2:-600}
shift 2 2>/dev/null || shift $#
all=(frontend forcing streamflow attributes params config checkpoint netcdf)
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${all[@]}")

# The reader harnesses write each input to a file: in memory (tmpfs) that is
# some 30 times faster than on disk. FUZZ_TMPDIR overrides the choice.
if [ -n "${FUZZ_TMPDIR:-}" ]; then
    export TMPDIR=$FUZZ_TMPDIR
elif [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
fi

rows=()
failed=0
for h in "${harnesses[@]}"; do
    fuzzer=$build/bin/fuzz_$h
    [ -x "$fuzzer" ] || { echo "fuzz: $fuzzer not built" >&2; exit 1; }
    if [ "$h" = frontend ]; then
        corpus=$build/corpus seeds=tests/fuzz/corpus dict=tests/fuzz/dg.dict max_len=4096
    else
        corpus=$build/corpus_$h seeds=tests/fuzz/corpus_$h dict=tests/fuzz/$h.dict max_len=4096
        case $h in forcing) max_len=8192 ;; checkpoint | netcdf) max_len=16384 ;; esac
    fi
    artifacts=$build/artifacts/$h
    mkdir -p "$corpus" "$artifacts"
    find "$seeds" -maxdepth 1 -type f ! -name '.*' -exec cp -p {} "$corpus/" \;
    if [ "$h" = frontend ]; then
        find stdlib examples -name '*.dg' -type f 2>/dev/null | while read -r f; do
            cp -p "$f" "$corpus/seed_$(echo "$f" | tr '/' '_')"
        done
    fi
    before=$(find "$artifacts" -type f | wc -l)
    args=(-max_total_time="$seconds" -max_len="$max_len" -timeout=5 -print_final_stats=1
          -artifact_prefix="$artifacts/")
    [ -f "$dict" ] && args+=(-dict="$dict")
    # HDF5's own leaks on damaged netCDF-4 files are not ours (lsan_netcdf.supp)
    lsan=${LSAN_OPTIONS:-}
    [ "$h" = netcdf ] && lsan="${lsan:+$lsan:}suppressions=$PWD/tests/fuzz/lsan_netcdf.supp"
    log=$build/fuzz_$h.log
    echo "fuzz: $fuzzer $corpus ${args[*]} (log: $log)"
    LSAN_OPTIONS=$lsan "$fuzzer" "$corpus" "${args[@]}" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    found=$(( $(find "$artifacts" -type f | wc -l) - before ))
    [ $rc -ne 0 ] || [ "$found" -gt 0 ] && failed=1
    [ $rc -ne 0 ] && grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log" >&2
    rows+=("$(printf '%-11s %8s %12s %9s' "$h" "$seconds" "${execs:-?}" "$found")")
done
printf '%-11s %8s %12s %9s\n' harness seconds executions findings
printf '%s\n' "${rows[@]}"
exit $failed
