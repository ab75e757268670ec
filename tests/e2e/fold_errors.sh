# psys-fold on bad input: not a capture (exit 1), a truncated capture
# (what is intact, a warning, exit 3), write errors (exit 1), usage (exit 2).
. "$TOP/tests/lib.sh"
[ -x "$BUILD/psys-fold" ] || fail "psys-fold not built"

echo "hello" > "$T/text"
psys-fold "$T/text" > "$T/out" 2> "$T/err" && fail "folded a text file"
[ $? -eq 1 ] || fail "text file: want exit 1"
[ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "'$T/text': not a .psys file" "$T/err" ||
	fail "text file message: $(cat "$T/err")"
psys-fold "$T/missing.psys" 2> "$T/err" && fail "folded a missing file"
grep -q "No such file" "$T/err" || fail "missing file message"
psys-fold "$T" 2> /dev/null && fail "folded a directory"
# No file and a terminal on stdin: a usage error (script(1) gives a tty).
script -qec "$BUILD/psys-fold" /dev/null > "$T/tty" 2>&1 && rc=0 || rc=$?
[ $rc -eq 2 ] || fail "no arguments on a terminal: exit $rc, want 2 ($(cat "$T/tty"))"
grep -q "no input" "$T/tty" || fail "no arguments on a terminal: $(cat "$T/tty")"
rc=0; psys-fold --bogus x > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "bad option: exit $rc, want 2"
psys-fold --help | grep -q "Exit status" || fail "--help"
psys-fold -V | grep -q "^psys-fold [0-9]" || fail "--version"

# The rest needs a real capture.
require_bpf
psys-record -C 0 -f 1000 -s 1.5 -o "$T/c.psys" > /dev/null 2>&1 || fail "record"
psys-fold --idle "$T/c.psys" > "$T/full" || fail "fold"
full=$(meta "$T/full" samples)
size=$(stat -c %s "$T/c.psys")

# Cut in the middle: folds a part, warns, exit 3.
head -c $((size * 2 / 3)) "$T/c.psys" > "$T/cut.psys"
rc=0; psys-fold --idle "$T/cut.psys" > "$T/cut" 2> "$T/err" || rc=$?
[ $rc -eq 3 ] || fail "truncated: exit $rc, want 3"
grep -q "truncated" "$T/err" || fail "truncated: no warning"
part=$(meta "$T/cut" samples)
[ "$part" -le "$full" ] || fail "truncated file has more samples ($part) than the whole ($full)"

# Standard input works like a file.
psys-fold --idle - < "$T/c.psys" | grep -v '^# ' > "$T/stdin"
grep -v '^# ' "$T/full" | cmp -s - "$T/stdin" || fail "stdin differs from file"

# Write errors are failures, not silence.
psys-fold "$T/c.psys" > /dev/full 2> "$T/err" && fail "/dev/full: exit 0"
grep -q "cannot write" "$T/err" || fail "/dev/full: no message"
