# psys-fold --format speedscope on a real capture of processes with
# hostile names (markup and quotes; invalid UTF-8): the output is strict
# UTF-8 JSON in speedscope's format, the names survive (repaired where
# invalid), and the weights are the folded counts in nanoseconds (one
# sampling period each). --per-cpu gives a profile per CPU. On a capture
# where one load ran before another on the same CPU, the samples are in
# time order: all of the first load's before any of the second's.
. "$TOP/tests/lib.sh"
require_bpf
command -v python3 > /dev/null || fail "python3 needed to check the JSON"
evil='<s onload=x>&"'"'"		# 15 bytes: all of it fits in a comm
bad=$(printf 'psys\377\376bad')

loadgen -c 0 -t 2.5 -n "$evil" > /dev/null &
loadgen -c 1 -t 2.5 -n "$bad" > /dev/null &
sleep 0.3
psys-record -C 0-1 -f 999 -s 1.5 -o "$T/cap.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
wait

psys-fold "$T/cap.psys" > "$T/folded" || fail "fold"
psys-fold --per-cpu "$T/cap.psys" > "$T/folded-cpu" || fail "fold --per-cpu"
psys-fold --format speedscope "$T/cap.psys" > "$T/out.json" || fail "--format speedscope"
psys-fold --format speedscope --per-cpu "$T/cap.psys" > "$T/cpu.json" ||
	fail "--format speedscope --per-cpu"
python3 - "$T/out.json" "$T/folded" "$evil" "$T/cpu.json" "$T/folded-cpu" <<'PY' || fail "wrong"
import json, sys
raw = open(sys.argv[1], 'rb').read()
d = json.loads(raw.decode('utf-8'))          # strict: invalid UTF-8 fails
assert d["$schema"] == "https://www.speedscope.app/file-format-schema.json"
frames = [f["name"] for f in d["shared"]["frames"]]
assert len(frames) == len(set(frames)), "frames are not shared"
p = d["profiles"][0]
PERIOD = 1001001			# ns per sample at 999 Hz, rounded
assert len(d["profiles"]) == 1
assert p["type"] == "sampled" and p["unit"] == "nanoseconds", p["unit"]
assert len(p["samples"]) == len(p["weights"])
assert all(0 <= i < len(frames) for s in p["samples"] for i in s)
assert all(w > 0 and w % PERIOD == 0 for w in p["weights"]), "weights are not periods"
def counts(path):
    c = {}
    for l in open(path, 'rb').read().split(b'\n'):
        if l and not l.startswith(b'# '):
            s, n = l.rsplit(b' ', 1)
            c[s.decode('utf-8', 'replace')] = int(n)
    return c
folded = counts(sys.argv[2])
total = sum(folded.values())
assert sum(p["weights"]) == total * PERIOD == p["endValue"], (sum(p["weights"]), total)
assert p["startValue"] == 0
# Per stack, the weights add up to the folded counts.
got = {}
for s, w in zip(p["samples"], p["weights"]):
    k = ";".join(frames[i] for i in s)
    got[k] = got.get(k, 0) + w // PERIOD
assert got == folded, sorted(set(got.items()) ^ set(folded.items()))[:4]
assert "sysHigh for cpu 0:1" in d["name"]
assert d["name"] == p["name"]
evil = sys.argv[3]
roots = {}
for s, w in zip(p["samples"], p["weights"]):
    roots[frames[s[0]]] = roots.get(frames[s[0]], 0) + w
assert roots.get(evil, 0) > 100, "hostile name lost: %r" % sorted(roots)[:10]
assert roots.get("psys\ufffd\ufffdbad", 0) > 100, "invalid UTF-8 not repaired: %r" % sorted(roots)[:10]
# Stacks read root first: the comm, then the kernel entry, down to a leaf.
for s in p["samples"]:
    if frames[s[0]] == evil and "do_syscall_64" in [frames[i] for i in s]:
        names = [frames[i] for i in s]
        assert names.index("do_syscall_64") > 0
        break
else:
    raise AssertionError("no do_syscall_64 stack under the hostile name")
# --per-cpu: a profile per CPU, without "cpu N" frames, each adding up to
# that CPU's folded counts; the hostile loads were pinned to one CPU each.
c = json.loads(open(sys.argv[4], 'rb').read().decode('utf-8'))
cf = [f["name"] for f in c["shared"]["frames"]]
assert [q["name"] for q in c["profiles"]] == ["cpu 0", "cpu 1"], [q["name"] for q in c["profiles"]]
percpu = counts(sys.argv[5])
for q in c["profiles"]:
    cpu = q["name"]
    want = sum(n for k, n in percpu.items() if k.startswith(cpu + ";"))
    assert q["unit"] == "nanoseconds" and sum(q["weights"]) == q["endValue"] == want * PERIOD, \
        (cpu, sum(q["weights"]), want)
    assert not any(cf[s[0]].startswith("cpu ") for s in q["samples"]), "cpu frames left"
    mine = evil if cpu == "cpu 0" else "psys\ufffd\ufffdbad"
    other = "psys\ufffd\ufffdbad" if cpu == "cpu 0" else evil
    roots = [cf[s[0]] for s in q["samples"]]
    assert mine in roots and other not in roots, (cpu, set(roots))
# Runs of one stack are merged: no two neighbours alike.
for q in c["profiles"] + [p]:
    assert all(a != b for a, b in zip(q["samples"], q["samples"][1:])), "unmerged run"
PY

# Time order: load A on CPU 1 in the capture's first part, B in its last;
# every sample of A comes before every sample of B, in both forms.
psys-record -C 1 -f 499 -s 3 -o "$T/order.psys" > /dev/null 2> "$T/rec.err" &
rec=$!
sleep 0.6				# the recorder's start-up
loadgen -c 1 -t 0.6 -n psys-ss-first > /dev/null
sleep 0.3
loadgen -c 1 -t 0.6 -n psys-ss-second > /dev/null
wait $rec || fail "psys-record: $(cat "$T/rec.err")"
psys-fold "$T/order.psys" > "$T/order.folded" || fail "fold order"
for o in "" --per-cpu; do
	psys-fold -F speedscope $o "$T/order.psys" > "$T/order.json" || fail "speedscope $o"
	python3 - "$T/order.json" "$T/order.folded" <<'PY' || fail "speedscope $o: not in time order"
import json, sys
d = json.load(open(sys.argv[1]))
frames = [f["name"] for f in d["shared"]["frames"]]
p = d["profiles"][0]
pos = {"psys-ss-first": [], "psys-ss-second": []}
at = 0
for s, w in zip(p["samples"], p["weights"]):
    if frames[s[0]] in pos:
        pos[frames[s[0]]].append(at)
    at += w
a, b = pos["psys-ss-first"], pos["psys-ss-second"]
assert len(a) > 20 and len(b) > 20, (len(a), len(b))
assert max(a) < min(b), "first load's samples after the second's"
PY
done
psys-fold -F speedscope "$T/cap.psys" > /dev/full 2> "$T/err" && fail "/dev/full: exit 0"
grep -q "cannot write" "$T/err" || fail "/dev/full: no message"
rc=0; psys-fold -F svg "$T/cap.psys" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "unknown format: exit $rc"
rc=0; psys-fold -F speedscope --diff "$T/cap.psys" "$T/cap.psys" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "speedscope with --diff: exit $rc"
exit 0
