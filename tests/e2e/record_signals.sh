# Stopping psys-record: SIGINT/SIGTERM finish the file (trailer written);
# SIGKILL leaves a file that folds up to its last second, flagged truncated.
. "$TOP/tests/lib.sh"
require_bpf

cpu=1
loadgen -c $cpu -t 8 -n psys-sig-load > /dev/null &

for sig in INT TERM; do
	psys-record -C $cpu -f 1000 -s 30 -o "$T/$sig.psys" > "$T/$sig.path" 2>/dev/null &
	pid=$!
	sleep 1.5
	kill -$sig $pid
	wait $pid || fail "SIG$sig: psys-record exit $?"
	[ -s "$T/$sig.path" ] || fail "SIG$sig: no path printed"
	psys-fold --info "$T/$sig.psys" > "$T/$sig.info" || fail "SIG$sig: file incomplete (exit $?)"
	grep -q "\"end_reason\": \"SIG$sig\"" "$T/$sig.info" || fail "SIG$sig: end_reason"
done

# SIGKILL after ~2.6 s: records are flushed every second, so at least the
# samples of the first two seconds must be there (at 1000 Hz: >= 1700).
psys-record -C $cpu -f 1000 -s 30 -o "$T/kill.psys" > /dev/null 2>&1 &
pid=$!
sleep 2.6
kill -KILL $pid
wait $pid 2>/dev/null || true
rc=0
psys-fold --user --idle "$T/kill.psys" > "$T/kill.folded" 2> "$T/kill.err" || rc=$?
[ $rc -eq 3 ] || fail "killed capture: psys-fold exit $rc, want 3"
grep -q "truncated" "$T/kill.err" || fail "no truncation warning: $(cat "$T/kill.err")"
n=$(meta "$T/kill.folded" samples)
measure "SIGKILL at 2.6 s kept $n samples at 1000 Hz"
[ "$n" -ge 1700 ] || fail "killed capture kept only $n samples"
grep -q "^psys-sig-load;" "$T/kill.folded" || fail "killed capture lost its stacks' names"
wait
