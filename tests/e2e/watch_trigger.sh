# psys-watch under load: with loadgen pinned to CPU 1 (reads of /dev/zero:
# almost all sys time), 'psys-watch -i 1 -g 30 --once' writes one trigger
# naming CPU 1, exits 0, and the line is valid JSON in the documented shape.
. "$TOP/tests/lib.sh"
[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || skip "needs CPU 1"

loadgen -c 1 -t 30 -n psys-watch-load > /dev/null &
lg=$!
# Let the load start first, so the first measured interval is all load.
sleep 0.5
rc=0
timeout 20 psys-watch -i 1 -g 30 --once > "$T/out" 2> "$T/err" || rc=$?
kill $lg 2>/dev/null || true
wait $lg 2>/dev/null || true
cat "$T/out" "$T/err"
[ $rc -eq 0 ] || fail "exit status $rc, want 0"
[ "$(wc -l < "$T/out")" -eq 1 ] || fail "want exactly one line"
[ ! -s "$T/err" ] || fail "unexpected stderr"

python3 - "$T/out" <<'PY' || fail "trigger line check failed"
import datetime, json, re, sys, time
line = open(sys.argv[1]).read()
assert line.endswith("\n") and line.count("\n") == 1, "one line"
t = json.loads(line)
assert t["type"] == "psys-trigger" and t["version"] == 1, t
assert t["gate"] == 30 and t["irq"] is False, t
hot = {h["cpu"]: h["sys"] for h in t["hot"]}
assert 1 in hot, "cpu 1 not hot: %r" % t["hot"]
assert 30 <= hot[1] <= 100, hot
assert [h["cpu"] for h in t["hot"]] == sorted(hot), "hot not ascending"
for k in ("wall_ns", "mono_ns", "mono_start_ns"):
    assert isinstance(t[k], int) and t[k] > 0, k
# mono_* are CLOCK_MONOTONIC: at or before our clock now, not long ago.
now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
assert t["mono_start_ns"] < t["mono_ns"] <= now, (t, now)
assert now - t["mono_ns"] < 60e9, "mono_ns is not CLOCK_MONOTONIC"
assert abs(t["interval"] - (t["mono_ns"] - t["mono_start_ns"]) / 1e9) < 2e-6
assert t["interval"] >= 0.9, "interval shorter than -i 1"
# wall_ns is CLOCK_REALTIME and "time" is the same instant, local, with ms.
assert abs(time.time_ns() - t["wall_ns"]) < 60e9, "wall_ns not realtime"
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d",
                    t["time"]), t["time"]
d = datetime.datetime.fromtimestamp(t["wall_ns"] // 10**9).astimezone()
want = d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03d" % (t["wall_ns"] // 10**6 % 1000)
assert t["time"].startswith(want), (t["time"], want)
print("measure: trigger for cpu 1 at %.2f%% sys over %.3f s" % (hot[1], t["interval"]))
PY
