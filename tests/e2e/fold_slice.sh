# psys-fold's filters, grouping, several files and --diff on a capture
# whose answer is known: two loads at once, A on CPU 0 and B on CPU 1,
# with different names, pids and kernel paths. Other processes may run
# too (tests share the machine): checks look at A's and B's lines only.
. "$TOP/tests/lib.sh"
require_bpf
A=psys-sliceA
B=psys-sliceB

loadgen -c 0 -t 3.5 -w read -n $A > /dev/null &
pa=$!
loadgen -c 1 -t 3.5 -w stat -n $B > /dev/null &
pb=$!
sleep 0.3
psys-record -C 0-1 -f 999 -s 2.5 -o "$T/cap.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
wait

# Sum of the counts of lines matching a regex (0 if none).
sum() { # regex, file
	grep -E "$1" "$2" | awk '{ s += $NF } END { print s + 0 }'
}
fold() { # output name, options...
	out=$1; shift
	psys-fold "$@" "$T/cap.psys" > "$T/$out" 2> "$T/$out.err" ||
		fail "psys-fold $*: exit $?: $(cat "$T/$out.err")"
}

fold all
a=$(sum "^$A;" "$T/all"); b=$(sum "^$B;" "$T/all")
# A floor, not an expectation: on a shared machine the loads may get
# little CPU; what follows compares counts with each other.
[ "$a" -gt 100 ] && [ "$b" -gt 100 ] || fail "loads not seen: A $a B $b samples"
grep "^$A;" "$T/all" | grep -Eq ";(ksys_read|vfs_read);" || fail "A has no read path"
grep "^$B;" "$T/all" | grep -Eq ";(vfs_statx|__do_sys_newfstatat|filename_lookup);" ||
	fail "B has no stat path"

# --cpu: A ran only on CPU 0, B only on CPU 1.
fold cpu0 --cpu 0
fold cpu1 -C 1
[ "$(sum "^$A;" "$T/cpu0")" = "$a" ] || fail "--cpu 0 lost A samples"
[ "$(sum "^$B;" "$T/cpu0")" = 0 ] || fail "--cpu 0 kept B"
[ "$(sum "^$B;" "$T/cpu1")" = "$b" ] || fail "--cpu 1 lost B samples"
[ "$(sum "^$A;" "$T/cpu1")" = 0 ] || fail "--cpu 1 kept A"
[ "$(meta "$T/cpu1" title)" = "sysHigh for cpu 1" ] || fail "--cpu 1 title: $(grep title "$T/cpu1")"
[ "$(meta "$T/cpu1" slice)" = "--cpu 1" ] || fail "--cpu 1: no # slice line"
fold cpuboth --cpu 0-1
cmp -s "$T/all" "$T/cpuboth" && fail "--cpu 0-1 output should only differ by its # slice line"
grep -v '^# slice' "$T/cpuboth" | cmp -s - "$T/all" || fail "--cpu 0-1 differs from no filter"

# --pid, --tid, --comm: exactly one load each, all of its samples.
fold pid --pid $pa
[ "$(sum "^$A;" "$T/pid")" = "$a" ] && [ "$(grep -vc '^# ' "$T/pid")" = "$(grep -c "^$A;" "$T/pid")" ] ||
	fail "--pid $pa should keep A and nothing else"
fold tid -t $pb
[ "$(sum "^$B;" "$T/tid")" = "$b" ] && [ "$(grep -vc '^# ' "$T/tid")" = "$(grep -c "^$B;" "$T/tid")" ] ||
	fail "--tid $pb should keep B and nothing else"
fold pids --pid "$pa,$pb"
[ "$(sum "^($A|$B);" "$T/pids")" = $((a + b)) ] ||
	fail "--pid A,B"
fold comm --comm 'sliceB$'
[ "$(sum "^$B;" "$T/comm")" = "$b" ] && [ "$(grep -vc '^# ' "$T/comm")" = "$(grep -c "^$B;" "$T/comm")" ] ||
	fail "--comm should keep B and nothing else"
fold none -c '^no such process$'
[ "$(grep -vc '^# ' "$T/none")" = 0 ] || fail "--comm matching nothing kept lines"
[ "$(meta "$T/none" samples)" = 0 ] || fail "--comm matching nothing: samples line"
# Combined: A's pid on B's CPU is nothing.
fold combo --pid $pa --cpu 1
[ "$(sum "^$A;" "$T/combo")" = 0 ] || fail "--pid A --cpu 1 kept samples"
rc=0; psys-fold --comm 'a(' "$T/cap.psys" > /dev/null 2> "$T/err" || rc=$?
[ $rc -eq 2 ] && grep -q "bad --comm regex" "$T/err" || fail "bad regex: exit $rc"
rc=0; psys-fold --pid 5-1 "$T/cap.psys" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "bad pid list: exit $rc"

# --from/--to: the halves add up to the whole; wall-clock forms agree.
fold first --to 1.2
fold second --from 1.2
fa=$(sum "^$A;" "$T/first"); sa=$(sum "^$A;" "$T/second")
[ "$fa" -gt 0 ] && [ "$sa" -gt 0 ] && [ $((fa + sa)) = "$a" ] ||
	fail "--to 1.2 ($fa) + --from 1.2 ($sa) != all ($a)"
