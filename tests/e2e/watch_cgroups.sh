# psys-watch --cgroups on real cgroups, in cgroup v2 and v1 cpuacct where
# mounted (this host is hybrid: the load's pid goes into both; a pure v2
# or v1 host runs the parts of its own hierarchy):
# 1. a sys load (loadgen -w stat on CPU 1) in one cgroup triggers for that
#    cgroup, not its idle sibling, with a sys % the cgroup's own counters
#    (read by this test around the run) bound;
# 2. 1,000 idle cgroups (one of them the load's, its counters high) with
#    cgroups made and removed during the polls trigger nothing and print
#    nothing on stderr;
# 3. hostile names (<script>, ;, spaces, invalid UTF-8, 255 bytes; the
#    kernel refuses a newline) come out as valid JSON with the names
#    repaired, and psys-record takes the line as a trigger.
. "$TOP/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "not root: cannot make cgroups"
[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || skip "needs CPU 1"
mnt() {
	awk -v t="$1" -v o="${2:-}" '{ for (i = 1; $i != "-"; i++) ;
		if ($(i + 1) == t && (o == "" || ("," $(i + 3) ",") ~ ("," o ","))) { print $5; exit } }' \
		/proc/self/mountinfo
}
V2=$(mnt cgroup2)
V1=$(mnt cgroup cpuacct)
[ -n "$V2" ] || [ -n "$V1" ] || skip "no cgroup v2 or v1 cpuacct hierarchy mounted"
HIERS="${V2:+v2} ${V1:+cpuacct}"
mount_for() { if [ "$1" = v2 ]; then echo "$V2"; else echo "$V1"; fi; }
# What the automatic choice must be: v2 when its root has the cpu
# controller or there is no cpuacct (a hybrid host's v2 tree has not).
AUTO=cpuacct
if [ -z "$V1" ] || { [ -n "$V2" ] && grep -qw cpu "$V2/cgroup.controllers"; }; then AUTO=v2; fi
P=psys-e2e-$$
cleanup_cg() {
	for m in $V2 $V1; do
		[ -d "$m/$P" ] || continue
		find "$m/$P" -name cgroup.procs | while IFS= read -r f; do
			for pid in $(cat "$f"); do echo "$pid" > "$m/cgroup.procs" 2>/dev/null || true; done
		done
		find "$m/$P" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$m/$P" 2>/dev/null || true
	done
}
trap 'rc=$?; jobs -p > "$T/.jobs"; kill $(cat "$T/.jobs") 2>/dev/null || true; cleanup_cg; rm -rf "$T"; exit $rc' EXIT
for m in $V2 $V1; do mkdir -p "$m/$P/hot" "$m/$P/cold"; done

# ---- 1. the load's cgroup triggers, its sibling does not ----
loadgen -c 1 -t 60 -w stat -n psys-cg-load > /dev/null &
lg=$!
sleep 10000 &
idle=$!
for m in $V2 $V1; do
	echo $lg > "$m/$P/hot/cgroup.procs"
	echo $idle > "$m/$P/cold/cgroup.procs"
done
sleep 0.5
counter() {	# counter HIER: the hot cgroup's system time, ns
	if [ "$1" = v2 ]; then
		awk '$1 == "system_usec" { print $2 * 1000 }' "$V2/$P/hot/cpu.stat"
	else
		tr ' ' '\n' < "$V1/$P/hot/cpuacct.usage_percpu_sys" | awk '{ s += $1 } END { print s }'
	fi
}
for h in $HIERS auto; do
	hier=$h
	[ $h = auto ] && hier=$AUTO
	opt="--cgroup-hier $h"
	[ $h = auto ] && opt=""
	c0=$(counter $hier)
	rc=0
	timeout 20 psys-watch -i 1 -g 100 --cgroups --cgroup-gate 10 $opt \
		--cgroup-match "^/$P/" --once > "$T/out.$h" 2> "$T/err.$h" || rc=$?
	c1=$(counter $hier)
	[ $rc -eq 0 ] || fail "$h: exit $rc: $(cat "$T/err.$h")"
	[ ! -s "$T/err.$h" ] || fail "$h: stderr: $(cat "$T/err.$h")"
	python3 - "$T/out.$h" "$hier" "/$P/hot" "$c0" "$c1" <<'PY' || fail "$h: wrong trigger: $(cat "$T/out.$h")"
