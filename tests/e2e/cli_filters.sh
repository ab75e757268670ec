#!/bin/sh
# Unix filter conventions, the same in all four programs:
# - a bad option, a missing value or a bad value: exactly two lines on
#   stderr, "PROG: what" and "Try 'PROG --help' for more information.",
#   nothing on stdout, exit 2;
# - no input file: psys-fold and psys-svg read standard input unless it is
#   a terminal (then a usage error), so "psys-fold < x.psys | psys-svg"
#   works;
# - folded output is valid UTF-8 whatever bytes names hold, and --no-meta
#   leaves the "#" lines out;
# - psys-record -o - writes the capture to standard output (refused on a
#   terminal and in triggered mode), as it goes, leaving no temporary;
#   its reader leaving ends it silently (SIGPIPE); -C with an offline CPU
#   names the online ones.
# (A closed pipe for psys-fold and psys-svg: fault_write; psys-watch:
# watch_cli.)
. "$TOP/tests/lib.sh"
cap="$TOP/fuzz/corpus/psysfile/two.psys"
online=$(cat /sys/devices/system/cpu/online)

# usage PROG WANT ARGS...: the two-line answer and exit 2.
usage() {
	prog=$1 want=$2; shift 2
	rc=0
	"$prog" "$@" < /dev/null > "$T/out" 2> "$T/err" || rc=$?
	[ $rc -eq 2 ] || fail "$prog $*: exit $rc, want 2 ($(cat "$T/err"))"
	[ ! -s "$T/out" ] || fail "$prog $*: wrote to stdout"
	[ "$(wc -l < "$T/err")" -eq 2 ] || fail "$prog $*: want two lines: $(cat "$T/err")"
	[ "$(head -n 1 "$T/err")" = "$prog: $want" ] ||
		fail "$prog $*: first line: '$(head -n 1 "$T/err")', want '$prog: $want'"
	[ "$(tail -n 1 "$T/err")" = "Try '$prog --help' for more information." ] ||
		fail "$prog $*: second line: $(tail -n 1 "$T/err")"
}
for p in psys-watch psys-record psys-fold psys-svg; do
	usage $p "unknown option '--bogus'" --bogus
	usage $p "unknown option '-q'" -q
	usage $p "option '--help' takes no value" --help=x
	usage $p "option '--version' takes no value" --version=1
done
usage psys-watch "option '-i' needs a value" -i
usage psys-record "option '--seconds' needs a value" --seconds
usage psys-fold "option '--cpu' needs a value" --cpu
usage psys-svg "option '-w' needs a value" -w
usage psys-fold "ambiguous option '--per' (--per-host, --per-cpu, --per-pid, --per-container, --per-service, --per-cgroup)" --per
usage psys-watch "bad interval 'x': want seconds from 0.1 to 86400" -i x
usage psys-record "bad frequency 'x': want a frequency in Hz (1 to 1000000)" -f x
usage psys-fold "unknown --format 'svg' (folded, speedscope or pprof)" -F svg
usage psys-svg "bad width 'x': want a number from 100 to 1e+06" --width x
usage psys-record "unexpected argument 'x'" x
usage psys-watch "unexpected argument 'x'" x
# An offline CPU names the online ones.
usage psys-record "invalid -C '99': cpu 99 is not online (online: $online)" -C 99
psys-watch -C 99 -i 0.1 --once 2> "$T/err" > /dev/null & pid=$!
sleep 0.5; kill $pid 2> /dev/null || true; wait $pid 2> /dev/null || true
grep -qF "psys-watch: cpu 99 is not online (online: $online); watching for it" "$T/err" ||
	fail "psys-watch -C 99: $(cat "$T/err")"

