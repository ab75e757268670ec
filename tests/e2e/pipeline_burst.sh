# The point of psys: a 1-second burst of sys load, at a random moment,
# under psys-watch -i 2 | psys-record, must be in the capture: at least 80%
# of the samples it should have produced (HZ x the CPU time the burst got).
# The reference tool's behaviour (--pre 0: sampling starts at the trigger)
# is run the same way and reported beside it.
. "$TOP/tests/lib.sh"
require_bpf

cpu=1
hz=1000
# Unique to this run: another run of this test on the machine must not
# add its load to our count.
comm="burst$$"
run() { # NAME EXTRA-ARGS...
	name=$1; shift
	mkdir -p "$T/$name"
	# A FIFO rather than a pipe: the test stops its own psys-watch by pid.
	mkfifo "$T/$name.fifo"
	psys-watch -i 2 -g 10 -C $cpu > "$T/$name.fifo" &
	watch=$!
	psys-record -C $cpu -f $hz -s 1 -o "$T/$name" "$@" < "$T/$name.fifo" \
		> "$T/$name.paths" 2> "$T/$name.err" &
	# A random phase between the burst and psys-watch's polls.
	sleep "$(awk 'BEGIN { srand(); printf "%.2f", 1 + rand() * 2 }')"
	loadgen -c $cpu -t 1 -n "$comm" > "$T/$name.load"
	# The trigger comes at the latest at the end of the next interval (2 s),
	# the capture goes on 1 s after it.
	sleep 4.5
	kill -INT $watch 2>/dev/null || true
	wait
	got=0
	for f in $(cat "$T/$name.paths"); do
		got=$((got + $(folded_count "$f" "$comm")))
	done
	want=$(awk -v hz=$hz '{ printf "%d", $NF * hz }' "$T/$name.load")
	echo "$got $want"
}

set -- $(run pre)
got=$1 want=$2
set -- $(run ref --pre 0)
ref_got=$1 ref_want=$2
measure "burst samples captured: psys $got of $want ($((got * 100 / want))%), --pre 0 (perfSys) $ref_got of $ref_want ($((ref_got * 100 / ref_want))%)"
[ -s "$T/pre.paths" ] || fail "no capture for the burst: $(cat "$T/pre.err")"
[ "$got" -ge $((want * 80 / 100)) ] || fail "captured $got of $want burst samples (< 80%)"
# And no sample twice: consecutive captures and backfills do not overlap.
[ "$got" -le $((want * 125 / 100)) ] || fail "captured $got of $want burst samples: duplicates?"