import json, sys
path, hier, hot, c0, c1 = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
lines = [json.loads(l) for l in open(path)]
cg = [t for t in lines if t.get("rule") == "cgroup"]
assert len(cg) == 1, lines
t = cg[0]
assert t["hot"] == [] and t["gate"] == 10 and t["irq"] is False, t
names = [(c["path"], c["hier"]) for c in t["cgroups"]]
assert names == [(hot, hier)], names
sys_pct = t["cgroups"][0]["sys"]
# What the cgroup's own counter grew over the whole run bounds the
# interval's share from above; the gate from below (10%: low, because
# this machine is shared and the load's CPU may be busy with others').
whole = (c1 - c0) / 1e9
assert 10 <= sys_pct <= 100 * whole / t["interval"] * 1.01 + 1, (sys_pct, whole, t["interval"])
print("measure: %s: %s at %.1f%% of a CPU (counter: %.2f CPU s over the run)" % (hier, hot, sys_pct, whole))
PY
done

# ---- 2. 1,000 idle cgroups trigger nothing ----
kill $lg
wait $lg 2>/dev/null || true
for m in $V2 $V1; do
	(cd "$m/$P" && seq -f 'i%04g' 1 998 | xargs mkdir)
done
for h in $HIERS; do
	m=$(mount_for $h)
	[ "$(find "$m/$P" -mindepth 1 -type d | wc -l)" -eq 1000 ] || fail "$h: not 1000 cgroups"
	# The gate is low (1%): empty cgroups, the load's now idle one among
	# them, have nothing to show; meanwhile cgroups come and go.
	psys-watch -i 0.5 -g 100 --cgroups --cgroup-gate 1 --cgroup-hier $h --cgroup-match "^/$P/" \
		> "$T/idle.$h" 2> "$T/idle.err.$h" &
	w=$!
	for k in 1 2 3 4 5 6; do
		sleep 0.3
		mkdir "$m/$P/new$k"
		rmdir "$m/$P/i000$k"
	done
	sleep 0.5
	kill -TERM $w
	rc=0
	wait $w || rc=$?
	[ $rc -eq 0 ] || fail "$h idle: exit $rc: $(cat "$T/idle.err.$h")"
	[ ! -s "$T/idle.err.$h" ] || fail "$h idle: stderr: $(cat "$T/idle.err.$h")"
	! grep -q '"rule":"cgroup"' "$T/idle.$h" || fail "$h idle: triggered: $(cat "$T/idle.$h")"
	# A walk that saw them all: -v counts the cgroups it read.
	timeout 5 psys-watch -i 0.2 -g 100 --cgroups --cgroup-hier $h --cgroup-match "^/$P/" -v \
		> /dev/null 2> "$T/v.$h" || true
	n=$(sed -n 's/^psys-watch: \([0-9]*\) cgroups read.*/\1/p' "$T/v.$h" | tail -n 1)
	[ "$n" = 1000 ] || fail "$h: -v read ${n:-no} cgroups, want 1000"
	measure "$h: 1000 idle cgroups, none triggered; $(grep -c '^psys-watch: poll' "$T/v.$h") polls in 5 s at -i 0.2"
done

# ---- 3. hostile names ----
h=${HIERS%% *}
m=$(mount_for $h)
mkdir "$m/$P/$(printf 'a\nb')" 2>/dev/null && fail "the kernel took a newline in a cgroup name"
long=$(printf 'n%.0s' $(seq 255))
for name in '<script>' 'a;b' 'sp ace' "$(printf 'bad\377utf8')" "$long"; do
	mkdir "$m/$P/$name"
done
psys-watch -i 0.5 -g 100 --cgroups --cgroup-gate 0 --cgroup-hier $h \
	--cgroup-match "^/$P/(<|a;|sp|bad|nnn)" --once > "$T/hostile" 2> "$T/hostile.err" ||
	fail "hostile: exit $?: $(cat "$T/hostile.err")"
python3 - "$T/hostile" "/$P" <<'PY' || fail "hostile names: $(cat "$T/hostile")"
import json, sys
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")		# valid UTF-8 throughout
# Every line is JSON; the per-CPU rule may fire beside (CPUs at 100% sys
# from other work on a shared machine), the cgroup line comes once.
lines = [json.loads(l) for l in raw.decode().splitlines()]
cg = [t for t in lines if t.get("rule") == "cgroup"]
assert len(cg) == 1, lines
t = cg[0]
got = sorted(c["path"] for c in t["cgroups"])
p = sys.argv[2]
want = sorted(p + "/" + n for n in ["<script>", "a;b", "sp ace", "bad\ufffdutf8", "n" * 255])
assert got == want, (got, want)
PY
if [ -e /sys/kernel/btf/vmlinux ] && [ -x "$BUILD/psys-record" ]; then
	{ grep '"rule":"cgroup"' "$T/hostile"; sleep 0.5; } | psys-record -s 0.2 --no-peak -o "$T/cap" > "$T/paths" 2> "$T/rec.err" ||
		fail "psys-record: $(cat "$T/rec.err")"
	[ "$(wc -l < "$T/paths")" -eq 1 ] || fail "psys-record did not take the hostile line: $(cat "$T/rec.err")"
fi
measure "hostile names: one valid line naming all five"
