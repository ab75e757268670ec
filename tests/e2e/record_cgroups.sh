# Who ran, with real BPF and real cgroups: three loads with one comm on
# one CPU, one in a v2 cgroup named like a systemd service, one in a v1
# (cpuacct) cgroup named like a docker container, one on the host; and a
# fourth in a cgroup removed while the capture runs. The oracle is each
# pid's own cgroup, made by this test: every sample of each pid folds
# under its cgroup, container and service, none under another's.
. "$TOP/tests/lib.sh"
require_bpf

v2=$(cgroup_tree v2) || skip "no cgroup2 tree mounted"
acct=$(cgroup_tree cpuacct) || skip "no cpuacct hierarchy mounted"
rel2=${v2#$(cgroup_mount v2)}
rel1=${acct#$(cgroup_mount cpuacct)}
id=$(printf 'e2e%061d' $$)
mkdir -p "$v2/psys-test.slice/psys-a.service" "$acct/docker/$id" "$v2/gone"
comm=psys-who

cpu=1
in_cgroups "$v2/psys-test.slice/psys-a.service" loadgen -c $cpu -t 5 -w stat -n $comm > /dev/null &
a=$!
in_cgroups "$acct/docker/$id" loadgen -c $cpu -t 5 -w stat -n $comm > /dev/null &
b=$!
loadgen -c $cpu -t 5 -w stat -n $comm > /dev/null &
c=$!
in_cgroups "$v2/gone" loadgen -c $cpu -t 1 -w read -n psys-gone > /dev/null &
d=$!
gone_id=$(stat -c %i "$v2/gone")
sleep 0.3
psys-record -v -C $cpu -f 999 -s 3 -o "$T/cap.psys" < /dev/null > /dev/null 2> "$T/rec" &
rec=$!
# The fourth load ends and its cgroup goes while the capture runs.
wait $d || :
rmdir "$v2/gone" || fail "cannot remove $v2/gone"
wait $rec || fail "psys-record failed: $(cat "$T/rec")"
wait $a $b $c || :

psys-fold --info "$T/cap.psys" > "$T/info" || fail "psys-fold --info failed"
python3 - "$T/info" "$(cgroup_mount v2)" <<'PY' || fail "header: $(head -c 600 "$T/info")"
import json, sys
d = json.load(open(sys.argv[1]))
cg = d["header"]["cgroups"]
assert cg["v2"] == sys.argv[2] and cg["v1"] == "cpuacct", cg
PY

# One line per (pid, cgroup, container, service): every pid's samples
# under its own names only.
psys-fold --per-pid --per-container --per-service --per-cgroup "$T/cap.psys" > "$T/folded" ||
	fail "psys-fold failed"
grep -v '^# ' "$T/folded" | awk '{ n = split($0, f, ";"); print f[4] "|" f[1] "|" f[2] "|" f[3] }' |
	sort | uniq -c > "$T/who"
check_pid() { # pid container service cgroup
	got=$(awk -v p="pid $1|" '{ l = substr($0, index($0, $2)) } index(l, p) == 1 { print l }' "$T/who")
	[ -n "$got" ] || fail "no samples of pid $1: $(cat "$T/who")"
	[ "$(echo "$got" | sort -u)" = "pid $1|$2|$3|$4" ] ||
		fail "pid $1 folds as: $got (want pid $1|$2|$3|$4)"
}
check_pid $a "[no container]" "service psys-a.service" "cgroup $rel2/psys-test.slice/psys-a.service"
check_pid $b "container $(echo $id | cut -c1-12)" "[no service]" "cgroup $rel1/docker/$id"
# The host's load: in neither test cgroup, whatever cgroup this test runs in.
got=$(grep "pid $c|" "$T/who" || :)
[ -n "$got" ] || fail "no samples of the host load"
echo "$got" | grep -q "psys-test" && fail "the host load folds under a test cgroup: $got"
# The removed cgroup: its name if it was named in time, its id if not,
# never another cgroup's name.
got=$(grep "pid $d|" "$T/who" | sed 's/^ *[0-9]* //' | sort -u)
[ -n "$got" ] || fail "no samples of the load whose cgroup was removed"
case $got in
"pid $d|[no container]|[no service]|cgroup $rel2/gone" | \
"pid $d|[no container]|[no service]|cgroup id $gone_id") ;;
*) fail "removed cgroup's samples fold as: $got" ;;
esac
measure "$(sed 's/^ *//' "$T/who" | awk '{ printf "%s%s", s, $0; s = "; " }')"

# Slicing by cgroup keeps exactly the samples of that cgroup.
n_b=$(psys-fold --per-pid "$T/cap.psys" | awk -v p="pid $b;" 'index($0, p) == 1 { s += $NF } END { print s + 0 }')
psys-fold --cgroup "/docker/$id\$" "$T/cap.psys" > "$T/sliced"
[ "$(meta "$T/sliced" samples)" = "$n_b" ] ||
	fail "--cgroup kept $(meta "$T/sliced" samples) samples, pid $b had $n_b"
[ "$(meta "$T/sliced" who)" = "container $(echo $id | cut -c1-12)" ] ||
	fail "a fold sliced to one container does not say so: $(grep '^# ' "$T/sliced")"
psys-svg < "$T/sliced" > "$T/sliced.svg" || fail "psys-svg failed"
grep -q "container $(echo $id | cut -c1-12)" "$T/sliced.svg" || fail "the SVG's subtitle does not name the container"
exit 0
