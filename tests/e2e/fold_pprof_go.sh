# psys-fold --format pprof read by Go's own pprof tool, as the profiling
# backends read it: a [kernel.kallsyms] mapping (so no "Main binary
# filename not available"), the capture's time and duration, and comm,
# pid, tid, cpu and host as sample labels that -tagfocus filters on and
# -tags and -traces show, with the folded output's counts. Needs Go
# (golang-go): skipped without it, failed under CI.
. "$TOP/tests/lib.sh"
require_bpf
command -v go > /dev/null || skip "go not installed (apt-get install golang-go)"
export HOME="$T" GOCACHE="$T/go-cache" GOFLAGS= GOPATH="$T/go"
go tool pprof -h > /dev/null 2>&1 || skip "go has no pprof tool"
comm=psys-pprof-go

loadgen -c 1 -t 2.5 -n "$comm" > /dev/null &
load=$!
sleep 0.3
psys-record -C 0-1 -f 499 -s 1.5 -o "$T/cap.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
wait

psys-fold "$T/cap.psys" > "$T/folded" || fail "fold"
psys-fold --per-cpu "$T/cap.psys" > "$T/folded-cpu" || fail "fold --per-cpu"
psys-fold --per-pid "$T/cap.psys" > "$T/folded-pid" || fail "fold --per-pid"
psys-fold -F pprof "$T/cap.psys" > "$T/cap.pb.gz" || fail "--format pprof"
sum() { awk '!/^# / && '"$1"' { s += $NF } END { print s + 0 }' "$2"; }
total=$(sum 1 "$T/folded")
want_comm=$(sum "index(\$0, \"$comm;\") == 1" "$T/folded")
want_cpu1=$(sum 'index($0, "cpu 1;") == 1' "$T/folded-cpu")
# By pid, not by name: a sanitizer's exit-time helper shares the name.
want_pid=$(sum "index(\$0, \"pid $load;\") == 1" "$T/folded-pid")
[ "$want_comm" -gt 100 ] || fail "only $want_comm samples of $comm"

# pprof [flags] FILE: go tool pprof with every node shown, so "Showing
# nodes accounting for N" adds up all samples that pass the filters.
pprof() {
	go tool pprof -sample_index=samples -nodefraction=0 -nodecount=1000000 "$@" \
		"$T/cap.pb.gz" 2> "$T/go.err" || fail "go tool pprof $*: $(cat "$T/go.err")"
}
shown() { sed -n 's/^Showing nodes accounting for \([0-9]*\),.* of \([0-9]*\) total$/\1 \2/p'; }

pprof -top > "$T/top"
grep -q 'Main binary filename not available' "$T/top" "$T/go.err" &&
	fail "pprof: Main binary filename not available"
grep -qx 'File: \[kernel.kallsyms\]' "$T/top" || fail "no kernel mapping: $(head -3 "$T/top")"
[ "$(shown < "$T/top")" = "$total $total" ] || fail "-top: $(shown < "$T/top"), want $total"
grep -q '^Duration: 1\.[45][0-9]*s' "$T/top" || fail "duration: $(grep Duration "$T/top")"
grep -q '^Time: ' "$T/top" || fail "no time"

# Filters on the labels: a comm (string), a CPU and a pid (numbers).
pprof -top "-tagfocus=comm=^$comm\$" > "$T/comm"
[ "$(shown < "$T/comm")" = "$want_comm $total" ] ||
	fail "-tagfocus=comm: $(shown < "$T/comm"), want $want_comm of $total"
pprof -top -tagfocus=cpu=1 > "$T/cpu1"
[ "$(shown < "$T/cpu1")" = "$want_cpu1 $total" ] ||
	fail "-tagfocus=cpu=1: $(shown < "$T/cpu1"), want $want_cpu1"
pprof -top -tagfocus=pid=$load > "$T/pid"
[ "$(shown < "$T/pid")" = "$want_pid $total" ] ||
	fail "-tagfocus=pid=$load: $(shown < "$T/pid"), want $want_pid"
pprof -top -tagignore=comm=^$comm\$ > "$T/ign"
[ "$(shown < "$T/ign")" = "$((total - want_comm)) $total" ] || fail "-tagignore: $(shown < "$T/ign")"

pprof -tags > "$T/tags"
for k in comm pid tid cpu host; do
	grep -q "^ $k: Total" "$T/tags" || fail "-tags: no $k"
done
# One kind per key: a label written as both string and number is counted
# twice by -tags ("cpu: Total 5.5s" for a 2.76 s profile).
for k in comm pid tid cpu host; do
	t=$(sed -n "s/^ $k: Total \([0-9.]*\)\$/\1/p" "$T/tags")
	[ -n "$t" ] && awk -v t="$t" -v w="$total" 'BEGIN { exit !(t == w) }' ||
		fail "-tags: $k totals ${t:-?}, the profile $total"
done
host=$(meta "$T/folded" host)
grep -q ": $comm\$" "$T/tags" || fail "-tags: no $comm"
grep -q ": $host\$" "$T/tags" || fail "-tags: no host $host"

# -traces: each trace names its labels, the stack has no comm frame.
pprof -traces "-tagfocus=comm=^$comm\$" > "$T/traces"
grep -q "^ *comm: *$comm\$" "$T/traces" || fail "-traces: no comm label"
grep -q "^ *pid: *$load\$" "$T/traces" || fail "-traces: no pid label"
grep -q "^ *cpu: *1\$" "$T/traces" || fail "-traces: no cpu label"
grep -q 'do_syscall_64' "$T/traces" || fail "-traces: no do_syscall_64"
grep -qE "^ +([0-9.]+[mun]?s +)?$comm\$" "$T/traces" && fail "-traces: $comm is a frame"
measure "go tool pprof -tagfocus=comm: $want_comm of $total samples"
exit 0
