#!/bin/sh
# psys-svg against flamegraph.pl on FlameGraph's own test suite: every
# test/results/*.txt drawn by both (flamegraph.pl run with perl, the
# oracle) under the default options, --inverted, --reverse, --flamechart,
# --minwidth (px and %), --width, --hash, --colors java|js|mem and as a
# differential input, plus inputs of our own for what the suite lacks
# (tests/tools/fgpl-compare.py says which): each frame's name, count, x,
# width and depth (0.5 px) and its colour must agree, or differ in a way
# psys-svg(1) documents, which the comparison names (split, kinds,
# fractional, comment). Then what psys-svg does on its own: the subtitle's
# count is the graph's, whatever a foreign "# samples:" line says.
# FlameGraph is at ../shared/reference/FlameGraph from the project root
# (FLAMEGRAPH_DIR= names another copy).
. "$TOP/tests/lib.sh"

[ -x "$BUILD/psys-svg" ] || fail "psys-svg not built"
command -v perl > /dev/null || skip "perl not installed"
fg=${FLAMEGRAPH_DIR:-}
if [ -z "$fg" ]; then
	# A worktree of the project sits one folder deeper than its clone.
	for d in "$TOP/../shared/reference/FlameGraph" "$TOP/../../shared/reference/FlameGraph"; do
		[ -f "$d/flamegraph.pl" ] && fg=$d && break
	done
fi
[ -n "$fg" ] && [ -f "$fg/flamegraph.pl" ] && [ -d "$fg/test/results" ] ||
	skip "FlameGraph not at $TOP/../shared/reference/FlameGraph (FLAMEGRAPH_DIR=)"

python3 "$TOP/tests/tools/fgpl-compare.py" "$fg" "$BUILD/psys-svg" "$T" > "$T/out" 2>&1 || {
	grep -v '^measure:' "$T/out" | head -20 >&2
	fail "psys-svg's frames differ from flamegraph.pl's (tests/tools/fgpl-compare.py)"
}
grep '^measure:' "$T/out"
grep -q '^measure: flamegraph.pl suite, all option sets: 951 graphs' "$T/out" ||
	fail "not every input and option set compared: $(grep 'all option sets' "$T/out")"

# The subtitle counts what the graph holds.
printf '# samples: 1200\na;b 60\nc 40\n' | psys-svg > "$T/sub.svg" || fail "psys-svg"
grep -q '<text id="subtitle"[^>]*>100 samples</text>' "$T/sub.svg" ||
	fail "subtitle: $(grep -o '<text id="subtitle"[^<]*' "$T/sub.svg")"
exit 0
