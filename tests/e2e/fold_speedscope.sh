# psys-fold --format speedscope on a real capture of processes with
# hostile names (markup and quotes; invalid UTF-8): the output is strict
# UTF-8 JSON in speedscope's format, the names survive (repaired where
# invalid), and the weights are the folded counts.
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
psys-fold --format speedscope "$T/cap.psys" > "$T/out.json" || fail "--format speedscope"
python3 - "$T/out.json" "$T/folded" "$evil" <<'PY' || fail "speedscope output wrong"
import json, sys
raw = open(sys.argv[1], 'rb').read()
d = json.loads(raw.decode('utf-8'))          # strict: invalid UTF-8 fails
assert d["$schema"] == "https://www.speedscope.app/file-format-schema.json"
frames = [f["name"] for f in d["shared"]["frames"]]
assert len(frames) == len(set(frames)), "frames are not shared"
p = d["profiles"][0]
assert p["type"] == "sampled" and p["unit"] == "none"
assert len(p["samples"]) == len(p["weights"])
assert all(0 <= i < len(frames) for s in p["samples"] for i in s)
folded = [l for l in open(sys.argv[2], 'rb').read().split(b'\n') if l and not l.startswith(b'# ')]
total = sum(int(l.rsplit(b' ', 1)[1]) for l in folded)
assert sum(p["weights"]) == total == p["endValue"], (sum(p["weights"]), total)
assert "sysHigh for cpu 0:1" in d["name"]
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
PY
psys-fold -F speedscope "$T/cap.psys" > /dev/full 2> "$T/err" && fail "/dev/full: exit 0"
grep -q "cannot write" "$T/err" || fail "/dev/full: no message"
rc=0; psys-fold -F svg "$T/cap.psys" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "unknown format: exit $rc"
rc=0; psys-fold -F speedscope --diff "$T/cap.psys" "$T/cap.psys" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "speedscope with --diff: exit $rc"
exit 0
