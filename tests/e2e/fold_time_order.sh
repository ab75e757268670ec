#!/bin/sh
# psys-fold --time-order, end to end: a capture (real BPF sampling) of one
# CPU running load A, then load B, folded in time order and drawn as a
# flame chart by psys-svg --flamechart (and by flamegraph.pl --flamechart
# when FLAMEGRAPH_PL names a copy: it is in no Debian package, so CI has
# none). A's frames must lie left of B's; the lines must add up to the
# sorted fold of the same samples, each CPU's under its "cpu N" frame, no
# two neighbours alike; and the option's misuse is a usage error. A's
# name sorts after B's, so a sorted fold would draw them the other way.
. "$TOP/tests/lib.sh"
require_bpf

psys-fold --help | grep -q -- '--time-order' || fail "--help does not mention --time-order"
printf 'x' > "$T/junk"
for bad in "--format speedscope" "--format pprof" "--diff $T/junk"; do
	rc=0; psys-fold --time-order $bad "$T/junk" > /dev/null 2> "$T/err" || rc=$?
	[ $rc -eq 2 ] || fail "--time-order $bad: exit $rc, want 2"
	grep -q -- "--time-order is for folded output" "$T/err" || fail "--time-order $bad: $(cat "$T/err")"
done

set -- $(least_loaded_cpu)
cpu=$1
A=psys-to-z-first
B=psys-to-a-last
{
	sleep 0.3
	loadgen -c $cpu -t 0.8 -w stat -n $A > /dev/null
	loadgen -c $cpu -t 0.8 -w mmap -n $B > /dev/null
} &
psys-record -C $cpu -f 999 -s 2.2 -o "$T/cap.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
wait

psys-fold --time-order "$T/cap.psys" > "$T/meta.folded" || fail "psys-fold --time-order: exit $?"
grep -q '^# timeline' "$T/meta.folded" && fail "--time-order wrote a timeline"
psys-fold --time-order --no-meta "$T/cap.psys" > "$T/to.folded" || fail "psys-fold --time-order --no-meta"
grep -v '^#' "$T/meta.folded" | cmp -s - "$T/to.folded" || fail "--no-meta changed the lines"
grep -q "^cpu $cpu;$A;" "$T/to.folded" || fail "no line of load A under cpu $cpu"
grep -q "^cpu $cpu;$B;" "$T/to.folded" || fail "no line of load B under cpu $cpu"
grep -v "^cpu [0-9]*;" "$T/to.folded" && fail "a line without its cpu frame"

# The same samples as the sorted fold, runs merged.
psys-fold --per-cpu --no-meta --no-timeline "$T/cap.psys" > "$T/sorted.folded"
awk '{ c = $NF; $NF = ""; n[$0] += c } END { for (s in n) print s n[s] }' "$T/to.folded" |
	sort > "$T/summed"
sort "$T/sorted.folded" | cmp -s - "$T/summed" || fail "the time-ordered lines do not add up to the sorted fold"
awk '{ c = $NF; $NF = ""; cpu = $0; sub(/;.*/, "", cpu)
	if ($0 == prev) { print "line " NR " repeats line " NR - 1; exit 1 }
	if (cpu < pcpu) { print "line " NR ": " cpu " after " pcpu; exit 1 }
	prev = $0; pcpu = cpu }' "$T/to.folded" > "$T/bad" || fail "$(cat "$T/bad")"

# In time order: every line of A before every line of B.
a_last=$(grep -n ";$A;" "$T/to.folded" | tail -n 1 | cut -d: -f1)
b_first=$(grep -n ";$B;" "$T/to.folded" | head -n 1 | cut -d: -f1)
[ "$a_last" -lt "$b_first" ] || fail "A's last line ($a_last) is not before B's first ($b_first)"
measure "$(wc -l < "$T/to.folded") time-ordered lines for $(wc -l < "$T/sorted.folded") sorted ones"

# chart SVG COMM: "LEFT RIGHT", the extent of COMM's frames.
chart() {
	python3 - "$1" "$2" <<'PY'
import re, sys
svg, comm = open(sys.argv[1]).read(), sys.argv[2]
xs = []
for m in re.finditer(r'<title>([^<]*)</title>\s*<rect x="([0-9.]+)"[^>]*width="([0-9.]+)"', svg):
    if m.group(1).startswith(comm + ' ('):
        xs.append((float(m.group(2)), float(m.group(2)) + float(m.group(3))))
if not xs:
    sys.exit("no frame of %s" % comm)
print(min(x for x, _ in xs), max(x for _, x in xs), len(xs))
PY
}
# left_of SVG: A's frames end where B's start, or before.
left_of() {
	set -- "$1" $(chart "$1" $A) $(chart "$1" $B)
	python3 -c "import sys; sys.exit(not float(sys.argv[1]) <= float(sys.argv[2]) + 0.01)" "$3" "$5" ||
		fail "$1: A's frames reach x=$3, B's start at x=$5"
	echo "$1: A at x $2..$3 ($4 frames), B at x $5..$6 ($7 frames)"
}
psys-svg --flamechart "$T/meta.folded" > "$T/psys.svg" 2> "$T/svg.err" || fail "psys-svg --flamechart: $(cat "$T/svg.err")"
measure "$(left_of "$T/psys.svg")"
psys-svg --flamechart "$T/to.folded" > "$T/plain.svg" || fail "psys-svg --flamechart, no metadata"
grep -q '>Flame Chart</text>' "$T/plain.svg" || fail "not drawn as a flame chart"
left_of "$T/plain.svg" > /dev/null

fg=${FLAMEGRAPH_PL:-$(command -v flamegraph.pl || true)}
if [ -n "$fg" ]; then
	perl "$fg" --flamechart "$T/to.folded" > "$T/fg.svg" 2> "$T/fg.err" || fail "flamegraph.pl: $(cat "$T/fg.err")"
	measure "flamegraph.pl: $(left_of "$T/fg.svg")"
else
	echo "note: flamegraph.pl not found (FLAMEGRAPH_PL=path/to/flamegraph.pl runs it too)"
fi