start=$(psys-fold --info "$T/cap.psys" | python3 -c '
import json, sys
print(json.load(sys.stdin)["header"]["start"]["wall_ns"] + 1200000000)')
iso=$(python3 -c "
import datetime, sys
ns = $start
t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
print(t.strftime('%Y-%m-%dT%H:%M:%S') + '.%09dZ' % (ns % 10**9), t.strftime('%H:%M:%S') + '.%09d' % (ns % 10**9))")
fold iso --from "${iso% *}"
[ "$(sum "^$A;" "$T/iso")" = "$sa" ] || fail "--from ${iso% *} differs from --from 1.2"
TZ=UTC fold tod --to "${iso#* }"
[ "$(sum "^$A;" "$T/tod")" = "$fa" ] || fail "--to ${iso#* } (UTC) differs from --to 1.2"
# An inverted range is a usage error (tests/e2e/fold_range.sh has more).
rc=0; psys-fold --from 2 --to 1 "$T/cap.psys" > "$T/empty" 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "--from after --to: exit $rc, want 2"
rc=0; psys-fold --from yesterday "$T/cap.psys" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "bad time: exit $rc"

# Grouping: cpu and pid frames at the root.
fold percpu --per-cpu
[ "$(sum "^cpu 0;$A;" "$T/percpu")" = "$a" ] && [ "$(sum "^cpu 1;$B;" "$T/percpu")" = "$b" ] ||
	fail "--per-cpu: A under cpu 0 and B under cpu 1"
grep -Eq "^cpu 1;$A;|^cpu 0;$B;" "$T/percpu" && fail "--per-cpu put a load under the wrong CPU"
grep -vq '^# \|^cpu [0-9]*;' "$T/percpu" && fail "--per-cpu: a line without cpu frame"
fold perpid --per-pid --per-cpu
[ "$(sum "^cpu 0;pid $pa;$A;" "$T/perpid")" = "$a" ] || fail "--per-cpu --per-pid order"
fold pidonly --per-pid --no-comm
[ "$(sum "^pid $pb;" "$T/pidonly")" = "$b" ] || fail "--per-pid --no-comm"

# Several files: counts add up; --per-host puts the host at the root.
cp "$T/cap.psys" "$T/copy.psys"
psys-fold "$T/cap.psys" "$T/copy.psys" > "$T/two" || fail "two files"
[ "$(sum "^$A;" "$T/two")" = $((2 * a)) ] || fail "two files: A counts not added"
[ "$(meta "$T/two" files)" = 2 ] || fail "two files: # files"
host=$(psys-fold --info "$T/cap.psys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["host"])')
psys-fold --per-host "$T/cap.psys" "$T/copy.psys" > "$T/hosts" || fail "--per-host"
[ "$(sum "^$host;$A;" "$T/hosts")" = $((2 * a)) ] || fail "--per-host: no '$host' root frame"

# --diff: the capture against itself gives equal pairs; against a base
# that lacks B (folded text sliced to A), B's lines read 0 before.
psys-fold --diff "$T/cap.psys" "$T/cap.psys" > "$T/self" || fail "--diff self"
grep -v '^# ' "$T/self" | awk '$(NF-1) != $NF { bad = 1 } END { exit bad }' ||
	fail "--diff with itself: unequal counts"
[ "$(grep -v '^# ' "$T/self" | awk '{ s += $(NF-1) } END { print s }')" = \
  "$(meta "$T/all" samples)" ] || fail "--diff base counts"
psys-fold --comm "^$A\$" "$T/cap.psys" > "$T/a.folded"
psys-fold -d "$T/a.folded" "$T/cap.psys" > "$T/diff" || fail "--diff folded base"
grep "^$B;" "$T/diff" | awk '$(NF-1) != 0 { bad = 1 } END { exit bad }' || fail "B in a base that lacks it"
[ "$(grep "^$B;" "$T/diff" | awk '{ s += $NF } END { print s }')" = "$b" ] || fail "--diff: B's new counts"
grep "^$A;" "$T/diff" | awk '$(NF-1) != $NF { bad = 1 } END { exit bad }' || fail "--diff: A should be equal"
grep -q "^# diff: \"base $T/a.folded" "$T/diff" || fail "--diff: no # diff line"
# Both sides as folded text give the same lines.
psys-fold "$T/cap.psys" > "$T/all.folded"
psys-fold -d "$T/a.folded" "$T/all.folded" | grep -v '^# ' > "$T/difftext" || fail "--diff text text"
grep -v '^# ' "$T/diff" | cmp -s - "$T/difftext" || fail "--diff on folded text differs"
echo "x;y 1 2" > "$T/pair.folded"
psys-fold -d "$T/pair.folded" "$T/cap.psys" > /dev/null 2> "$T/err" && fail "a differential base accepted"
grep -q "already differential" "$T/err" || fail "differential base message"
echo "hello" > "$T/hello"
psys-fold -d "$T/hello" "$T/cap.psys" > /dev/null 2> "$T/err" && fail "text base accepted"
grep -q "neither a .psys file nor folded" "$T/err" || fail "bad base message: $(cat "$T/err")"
exit 0