# Standard input when no file is given, as filters do.
psys-fold "$cap" > "$T/by-name"
psys-fold < "$cap" > "$T/by-stdin" || fail "psys-fold < capture: exit $?"
cmp -s "$T/by-name" "$T/by-stdin" || fail "psys-fold < capture differs from psys-fold capture"
psys-fold < "$cap" | psys-svg > "$T/pipe.svg" || fail "psys-fold < x | psys-svg: exit $?"
psys-svg "$T/by-name" | cmp -s - "$T/pipe.svg" || fail "the piped SVG differs"
rc=0; printf 'junk\n' | psys-fold 2> "$T/err" > /dev/null || rc=$?
[ $rc -eq 1 ] || fail "psys-fold < junk: exit $rc"
grep -qF "psys-fold: cannot read 'standard input': not a .psys file" "$T/err" ||
	fail "psys-fold < junk: $(cat "$T/err")"
# A terminal on standard input is a usage error (script(1) makes one).
for p in psys-fold psys-svg; do
	rc=0; script -qec "$BUILD/$p" /dev/null > "$T/tty" 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "$p on a terminal: exit $rc, want 2: $(cat "$T/tty")"
	grep -q "^$p: no input: give " "$T/tty" || fail "$p on a terminal: $(cat "$T/tty")"
done

# UTF-8: another tool's folded text with invalid bytes, through --diff.
printf 'ok\377;f\300\257 3\nok;caf\303\251 1\n' > "$T/bad.folded"
psys-fold -d "$T/bad.folded" "$T/bad.folded" > "$T/diff" || fail "--diff of text"
python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/diff" ||
	fail "--diff output is not UTF-8"
grep -q "^ok$(printf '\357\277\275');f$(printf '\357\277\275\357\277\275') 3 3\$" "$T/diff" ||
	fail "invalid bytes not replaced by U+FFFD: $(cat "$T/diff")"
grep -q "^ok;caf$(printf '\303\251') 1 1\$" "$T/diff" || fail "valid UTF-8 changed"
# A file name with invalid bytes goes into the metadata repaired too.
cp "$T/bad.folded" "$T/b$(printf '\377').folded"
psys-fold -d "$T/b$(printf '\377').folded" "$T/bad.folded" > "$T/diff2"
python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/diff2" ||
	fail "the diff metadata is not UTF-8"
# --no-meta: the same stacks, no "#" line.
psys-fold --no-meta "$cap" > "$T/nometa"
! grep -q '^#' "$T/nometa" || fail "--no-meta left metadata"
grep -v '^#' "$T/by-name" | cmp -s - "$T/nometa" || fail "--no-meta changed the stacks"
[ -s "$T/nometa" ] || fail "--no-meta: nothing"
psys-fold --no-meta -d "$T/bad.folded" "$T/bad.folded" | grep -q '^#' &&
	fail "--no-meta --diff left metadata"

# The rest samples for real.
require_bpf
set -- $(least_loaded_cpu)
cpu=$1
# A process name that is not UTF-8, sampled, folded.
loadgen -c "$cpu" -t 4 -w stat -n "$(printf 'bad\377\376name')" > /dev/null 2>&1 &
sleep 0.3
# -o -: refused on a terminal and in triggered mode.
rc=0; script -qec "$BUILD/psys-record -o - -s 1" /dev/null > "$T/tty" 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "-o - on a terminal: exit $rc: $(cat "$T/tty")"
grep -q "^psys-record: -o -: standard output is a terminal" "$T/tty" || fail "$(cat "$T/tty")"
rc=0; trigger "$cpu" 2> /dev/null | psys-record -o - > "$T/x" 2> "$T/err" || rc=$?
[ $rc -eq 2 ] || fail "-o - in triggered mode: exit $rc"
grep -q "triggered mode writes many captures" "$T/err" || fail "$(cat "$T/err")"
# Streamed as it goes: before the capture ends, standard output already
# holds intact records with samples (a fold of it says it was cut short).
mkdir -m 0700 "$T/tmp"
TMPDIR=$T/tmp psys-record -o - -C "$cpu" -s 3 -f 499 > "$T/stream.psys" 2> "$T/rec.err" &
rec=$!
sleep 2.2
rc=0; psys-fold "$T/stream.psys" > "$T/partial" 2> "$T/err" || rc=$?
[ $rc -eq 3 ] || fail "mid-capture fold: exit $rc, want 3 (cut short): $(cat "$T/err")"
n=$(sed -n 's/^# samples: "\([0-9]*\)"/\1/p' "$T/partial")
[ "${n:-0}" -gt 100 ] || fail "mid-capture: $n samples on standard output after 2 s"
wait $rec || fail "psys-record -o -: exit $?: $(cat "$T/rec.err")"
psys-fold "$T/stream.psys" > "$T/full" || fail "the streamed capture does not fold cleanly"
[ -z "$(ls -A "$T/tmp")" ] || fail "-o - left in TMPDIR: $(ls -A "$T/tmp")"
grep -q "^psys-record: standard output: [0-9]* samples" "$T/rec.err" || fail "$(cat "$T/rec.err")"
python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/full" ||
	fail "folded output is not UTF-8"
