# psys-record's reaction to a cgroup trigger: a hand-made "rule":"cgroup"
# line (no hot CPU, cgroups with hostile names) starts a capture of every
# CPU it samples, with an interval trigger's lead, whose header keeps the
# line with its cgroups byte for byte (the repaired path) for psys-fold.
. "$TOP/tests/lib.sh"
require_bpf

bad=$(printf '/psys-<script>;a b\nc\377')
id=0123abcdef0123abcdef0123abcdef0123abcdef0123abcdef0123abcdef0123
# The line comes after 2.5 s, so that the ring holds the lead it asks for.
{ sleep 2.5; trigger --cgroup v2 /libpod_parent/libpod-$id --cgroup cpuacct "$bad"; sleep 1.5; } |
	psys-record -s 0.5 -f 200 --no-peak -o "$T/out" > "$T/paths" 2> "$T/err" || fail "exit $?: $(cat "$T/err")"
[ "$(wc -l < "$T/paths")" -eq 1 ] || fail "want one capture: $(cat "$T/paths" "$T/err")"
! grep -q "ignoring\|skipping" "$T/err" || fail "the line was not taken: $(cat "$T/err")"
psys-fold --info "$(cat "$T/paths")" > "$T/info" || fail "psys-fold --info failed"
online=$(cat /sys/devices/system/cpu/online)
python3 - "$T/info" "$online" <<'PY' || fail "the capture does not say what the cgroup trigger asked"
import json, sys
i = json.load(open(sys.argv[1]))
h, t = i["header"], i["trailer"]
want = [{"path": "/libpod_parent/libpod-" + "0123abcdef" * 6 + "0123", "hier": "v2", "sys": 63.2},
        {"path": "/psys-<script>;a b\nc\ufffd", "hier": "cpuacct", "sys": 63.2}]
tr = h["trigger"]
assert tr["rule"] == "cgroup" and tr["hot"] == [] and tr["gate"] == 50, tr
assert tr["cgroups"] == want, tr["cgroups"]
# Every CPU online (psys-record samples them all without -C): the oracle
# is the kernel's own list, expanded.
cpus = set()
for part in sys.argv[2].split(","):
    a, _, b = part.partition("-")
    cpus.update(range(int(a), int(b or a) + 1))
def expand(s):
    out = set()
    for part in s.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out
assert expand(h["cpus"]) == cpus, (h["cpus"], cpus)
assert expand(t["hot_cpus"]) == cpus, (t["hot_cpus"], cpus)
assert len(t["triggers"]) == 1 and t["triggers"][0]["cgroups"] == want, t["triggers"]
# The lead of an interval trigger: twice its 1 s interval and a tick.
start, mono = h["start"]["mono_ns"], tr["mono_ns"]
assert abs(start - (mono - 2.01e9)) < 0.05e9, ((mono - start) / 1e9, h)
print("measure: cgroup trigger captured cpus %s, lead %.2f s" % (h["cpus"], (mono - start) / 1e9))
PY

# The capture is titled after its cgroups, by the names people use.
psys-fold "$(cat "$T/paths")" > "$T/folded" || fail "psys-fold failed"
title=$(meta "$T/folded" title)
case $title in
"sysHigh for container 0123abcdef01, cgroup /psys-<script>:a b"*) ;;
*) fail "title: $title" ;;
esac
case $(meta "$T/folded" trigger) in
"cgroup: container 0123abcdef01 at 63.2%"*"of a CPU in sys over"*) ;;
*) fail "trigger: $(meta "$T/folded" trigger)" ;;
esac
exit 0
