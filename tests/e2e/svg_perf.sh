# psys-svg renders what `perf script report stackcollapse` writes, as it
# is: a real perf capture of a sys load taken here (perf record -g on one
# CPU), collapsed by perf's own report script, piped into psys-svg. The
# SVG is well-formed XML, no input line is skipped, the total and the
# load's own frames carry the counts of the folded text, and the
# script's --kernel marks (_[k]) colour kernel frames without showing.
. "$TOP/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "not root (perf record -C needs CAP_PERFMON)"
command -v perf > /dev/null || skip "perf not installed (Debian: linux-perf)"
perf script -l 2> /dev/null | grep -q '^ *stackcollapse ' ||
	skip "this perf has no stackcollapse report script (built without python?)"
command -v xmllint > /dev/null || fail "xmllint (libxml2-utils) needed"

cpu=1
[ "$(nproc)" -gt 1 ] || cpu=0
comm=psys-perf-load

loadgen -c $cpu -t 2.5 -n $comm > /dev/null &
sleep 0.3
perf record -q -o "$T/perf.data" -e cpu-clock -F 999 -C $cpu -g -- sleep 1 \
	> "$T/rec.out" 2>&1 || fail "perf record: $(cat "$T/rec.out")"
wait
perf script report stackcollapse -i "$T/perf.data" > "$T/perf.folded" 2> "$T/sc.err" ||
	fail "perf script report stackcollapse: $(cat "$T/sc.err")"
perf script report stackcollapse -i "$T/perf.data" -- --kernel > "$T/perf-k.folded" \
	2> "$T/sck.err" || fail "stackcollapse --kernel: $(cat "$T/sck.err")"
grep -q "^$comm;" "$T/perf.folded" || fail "no $comm stack in perf's output"
grep -q '_\[k\]' "$T/perf-k.folded" || fail "--kernel marked nothing"

# Sum of the counts of the lines whose stack starts with $1 (all: "").
total() { awk -v p="$1" 'index($0, p) == 1 { s += $NF } END { print s + 0 }' "$2"; }
# The count in the tooltip of the widest frame named $1.
svg_count() {
	sed -n 's/.*<title>\(.*\) (\([0-9,]*\) samples.*/\1 \2/p' "$2" | tr -d , |
		awk -v n="$1" '$1 == n && $2 > m { m = $2 } END { print m + 0 }'
}

for f in perf perf-k; do
	psys-svg < "$T/$f.folded" > "$T/$f.svg" 2> "$T/$f.err" ||
		fail "psys-svg on $f.folded: exit $? $(cat "$T/$f.err")"
	[ ! -s "$T/$f.err" ] || fail "psys-svg complained about $f.folded: $(cat "$T/$f.err")"
	xmllint --noout "$T/$f.svg" || fail "$f.svg is not well-formed XML"
	want=$(total "" "$T/$f.folded")
	[ "$(svg_count all "$T/$f.svg")" = "$want" ] ||
		fail "$f.svg: all = $(svg_count all "$T/$f.svg"), folded total $want"
	want=$(total "$comm;" "$T/$f.folded")
	[ "$(svg_count $comm "$T/$f.svg")" = "$want" ] ||
		fail "$f.svg: $comm = $(svg_count $comm "$T/$f.svg"), folded $want"
	measure "$f: $(total "" "$T/$f.folded") samples, $comm $want"
done
grep -q '<title>do_syscall_64 (' "$T/perf.svg" || fail "no do_syscall_64 frame"

# --kernel: the same frames (the marks are not shown), kernel ones in
# another colour than the load's user frames.
grep -q '_\[k\]' "$T/perf-k.svg" && fail "_[k] shown in the graph"
[ "$(svg_count do_syscall_64 "$T/perf-k.svg")" = "$(svg_count do_syscall_64 "$T/perf.svg")" ] ||
	fail "do_syscall_64 differs with --kernel"
fill() { sed -n "s/.*<title>$1 (.*fill=\"\([^\"]*\)\".*/\1/p" "$2" | head -n 1; }
k=$(fill do_syscall_64 "$T/perf-k.svg")
# A user frame of the load with a plain name (a regex-safe one).
u=$(grep "^$comm;" "$T/perf-k.folded" | cut -d' ' -f1 | tr ';' '\n' |
	grep -v "^$comm\$" | grep -E '^[A-Za-z_][A-Za-z0-9_.]*$' | head -n 1)
[ -n "$u" ] || fail "no named user frame under $comm"
[ -n "$k" ] && [ "$k" != "$(fill "$u" "$T/perf-k.svg")" ] ||
	fail "kernel frame colour $k, user frame $u $(fill "$u" "$T/perf-k.svg")"
exit 0
