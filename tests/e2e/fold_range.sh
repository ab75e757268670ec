# psys-fold --from/--to that cannot keep anything: a --to not after --from
# is a usage error (exit 2, one line, nothing on stdout), whether the
# times compare at once (both seconds) or only against the capture (a
# time of day and seconds); a range outside the capture folds nothing and
# says so in one warning line naming the capture's own window (exit 0).
# Runs on a checked-in capture: no BPF needed.
. "$TOP/tests/lib.sh"
cap="$TOP/fuzz/corpus/psysfile/read.psys"	# 0.300 s from 10:31:00.937 UTC

usage_error() { # what, options...
	what=$1; shift
	rc=0; psys-fold "$@" "$cap" > "$T/out" 2> "$T/err" || rc=$?
	[ $rc -eq 2 ] || fail "$what: exit $rc, want 2"
	[ "$(wc -l < "$T/err")" -eq 1 ] || fail "$what: not one line: $(cat "$T/err")"
	grep -q -- "--to .* is not after --from" "$T/err" || fail "$what: $(cat "$T/err")"
	[ -s "$T/out" ] && fail "$what: wrote output"
	return 0
}
usage_error inverted --from 3 --to 2
usage_error "equal ends" --from 0.1 --to 0.1
# A time of day against seconds from the start: known once the capture's
# start is (10:31:00.937 UTC, so --to 10:31:00 is before --from 0.1).
TZ=UTC usage_error "time of day before --from" --from 0.1 --to 10:31:00
# With the capture named in the message.
TZ=UTC psys-fold --from 0.1 --to 10:31:00 "$cap" 2>&1 > /dev/null | grep -q "'$cap'" ||
	fail "the per-capture refusal does not name the file"

empty() { # what, options...
	what=$1; shift
	rc=0; TZ=UTC psys-fold "$@" "$cap" > "$T/out" 2> "$T/err" || rc=$?
	[ $rc -eq 0 ] || fail "$what: exit $rc, want 0: $(cat "$T/err")"
	[ "$(wc -l < "$T/err")" -eq 1 ] || fail "$what: not one line: $(cat "$T/err")"
	grep -q "warning: '.*read.psys': no samples in the range" "$T/err" ||
		fail "$what: $(cat "$T/err")"
	grep -q "the capture covers 0 to 0.300 s (2026-11-26T10:31:00.937+00:00 .. 2026-11-26T10:31:01.237+00:00)" "$T/err" ||
		fail "$what: the capture's window is not named: $(cat "$T/err")"
	grep -q '^# samples: "0"' "$T/out" || fail "$what: folded samples"
	return 0
}
empty "past the end" --from 5
grep -q -- "--from 5:" "$T/err" || fail "the range is not quoted: $(cat "$T/err")"
empty "before the start" --to 10:30
empty "a window between" --from 2 --to 3

# A range inside the capture: no warning, samples folded.
psys-fold --from 0.1 --to 0.2 "$cap" > "$T/out" 2> "$T/err" || fail "inside: exit $?"
[ -s "$T/err" ] && fail "inside: $(cat "$T/err")"
grep -q '^# samples: "0"' "$T/out" && fail "inside: nothing folded"
exit 0
