# psys-fold --format pprof on a real capture: decoded with protobuf-c
# (test_pprof FILE), the profile holds exactly the folded stacks and
# counts, cpu nanoseconds = count x 1e9/freq, the metadata as comments;
# `go tool pprof` reads it too when Go is installed (not required).
. "$TOP/tests/lib.sh"
require_bpf
comm=psys-pprof-load

loadgen -c 1 -t 2.5 -n "$comm" > /dev/null &
sleep 0.3
psys-record -C 1 -f 499 -s 1.5 -o "$T/cap.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
wait

psys-fold "$T/cap.psys" > "$T/folded" || fail "fold"
psys-fold --format pprof "$T/cap.psys" > "$T/cap.pb.gz" || fail "--format pprof"
gzip -t "$T/cap.pb.gz" || fail "not gzip"
test_pprof "$T/cap.pb.gz" > "$T/dump" || fail "test_pprof cannot decode it"

# The same stacks with the same counts (pprof lists them in folded order).
grep -v '^# ' "$T/folded" > "$T/want"
grep -v '^# ' "$T/dump" | awk '{ c = $(NF - 1); cpu = $NF; $(NF - 1) = ""; $NF = "";
	sub(/ +$/, ""); print $0 " " c > "'"$T/got"'";
	if (cpu != c * 2004008) { print "cpu ns " cpu " for count " c; exit 1 } }' ||
	fail "cpu nanoseconds are not count x 1e9/499 (rounded: 2004008)"
[ -s "$T/want" ] || fail "nothing folded"
grep -q "^$comm;.*do_syscall_64" "$T/want" || fail "no do_syscall_64 under $comm"
cmp "$T/want" "$T/got" || { diff "$T/want" "$T/got" | head; fail "stacks or counts differ"; }
grep -qx '# sample_type: samples/count' "$T/dump" || fail "no samples/count"
grep -qx '# sample_type: cpu/nanoseconds' "$T/dump" || fail "no cpu/nanoseconds"
grep -qx '# period: 2004008 cpu/nanoseconds' "$T/dump" || fail "period: $(grep period "$T/dump")"
grep -qx "# strings: [0-9]*, string_table\[0\]: ''" "$T/dump" || fail "string_table[0] not empty"
# The comments are the folded output's metadata lines, in order (not the
# timeline after the stacks, which pprof carries no place for).
grep '^# ' "$T/folded" | grep -v '^# timeline' | sed 's/^# //' > "$T/meta"
sed -n 's/^# comment: //p' "$T/dump" > "$T/comments"
grep -q 'sysHigh for cpu 1' "$T/comments" || fail "no title in the comments"
cmp -s "$T/meta" "$T/comments" || { diff "$T/meta" "$T/comments" | head; fail "comments differ from the metadata"; }
grep -q '^# time_nanos: 1[0-9]\{18\}$' "$T/dump" || fail "no start time"
n=$(grep -c . "$T/want")
measure "pprof: $n stacks, $(wc -c < "$T/cap.pb.gz") bytes"

if command -v go > /dev/null && go tool pprof -h > /dev/null 2>&1; then
	HOME=$T GOCACHE=$T/go go tool pprof -raw "$T/cap.pb.gz" > "$T/raw" 2> "$T/go.err" ||
		fail "go tool pprof: $(cat "$T/go.err")"
	grep -q "do_syscall_64" "$T/raw" || fail "go tool pprof -raw: no do_syscall_64"
	total=$(awk '{ s += $NF } END { print s }' "$T/want")
	HOME=$T go tool pprof -sample_index=samples -top "$T/cap.pb.gz" 2> /dev/null |
		grep -q "of $total total" || fail "go tool pprof -top: total is not $total"
else
	echo "note: go tool pprof not installed: checked with protobuf-c only"
fi

# Usage errors: another format with --diff, and binary to a terminal is
# refused (checked only where a terminal can be made).
rc=0; psys-fold -F pprof --diff "$T/cap.psys" "$T/cap.psys" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "pprof with --diff: exit $rc"
psys-fold -F pprof "$T/cap.psys" > /dev/full 2> "$T/err" && fail "/dev/full: exit 0"
grep -q "cannot write" "$T/err" || fail "/dev/full: no message"
if command -v script > /dev/null; then
	rc=0; script -qec "psys-fold -F pprof '$T/cap.psys' 2> '$T/tty.err'" /dev/null \
		> /dev/null || rc=$?
	[ $rc -eq 2 ] || fail "pprof to a terminal: exit $rc"
	grep -q "redirect" "$T/tty.err" || fail "pprof to a terminal: $(cat "$T/tty.err")"
fi
exit 0
