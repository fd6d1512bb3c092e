#!/bin/sh
# examples/first_model/run.sh — runs the walk-through "Writing your first
# model" of lang/REFERENCE.md: every ```sh block of that section, in order,
# exactly as written, in a folder of its own ($OUT/root, where build/bin/dgc
# and examples/ point into this tree and ../shared is $SHARED). Before that,
# every block that starts with `# file: PATH` must equal the file PATH of
# this tree, so the text and the files cannot drift apart. The commands'
# output goes to $OUT/walkthrough.log.
#   DGC     dgc to use (default: build/bin/dgc of this tree)
#   SHARED  the shared folder with data/camels_us (default: ../shared)
#   OUT     work folder (default: build/first_model)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DGC=${DGC:-$ROOT/build/bin/dgc}
SHARED=${SHARED:-$ROOT/../shared}
OUT=${OUT:-$ROOT/build/first_model}
DOC=$ROOT/lang/REFERENCE.md
case $DGC in /*) ;; *) DGC=$(pwd)/$DGC ;; esac
case $SHARED in /*) ;; *) SHARED=$(pwd)/$SHARED ;; esac

rm -rf "$OUT"
mkdir -p "$OUT/root/build/bin" "$OUT/shown"
ln -s "$DGC" "$OUT/root/build/bin/dgc"
ln -s "$ROOT/examples" "$OUT/root/examples"
ln -s "$SHARED" "$OUT/shared"

# the section's fenced blocks: commands to walkthrough.sh, shown files to shown/PATH
awk -v out="$OUT" '
    /^## / { inside = ($0 == "## Writing your first model") }
    !inside { next }
    /^```/ && !fence { fence = 1; lang = substr($0, 4); first = 1; file = ""; next }
    /^```$/ && fence { fence = 0; if (file != "") close(file); next }
    fence && first && /^# file: / {
        split($0, w, " "); gsub(/\//, "__", w[3]); file = out "/shown/" w[3]
        print w[3] > (out "/shown.list")
    }
    fence { first = 0
            if (lang == "sh") print > (out "/walkthrough.sh")
            if (file != "") print > file }
' "$DOC"
[ -s "$OUT/walkthrough.sh" ] || { echo "run.sh: no commands found in the walk-through of $DOC"; exit 1; }
while read -r flat; do
    path=$(printf '%s' "$flat" | sed 's/__/\//g')
    if ! diff -u "$ROOT/$path" "$OUT/shown/$flat" >"$OUT/shown/$flat.diff"; then
        echo "run.sh: $path differs from the walk-through in lang/REFERENCE.md:"
        cat "$OUT/shown/$flat.diff"
        exit 1
    fi
done <"$OUT/shown.list"
echo "walk-through: $(wc -l <"$OUT/shown.list") files as shown, $(grep -c '^build/bin/dgc' "$OUT/walkthrough.sh") dgc commands"

cd "$OUT/root"
sh -eu "$OUT/walkthrough.sh" >"$OUT/walkthrough.log" 2>&1 || {
    echo "run.sh: a command of the walk-through failed; the end of $OUT/walkthrough.log:"
    tail -n 20 "$OUT/walkthrough.log"
    exit 1
}
echo "walk-through: every command ran; output in $OUT/walkthrough.log"
