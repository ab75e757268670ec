# psys-fold --format pprof on a real capture: decoded with protobuf-c
# (test_pprof FILE), the profile holds exactly the folded stacks and
# counts: with --root-frames the folded output's own stacks, by default the
# same without the comm root frame (comm, pid, tid, cpu and host are
# labels, which split samples; fold_pprof_go checks them with Go's pprof);
# cpu nanoseconds = count x 1e9/freq, the metadata as comments, the time.
. "$TOP/tests/lib.sh"
require_bpf
comm=psys-pprof-load

loadgen -c 1 -t 2.5 -n "$comm" > /dev/null &
sleep 0.3
psys-record -C 1 -f 499 -s 1.5 -o "$T/cap.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
wait

# STACK COUNT per distinct stack of a test_pprof dump (samples that differ
# only in labels added up), checking cpu ns = count x 2004008 on the way.
stacks() {
	grep -v '^# ' "$1" | awk '{ c = $(NF - 1); cpu = $NF; $(NF - 1) = ""; $NF = "";
		sub(/ +$/, ""); sum[$0] += c
		if (cpu != c * 2004008) { print "cpu ns " cpu " for count " c > "/dev/stderr"; exit 1 } }
		END { for (s in sum) print s " " sum[s] }' | sort
}

psys-fold "$T/cap.psys" > "$T/folded" || fail "fold"
psys-fold --no-comm "$T/cap.psys" > "$T/folded-nocomm" || fail "fold --no-comm"
psys-fold --format pprof --root-frames "$T/cap.psys" > "$T/rf.pb.gz" ||
	fail "--format pprof --root-frames"
psys-fold --format pprof "$T/cap.psys" > "$T/cap.pb.gz" || fail "--format pprof"
gzip -t "$T/cap.pb.gz" || fail "not gzip"
test_pprof "$T/rf.pb.gz" > "$T/rf.dump" || fail "test_pprof cannot decode --root-frames"
test_pprof "$T/cap.pb.gz" > "$T/dump" || fail "test_pprof cannot decode it"

# The same stacks with the same counts.
grep -v '^# ' "$T/folded" | sort > "$T/want"
stacks "$T/rf.dump" > "$T/got" ||
	fail "cpu nanoseconds are not count x 1e9/499 (rounded: 2004008)"
[ -s "$T/want" ] || fail "nothing folded"
grep -q "^$comm;.*do_syscall_64" "$T/want" || fail "no do_syscall_64 under $comm"
cmp "$T/want" "$T/got" || { diff "$T/want" "$T/got" | head; fail "--root-frames: stacks or counts differ"; }
grep -v '^# ' "$T/folded-nocomm" | sort > "$T/want"
stacks "$T/dump" > "$T/got" || fail "cpu nanoseconds (labels)"
cmp "$T/want" "$T/got" || { diff "$T/want" "$T/got" | head; fail "labelled: stacks or counts differ from --no-comm"; }
# Labels split samples: more samples than distinct stacks (two CPUs'
# threads at least), never fewer.
[ "$(grep -vc '^# ' "$T/dump")" -ge "$(wc -l < "$T/got")" ] || fail "fewer samples than stacks"
grep -q '_\[k\]' "$T/dump" && fail "kernel mark left in frame names"
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
grep -q '^# duration_nanos: 1[45][0-9]\{8\}$' "$T/dump" ||
	fail "duration not about 1.5 s: $(grep duration "$T/dump")"
n=$(grep -c . "$T/want")
measure "pprof: $n stacks, $(wc -c < "$T/cap.pb.gz") bytes"

# Usage errors: another format with --diff, and binary to a terminal is
# refused (checked only where a terminal can be made).
rc=0; psys-fold -F pprof --diff "$T/cap.psys" "$T/cap.psys" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "pprof with --diff: exit $rc"
rc=0; psys-fold --root-frames "$T/cap.psys" > /dev/null 2> "$T/err" || rc=$?
[ $rc -eq 2 ] && grep -q "root-frames is for --format pprof" "$T/err" ||
	fail "--root-frames without pprof: exit $rc: $(cat "$T/err")"
psys-fold -F pprof "$T/cap.psys" > /dev/full 2> "$T/err" && fail "/dev/full: exit 0"
grep -q "cannot write" "$T/err" || fail "/dev/full: no message"
if command -v script > /dev/null; then
	rc=0; script -qec "psys-fold -F pprof '$T/cap.psys' 2> '$T/tty.err'" /dev/null \
		> /dev/null || rc=$?
	[ $rc -eq 2 ] || fail "pprof to a terminal: exit $rc"
	grep -q "redirect" "$T/tty.err" || fail "pprof to a terminal: $(cat "$T/tty.err")"
fi
exit 0
