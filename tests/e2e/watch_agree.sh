# psys-watch's sys % agrees with an independent mpstat-style figure: under
# a steady mixed load on CPU 1 (loadgen's sys time plus a user-time spinner,
# so that sys is well away from 0 and 100 and a wrong field would show),
# the test reads /proc/stat itself around the interval psys-watch measures
# and computes Δsystem / Δ(user..steal) in awk. They must agree within 2
# percentage points.
. "$TOP/tests/lib.sh"
[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || skip "needs CPU 1"

loadgen -c 1 -t 60 -n psys-agree-sys > /dev/null &
lg=$!
taskset -c 1 awk 'BEGIN { for (;;) x++ }' &
spin=$!
sleep 1

cat /proc/stat > "$T/a"
rc=0
timeout 30 psys-watch -i 3 -g 0 -C 1 --once > "$T/out" || rc=$?
cat /proc/stat > "$T/b"
kill $lg $spin 2>/dev/null || true
wait $lg $spin 2>/dev/null || true
[ $rc -eq 0 ] || fail "psys-watch exit status $rc"
cat "$T/out"

theirs=$(awk '$1 == "cpu1" {
	t = 0; for (i = 2; i <= 9; i++) t += $i
	if (FILENAME == ARGV[1]) { s0 = $4; t0 = t; next }
	printf "%.2f\n", 100 * ($4 - s0) / (t - t0)
}' "$T/a" "$T/b")
ours=$(python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))
print([h["sys"] for h in t["hot"] if h["cpu"] == 1][0])' "$T/out") ||
	fail "no figure for cpu 1 in the trigger"
measure "cpu 1 sys %: psys-watch $ours, independent $theirs"
awk -v a="$ours" -v b="$theirs" 'BEGIN {
	d = a - b; if (d < 0) d = -d
	if (b < 5) { print "FAIL: no load seen on cpu 1"; exit 1 }
	if (d > 2) { print "FAIL: differ by " d " points"; exit 1 }
}' || fail "sys % disagree"
