# The reference validation, end to end with short settings: no load, no
# file over three intervals; load on CPU N: a capture whose flame graph is
# titled "sysHigh for cpu N" and shows the load's syscall path.
. "$TOP/tests/lib.sh"
require_bpf
command -v psys-svg > /dev/null || fail "psys-svg not built"

# Other jobs may load a CPU: watch the quietest one.
set -- $(least_loaded_cpu)
cpu=$1
awk -v p="$2" 'BEGIN { exit !(p < 15) }' ||
	skip "every CPU has >= 15% sys from something else (least: cpu $cpu at $2%)"
out="$T/out"
# A FIFO rather than a pipe: the test stops its own psys-watch by pid. The
# gate (30 %) is well above the quiet CPU (< 15 %) and below what the load
# reaches even on a shared CPU. This is the interval gate's test: the peak
# rule is off (pipeline_peak tests it).
mkfifo "$T/fifo"
psys-watch -i 1 -g 30 -C $cpu > "$T/fifo" &
watch=$!
psys-record -C $cpu -s 1 --no-peak -o "$out" < "$T/fifo" > "$T/paths" 2> "$T/err" &
sleep 3.5
n=$(ls "$out" 2>/dev/null | wc -l)
[ "$n" -eq 0 ] || fail "a capture appeared without load: $(ls "$out")"

loadgen -c $cpu -t 2.5 -n psys-validate > /dev/null
sleep 2
kill -INT $watch 2>/dev/null || true
wait
[ -s "$T/paths" ] || fail "no capture under load: $(cat "$T/err")"
f=$(head -n 1 "$T/paths")
echo "$f" | grep -Eq "/out/[0-9]{8}_[0-9]{6}\.psys$" || fail "file name: $f"
[ -f "$f" ] || fail "printed path does not exist: $f"
psys-fold "$f" | psys-svg > "$T/g.svg" || fail "fold | svg failed"
grep -q "sysHigh for cpu $cpu<" "$T/g.svg" || fail "svg title is not 'sysHigh for cpu $cpu'"
grep -q "psys-validate" "$T/g.svg" || fail "svg lacks the load's comm"
grep -Eq "ksys_read|vfs_read" "$T/g.svg" || fail "svg lacks the read(2) path"
# The header names the trigger that caused the capture.
psys-fold --info "$f" | python3 -c '
import json, sys
i = json.load(sys.stdin)
t = i["header"]["trigger"]
assert t["type"] == "psys-trigger" and t["hot"][0]["cpu"] == '$cpu', t
assert i["header"]["hot_cpus"] == "'$cpu'"
assert len(i["trailer"]["triggers"]) >= 1
# How fast the trigger was taken, and how far back the capture reaches.
lat = (t["received_mono_ns"] - t["mono_ns"]) / 1e6
lead = (t["mono_ns"] - i["header"]["start"]["mono_ns"]) / 1e9
print("measure: trigger line taken %.1f ms after the poll; capture starts %.2f s before it" % (lat, lead))
assert 0 <= lat < 1000, lat
assert lead > 1.9, lead   # 2 x the 1 s interval
' > "$T/lat" || fail "header does not record the trigger"
cat "$T/lat"
