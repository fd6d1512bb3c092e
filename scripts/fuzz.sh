#!/usr/bin/env bash
# fuzz.sh BUILD_DIR SECONDS — runs the libFuzzer front-end target for SECONDS.
# The working corpus is BUILD_DIR/corpus: the seeds of tests/fuzz/corpus plus
# every stdlib/examples .dg file are copied in (existing inputs are kept, so
# runs accumulate). Crashes land in BUILD_DIR/artifacts/; to keep one as a
# regression input, copy it into tests/fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${2:-600}
fuzzer=$build/bin/fuzz_frontend
[ -x "$fuzzer" ] || { echo "fuzz: $fuzzer not built" >&2; exit 1; }

corpus=$build/corpus
mkdir -p "$corpus" "$build/artifacts"
find tests/fuzz/corpus -maxdepth 1 -type f ! -name '.*' -exec cp -p {} "$corpus/" \;
find stdlib examples -name '*.dg' -type f 2>/dev/null | while read -r f; do
    cp -p "$f" "$corpus/seed_$(echo "$f" | tr '/' '_')"
done

args=(-max_total_time="$seconds" -max_len=4096 -timeout=5 -artifact_prefix="$build/artifacts/")
[ -f tests/fuzz/dg.dict ] && args+=(-dict=tests/fuzz/dg.dict)
echo "fuzz: $fuzzer $corpus ${args[*]}"
exec "$fuzzer" "$corpus" "${args[@]}"
