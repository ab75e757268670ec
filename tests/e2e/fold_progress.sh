# psys-fold's progress line: with several files and standard error a
# terminal, "[i/N] PATH" per file, each ended by \r and the last erased,
# a warning about a file overwrites its line; none when standard error is
# not a terminal or there is one file; standard output is the same.
. "$TOP/tests/lib.sh"
require_bpf
command -v script > /dev/null || fail "script (util-linux) needed for a terminal"

psys-record -C 0 -f 99 -s 0.5 -o "$T/a.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
cp "$T/a.psys" "$T/b.psys"
# One byte short: the trailer runs past the end, so the file is truncated.
head -c $(( $(wc -c < "$T/a.psys") - 1 )) "$T/a.psys" > "$T/cut.psys"

psys-fold "$T/a.psys" "$T/cut.psys" "$T/b.psys" > "$T/plain.out" 2> "$T/plain.err" &&
	fail "a truncated file: exit 0"
grep -q '\[1/3\]' "$T/plain.err" && fail "progress on a non-terminal stderr"
grep -q "warning: '$T/cut.psys': truncated" "$T/plain.err" || fail "no warning"

# script gives psys-fold a terminal; its transcript is what the terminal got.
script -qec "psys-fold '$T/a.psys' '$T/cut.psys' '$T/b.psys' > '$T/tty.out'" \
	"$T/ts" > /dev/null 2>&1 || true
cmp "$T/plain.out" "$T/tty.out" || fail "standard output changed with a terminal"
esc=$(printf '\033')
cr=$(printf '\r')
# One line per file, in order, each ending in \r; the warning overwrites
# the cut file's line; the last line is erased.
tr '\r' '\n' < "$T/ts" | grep -c "^${esc}\[Kpsys-fold: \[[1-3]/3\] $T/" > "$T/n" || true
[ "$(cat "$T/n")" = 3 ] || { cat -v "$T/ts"; fail "want 3 progress lines, got $(cat "$T/n")"; }
grep -q "\[2/3\] $T/cut.psys${cr}psys-fold: warning: '$T/cut.psys'" "$T/ts" ||
	{ cat -v "$T/ts"; fail "the warning does not overwrite the progress line"; }
grep -q "\[3/3\] $T/b.psys${cr}${esc}\[K" "$T/ts" || { cat -v "$T/ts"; fail "last line not erased"; }

script -qec "psys-fold '$T/a.psys' > /dev/null" "$T/ts1" > /dev/null 2>&1 ||
	fail "one file on a terminal failed"
grep -q '\[1/1\]' "$T/ts1" && fail "progress for a single file"
exit 0
