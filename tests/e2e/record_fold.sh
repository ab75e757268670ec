# End to end with real BPF: a sys load pinned to one CPU, recorded at
# 1000 Hz for 2 s, folded: the load's comm and its kernel path must show,
# and the sample count must match the frequency.
. "$TOP/tests/lib.sh"
require_bpf

cpu=1
hz=1000
secs=2
comm=psys-e2e-load

# The load runs longer than the capture on both sides, so every sample
# of the window lands on a busy CPU.
loadgen -c $cpu -t 4 -n $comm > "$T/load.out" &
sleep 0.5
psys-record -C $cpu -f $hz -s $secs -o "$T/cap.psys" > "$T/path" 2> "$T/summary" ||
	fail "psys-record failed: $(cat "$T/summary")"
wait

[ "$(cat "$T/path")" = "$T/cap.psys" ] || fail "stdout should name the file: $(cat "$T/path")"
[ "$(stat -c %a "$T/cap.psys")" = 600 ] || fail "mode is $(stat -c %a "$T/cap.psys"), want 600"
grep -q "(0 lost," "$T/summary" || fail "samples lost: $(cat "$T/summary")"

psys-fold "$T/cap.psys" > "$T/folded" || fail "psys-fold failed"
[ "$(meta "$T/folded" title)" = "sysHigh for cpu $cpu" ] || fail "title: $(grep title "$T/folded")"
grep -q "^$comm;" "$T/folded" || fail "no stack of $comm"
grep "^$comm;" "$T/folded" | grep -q ";do_syscall_64;" || fail "no do_syscall_64 under $comm"
grep "^$comm;" "$T/folded" | grep -Eq ";(ksys_read|__x64_sys_read|vfs_read);" ||
	fail "no read(2) path (ksys_read/vfs_read) under $comm"
# No metadata line can be read as a stack by tools that know nothing of
# metadata: flamegraph.pl takes any line ending in "<space>NUMBER".
grep '^# ' "$T/folded" | grep -Eq '[[:space:]][0-9]+(\.[0-9]*)?$' &&
	fail "a metadata line ends like a stack: $(grep '^# ' "$T/folded" | grep -E '[[:space:]][0-9]+$')"
# Every line is "frames COUNT" with a positive count.
grep -v '^# ' "$T/folded" | grep -Evq '^[^ ].* [1-9][0-9]*$' && fail "malformed folded line"

# All samples of the CPU, whatever mode: HZ x seconds, within 15 %.
psys-fold --idle --user "$T/cap.psys" > "$T/all"
total=$(meta "$T/all" samples)
want=$((hz * secs))
measure "samples $total (expected $want at $hz Hz x $secs s on cpu $cpu)"
[ "$total" -ge $((want * 85 / 100)) ] && [ "$total" -le $((want * 115 / 100)) ] ||
	fail "sample count $total not within 15% of $want"
folded_sum=$(grep -v '^# ' "$T/folded" | awk '{s += $NF} END {print s}')
[ "$folded_sum" = "$(meta "$T/folded" samples)" ] ||
	fail "folded counts ($folded_sum) differ from the # samples line"

# The header says what a reader needs to trust the symbols.
psys-fold --info "$T/cap.psys" > "$T/info.json"
python3 - "$T/info.json" <<'PY' || fail "--info JSON incomplete"
import json, sys
i = json.load(open(sys.argv[1]))
h, t = i["header"], i["trailer"]
assert h["format"] == "psys" and h["freq_hz"] == 1000 and h["cpus"] == "1"
assert len(h["boot_id"]) >= 32 and h["kernel"]["release"]
assert h["ref_symbols"][0]["name"] == "_stext" and len(h["ref_symbols"]) >= 4
assert t["samples"] == i["read"]["samples"] and t["lost"] == 0
assert t["end"]["mono_ns"] > h["start"]["mono_ns"]
PY
