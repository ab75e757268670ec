#!/bin/sh
# SVG speed: psys-svg on a deterministic folded input of 100,000 distinct
# stacks, 1,000,000 samples, average depth 26 (tests/tools/gen-folded),
# sorted as collapsers write it and unsorted; prints the median wall time
# of RUNS runs, the median peak RSS (from /usr/bin/time, when installed)
# and the output size. With
# FLAMEGRAPH_PL=/path/to/flamegraph.pl it runs that on the same input too.
#
#   bench/svg.sh [BUILD_DIR]      (RUNS=7 by default; FLAMEGRAPH_RUNS=3)
set -eu
LC_ALL=C; export LC_ALL
BUILD=$(cd "${1:-build}" && pwd)
RUNS=${RUNS:-7}
[ -x "$BUILD/psys-svg" ] && [ -x "$BUILD/tests/gen-folded" ] || {
	echo "bench/svg.sh: build psys-svg and tests/gen-folded into $BUILD first" >&2
	exit 1
}
T=$(mktemp -d "${TMPDIR:-/tmp}/psys-bench-svg.XXXXXX")
trap 'rm -rf "$T"' EXIT

"$BUILD/tests/gen-folded" > "$T/sorted.folded"
"$BUILD/tests/gen-folded" -u > "$T/unsorted.folded"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1e6 }'; }

# run LABEL RUNS command... (input on stdin from $IN, output to $T/out.svg)
run() {
	label=$1 runs=$2; shift 2
	: > "$T/times"
	: > "$T/rss"
	i=0
	while [ $i -lt "$runs" ]; do
		start=$(date +%s%N)
		"$@" < "$IN" > "$T/out.svg" 2> /dev/null || true
		end=$(date +%s%N)
		echo "$start $end" | awk '{ printf "%.4f\n", ($2 - $1) / 1e9 }' >> "$T/times"
		# Peak memory from a separate run, so that timing has no
		# wrapper in it.
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%M' -o "$T/one" "$@" < "$IN" > /dev/null 2>&1 || true
			cat "$T/one" >> "$T/rss"
		else
			echo 0 >> "$T/rss"
		fi
		i=$((i + 1))
	done
	printf '%-22s median %.3f s (%d runs, min %s, max %s), peak RSS %s, output %s\n' \
		"$label" "$(median < "$T/times")" "$runs" \
		"$(sort -n "$T/times" | head -n 1)" "$(sort -n "$T/times" | tail -n 1)" \
		"$(mb $(($(median < "$T/rss") * 1024)))" "$(mb "$(wc -c < "$T/out.svg")")"
}

echo "input: $(wc -l < "$T/sorted.folded") stacks," \
	"$(awk '{ s += $NF } END { print s }' "$T/sorted.folded") samples," \
	"average depth $(awk '{ d += gsub(/;/, ";") + 1 } END { printf "%.1f", d / NR }' "$T/sorted.folded")," \
	"$(mb "$(wc -c < "$T/sorted.folded")") (gen-folded)"
IN=$T/sorted.folded run "psys-svg (sorted)" "$RUNS" "$BUILD/psys-svg"
cp "$T/out.svg" "$T/psys.svg"
IN=$T/unsorted.folded run "psys-svg (unsorted)" "$RUNS" "$BUILD/psys-svg"
if [ -n "${FLAMEGRAPH_PL:-}" ]; then
	IN=$T/sorted.folded run "flamegraph.pl" "${FLAMEGRAPH_RUNS:-3}" perl "$FLAMEGRAPH_PL"
	echo "frames: psys-svg $(grep -c '^<g data-x=' "$T/psys.svg")," \
		"flamegraph.pl $(grep -c '^<title>' "$T/out.svg")"
fi
