# psys-record leaves the idle task's stack alone by default: its samples
# (pid 0, swapper/N) are still sent, counted and written with their time
# and CPU, but carry no kernel stack, and psys-fold --idle folds them as
# the comm alone; with --idle-stacks they carry their stack, as in 0.1.
# Either way every sample is in the file and counted (trailer = folded =
# psys-fold's idle count), and a CPU that samples its idle time does so at
# the full rate (idle samples are not dropped).
. "$TOP/tests/lib.sh"
require_bpf

F=499 S=2

# per_cpu FILE: "CPU TOTAL IDLE IDLE_WITH_FRAMES" for each CPU with
# samples, from psys-fold --idle --user --per-cpu --per-pid (lines
# "cpu N;pid P;comm[;frames...] COUNT"; fold names never hold a ';').
per_cpu() {
	psys-fold --idle --user --per-cpu --per-pid "$1" | grep -v '^#' | awk '
	{ n = split($0, a, ";"); c = substr(a[1], 5); t[c] += $NF
	  if (a[2] == "pid 0") { i[c] += $NF; if (n > 3) w[c] += $NF } }
	END { for (c in t) printf "%s %d %d %d\n", c, t[c], i[c], w[c] }' | sort -n
}

# trailer FILE KEY: a number from the file's trailer (psys-fold --info).
trailer() {
	psys-fold --info "$1" | sed -n '/"trailer"/,$p' |
		sed -n "s/^ *\"$2\": \\([0-9]*\\).*/\\1/p" | head -n 1
}

# The machine may be shared: try a few times for captures in which some
# CPU was idle long enough to be sampled in both modes.
try=1
while :; do
	for m in plain idle; do
		opt=""
		[ $m = idle ] && opt=--idle-stacks
		psys-record -f $F -s $S $opt -o "$T/$m.psys" < /dev/null > /dev/null \
			2> "$T/$m.err" || fail "psys-record $opt: $(cat "$T/$m.err")"
		per_cpu "$T/$m.psys" > "$T/$m.cpus"
	done
	ip=$(awk '{ s += $3 } END { print s + 0 }' "$T/plain.cpus")
	ii=$(awk '{ s += $3 } END { print s + 0 }' "$T/idle.cpus")
	[ "$ip" -ge 20 ] && [ "$ii" -ge 20 ] && break
	[ $try -lt 4 ] || skip "no CPU idle long enough to sample (idle samples: $ip, $ii): the machine is busy"
	rm -f "$T"/*.psys
	try=$((try + 1))
	sleep 2
done

for m in plain idle; do
	f=$T/$m.psys
	samples=$(trailer "$f" samples)
	folded=$(awk '{ s += $2 } END { print s + 0 }' "$T/$m.cpus")
	idle=$(awk '{ s += $3 } END { print s + 0 }' "$T/$m.cpus")
	withf=$(awk '{ s += $4 } END { print s + 0 }' "$T/$m.cpus")
	measure "$m: $samples samples, $idle of the idle task, $withf of them with a stack; per cpu (cpu total idle with-stack): $(tr '\n' ';' < "$T/$m.cpus")"
	# Every sample is in the file and folds (--idle --user keeps all).
	[ -n "$samples" ] && [ "$samples" -eq "$folded" ] ||
		fail "$m: trailer says $samples samples, psys-fold --idle --user folded $folded"
	# psys-fold without --idle counts the idle samples it leaves out.
	left=$(psys-fold "$f" | sed -n 's/^# samples_read: ".*idle \([0-9]*\),.*/\1/p')
	[ "$left" = "$idle" ] || fail "$m: psys-fold counts $left idle samples, the fold has $idle"
	# The idle samples are where they belong: stack or not.
	if [ $m = plain ]; then
		[ "$withf" -eq 0 ] || fail "plain: $withf idle samples carry a kernel stack:
$(psys-fold --idle --per-pid "$f" | grep '^pid 0;' | head -n 3)"
		psys-fold --idle --per-pid "$f" | grep -q '^pid 0;swapper/[0-9]* [0-9]*$' ||
			fail "plain: idle samples do not fold as the comm alone"
	else
		[ "$withf" -eq "$idle" ] ||
			fail "--idle-stacks: only $withf of $idle idle samples carry a kernel stack"
	fi
	[ "$(trailer "$f" stack_errors)" = 0 ] || fail "$m: stack errors: $(cat "$T/$m.err")"
	# A CPU that samples its idle time samples all of it: the idle
	# samples are sent, not dropped. (Some virtual machines take no
	# CPU_CLOCK samples on an idle CPU; such a CPU has no idle samples
	# and is not checked.)
	while read -r cpu total idle_n withf_n; do
		[ "$idle_n" -gt 0 ] || continue
		want=$((F * S * 75 / 100))
		[ "$total" -ge "$want" ] ||
			fail "$m: cpu $cpu has $total samples ($idle_n idle) in $S s at $F Hz, want >= $want"
	done < "$T/$m.cpus"
done
exit 0