grep -q "^bad$(printf '\357\277\275\357\277\275')name;" "$T/full" ||
	fail "the invalid process name is not repaired: $(grep -c . "$T/full") lines"
# The capture piped straight into the other two, of a load of its own (the
# first one may be over by now on a busy machine, and an idle CPU's
# samples are the idle task's, which psys-fold leaves out).
loadgen -c "$cpu" -t 2 -w stat > /dev/null 2>&1 &
psys-record -o - -C "$cpu" -s 0.5 2> /dev/null | psys-fold | psys-svg > "$T/p.svg" ||
	fail "psys-record -o - | psys-fold | psys-svg"
wait $!
grep -q "sysHigh for cpu $cpu" "$T/p.svg" || fail "the piped SVG has no title"
# The reader leaving ends it silently, by SIGPIPE, leaving nothing. (The
# reader leaves early: 5 s of an idle CPU, whose samples carry no stack,
# may take less than 2 KB in all.)
{ rc=0; TMPDIR=$T/tmp psys-record -o - -C "$cpu" -s 5 2> "$T/err" || rc=$?; echo $rc > "$T/rc"; } |
	head -c 100 > /dev/null
[ "$(cat "$T/rc")" = 141 ] || fail "-o - | head: exit $(cat "$T/rc"), want 141"
[ ! -s "$T/err" ] || fail "-o - | head: said something: $(cat "$T/err")"
[ -z "$(ls -A "$T/tmp")" ] || fail "-o - | head left: $(ls -A "$T/tmp")"
# With a folder, a reader of the paths leaving ends it after the file is
# finished, silently.
{ rc=0; { trigger "$cpu"; sleep 1.5; } | psys-record -s 0.3 -o "$T/dir" 2> "$T/err" || rc=$?
  echo $rc > "$T/rc"; } | true
[ "$(cat "$T/rc")" = 141 ] || fail "paths | closed: exit $(cat "$T/rc"), want 141"
grep -v "^psys-record: $T/dir/.*samples" "$T/err" | grep . && fail "paths | closed: said more"
psys-fold "$T/dir"/*.psys > /dev/null || fail "paths | closed: the capture is not whole"
# ... also while more triggers may come (its input stays open): at the
# next path it cannot write, as any filter learns its reader left.
start=$(date +%s)
# The feeder keeps the input open, with empty lines, until it cannot.
{ rc=0; { trigger "$cpu"; sleep 1.5; trigger "$cpu"
	  i=0; while [ $i -lt 60 ] && echo; do sleep 0.1; i=$((i + 1)); done; } |
	timeout 20 psys-record -s 0.3 -o "$T/dir2" 2> "$T/err" || rc=$?
  echo $rc $(( $(date +%s) - start )) > "$T/rc"; } | head -n 1 > /dev/null
read rc secs < "$T/rc"
[ "$rc" = 141 ] || fail "paths | head -n 1: exit $rc, want 141"
[ "$secs" -le 5 ] || fail "paths | head -n 1: ended after $secs s, when its input closed"
[ "$(ls "$T/dir2" | grep -c '\.psys$')" -eq 2 ] || fail "paths | head -n 1: $(ls "$T/dir2")"
for f in "$T/dir2"/*.psys; do
	psys-fold "$f" > /dev/null || fail "paths | head -n 1: $f is not whole"
done
exit 0
