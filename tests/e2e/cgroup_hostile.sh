# Cgroup names are untrusted bytes, chosen by whoever may make cgroups:
# "<script>", ';', spaces, a newline, invalid UTF-8, 255 bytes. Each must
# fold as one frame of valid UTF-8 text, and come out escaped in the SVG,
# speedscope's JSON and --info.
. "$TOP/tests/lib.sh"
require_bpf
v2=$(cgroup_tree v2) || skip "no cgroup2 tree mounted"
rel=${v2#$(cgroup_mount v2)}
long=$(printf 'L%.0s' $(seq 255))
nl='
'
n=0
for name in '<script>alert(1)' 'a;b c' "new${nl}line" "$(printf 'bad\377utf8')" "$long" '"quote\back'; do
	if ! mkdir "$v2/$name" 2> "$T/mkdir.err"; then
		# Linux refuses a newline in a cgroup's name (EINVAL).
		[ "$name" = "new${nl}line" ] && continue
		fail "cannot make cgroup '$name': $(cat "$T/mkdir.err")"
	fi
	sh -c 'echo $$ > "$1/cgroup.procs" && exec loadgen -c 1 -t 3 -w stat -n psys-hostile' sh "$v2/$name" > /dev/null &
	n=$((n + 1))
done
sleep 0.3
psys-record -C 1 -f 999 -s 2 -o "$T/cap.psys" < /dev/null > /dev/null 2> "$T/rec" ||
	fail "psys-record failed: $(cat "$T/rec")"
wait

psys-fold --per-cgroup "$T/cap.psys" > "$T/folded" || fail "psys-fold failed"
iconv -f UTF-8 -t UTF-8 "$T/folded" > /dev/null || fail "folded output is not valid UTF-8"
# Every line of a load: its first frame one of the test's cgroups, then
# the comm: the name split no frame and started no line.
grep -v '^# ' "$T/folded" | grep "^cgroup $rel/" > "$T/ours" || fail "no line under the test's cgroups"
awk -F';' '$2 != "psys-hostile" { print; bad = 1 } END { exit bad }' "$T/ours" > "$T/bad" ||
	fail "a cgroup name split a frame: $(head -3 "$T/bad")"
got=$(cut -d';' -f1 "$T/ours" | sort -u | wc -l)
[ "$got" -eq "$n" ] || fail "$got distinct cgroup frames, want $n: $(cut -d';' -f1 "$T/ours" | sort -u | cut -c1-60)"
grep -q "^cgroup $rel/<script>alert(1);" "$T/ours" || fail "no <script> frame"
grep -q "^cgroup $rel/a:b c;" "$T/ours" || fail "';' in a name not shown as ':'"
grep -q "^cgroup $rel/$long;" "$T/ours" || fail "the 255-byte name was cut"

psys-svg < "$T/folded" > "$T/out.svg" || fail "psys-svg failed"
xmllint --noout "$T/out.svg" || fail "the SVG is not well-formed XML"
grep -q '<script>alert' "$T/out.svg" && fail "a cgroup name reached the SVG unescaped"
psys-fold -F speedscope --per-cgroup "$T/cap.psys" > "$T/ss.json" || fail "speedscope"
psys-fold --info "$T/cap.psys" > "$T/info.json" || fail "--info"
python3 - "$T/ss.json" "$T/info.json" "$rel" $n <<'PY' || fail "JSON: not valid, or names lost"
import json, sys
ss = json.load(open(sys.argv[1], encoding="utf-8"))
info = json.load(open(sys.argv[2], encoding="utf-8"))
names = [c["cgroup"] for c in info["cgroups"] if c["cgroup"].startswith(sys.argv[3] + "/")]
assert len(names) == int(sys.argv[4]), names
assert any(n.endswith("/bad\ufffdutf8") for n in names), names
frames = [f["name"] for f in ss["shared"]["frames"]]
assert any("<script>" in f for f in frames)
PY
exit 0
