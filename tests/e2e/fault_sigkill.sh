#!/bin/sh
# SIGKILL at random moments: psys-record is killed 20 times at a
# pseudo-random point of a capture (0.2 to 2.2 s in). Every file left
# behind must fold (psys-fold exit 3: what is intact, folded), say that it
# has no trailer, and hold the samples up to at most the last second
# before the kill (psys-record flushes a record every second), without
# holes (about FREQ samples per second up to its last sample). The seed is
# printed: FAULT_SEED=N replays the same kill times.
. "$TOP/tests/lib.sh"
require_bpf

trials=${FAULT_TRIALS:-20}
seed=${FAULT_SEED:-$$}
freq=1000
# A second is what may be lost; the slack covers the drain interval and
# the write of the record due at that second.
slack_ms=400
set -- $(least_loaded_cpu)
cpu=$1
measure "seed $seed, cpu $cpu, $trials trials"
loadgen -c $cpu -t 120 -n psys-kill-load > /dev/null &
load=$!

i=0 left=0 worst=0
while [ $i -lt $trials ]; do
	i=$((i + 1))
	f="$T/k$i.psys"
	rc=0
	killafter -r $((seed + i)) 200 2200 psys-record -C $cpu -f $freq -s 30 \
		-o "$f" > "$T/kill" 2> "$T/rec.err" || rc=$?
	[ $rc -eq 137 ] || fail "trial $i: psys-record exit $rc before the kill: $(cat "$T/rec.err")"
	read kill_ns delay_ms < "$T/kill"
	# Killed before it created the file: nothing to check (but see the
	# count of files left below).
	[ -e "$f" ] || continue
	left=$((left + 1))
	rc=0
	psys-fold --user --idle "$f" > "$T/folded" 2> "$T/err" || rc=$?
	[ $rc -eq 3 ] || fail "trial $i (kill at $delay_ms ms, seed $((seed + i))): psys-fold exit $rc, want 3: $(cat "$T/err")"
	grep -q "^psys-fold: warning: '$f': truncated (no trailer" "$T/err" ||
		fail "trial $i: no trailer-less warning: $(cat "$T/err")"
	[ "$(meta "$T/folded" title)" = "sysHigh for cpu $cpu" ] ||
		fail "trial $i: no title line: $(head -n 3 "$T/folded")"
	n=$(meta "$T/folded" samples)
	got=$(sed -n 's/.*folded the samples up to +\([0-9.]*\) s.*/\1/p' "$T/err")
	mono0=$(psys-fold --info "$f" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["start"]["mono_ns"])') ||
		fail "trial $i: no start time in the header"
	# In ms: time from the start to the kill, and what was kept of it.
	span=$(( (kill_ns - mono0) / 1000000 ))
	kept=$(awk -v g="${got:-0}" 'BEGIN { printf "%d", g * 1000 }')
	lost=$((span - kept))
	[ $lost -gt $worst ] && worst=$lost
	[ $lost -le $((1000 + slack_ms)) ] ||
		fail "trial $i (seed $((seed + i))): killed at +$span ms, samples up to +$kept ms: lost $lost ms"
	# No holes: at FREQ Hz on one CPU (idle and user samples included),
	# the samples kept cover their span, allowing 20% for a busy machine.
	[ "$n" -ge $(( kept * freq / 1000 * 8 / 10 - 20 )) ] ||
		fail "trial $i: $n samples up to +$kept ms at $freq Hz"
	[ $kept -lt 1000 ] || grep -q "^psys-kill-load;" "$T/folded" ||
		fail "trial $i: the load's stacks are missing"
	rm -f "$f"
done
kill $load 2>/dev/null || true
measure "$left of $trials kills left a file; most lost: $worst ms (allowed $((1000 + slack_ms)))"
# Most kill times fall well after the file is created.
[ $left -ge $((trials / 2)) ] || fail "only $left of $trials trials left a file"
exit 0
