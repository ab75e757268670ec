#!/bin/sh
# Write errors in psys-fold and psys-svg: a full device (/dev/full, a full
# tmpfs) is a failure: a one-line message naming the output and the
# reason, exit 1; psys-svg -o leaves neither a partial file under the name
# nor its temporary, and an existing file untouched. A closed pipe (its
# read end closed before the program starts) is a reader that left: the
# program ends silently by SIGPIPE (141), as cat or grep would, even when
# its parent had SIGPIPE ignored. Uses a real capture checked in as a fuzz seed,
# so it needs no BPF.
. "$TOP/tests/lib.sh"
[ -x "$BUILD/psys-fold" ] && [ -x "$BUILD/psys-svg" ] || fail "psys-fold, psys-svg not built"
cap="$TOP/fuzz/corpus/psysfile/two.psys"
[ -f "$cap" ] || fail "missing $cap"

# expect_write_error NAME REASON COMMAND...: run with stdout as set up by
# the caller; exit 1 and exactly one stderr line naming REASON.
expect_write_error() {
	name=$1 reason=$2; shift 2
	rc=0
	"$@" 2> "$T/err" || rc=$?
	[ $rc -eq 1 ] || fail "$name: exit $rc, want 1 (stderr: $(cat "$T/err"))"
	[ "$(wc -l < "$T/err")" -eq 1 ] || fail "$name: want one line: $(cat "$T/err")"
	grep -q "^psys-[a-z]*: cannot write .*: $reason\$" "$T/err" ||
		fail "$name: message: $(cat "$T/err")"
}

# expect_sigpipe NAME COMMAND...: killed by SIGPIPE, nothing on stderr.
expect_sigpipe() {
	name=$1; shift
	rc=0
	"$@" 2> "$T/err" || rc=$?
	[ $rc -eq 141 ] || fail "$name: exit $rc, want 141 (stderr: $(cat "$T/err"))"
	[ ! -s "$T/err" ] || fail "$name: said something: $(cat "$T/err")"
}

psys-fold "$cap" > "$T/folded" || fail "psys-fold: exit $?"
gen-folded -n 3000 -s 30000 > "$T/big.folded"

# Every psys-fold output format, into /dev/full and into a closed pipe.
for fmt in "" "--format speedscope" "--format pprof" "--info" "--diff $cap"; do
	set -- psys-fold $fmt "$cap"
	expect_write_error "psys-fold $fmt > /dev/full" "No space left on device" "$@" > /dev/full
	expect_sigpipe "psys-fold $fmt | closed" closedpipe "$@"
done
# Folded text through --diff's text path too; and with SIGPIPE ignored by
# the parent (as systemd and some language runtimes leave it).
expect_sigpipe "psys-fold --diff text | closed" \
	closedpipe psys-fold --diff "$T/folded" "$T/folded"
expect_sigpipe "psys-fold (SIGPIPE ignored) | closed" \
	closedpipe sh -c 'trap "" PIPE; exec psys-fold "$1"' sh "$cap"

# psys-svg: small and large outputs, /dev/full and a closed pipe.
for in in "$T/folded" "$T/big.folded"; do
	expect_write_error "psys-svg $in > /dev/full" "No space left on device" \
		psys-svg "$in" > /dev/full
	expect_sigpipe "psys-svg $in | closed" closedpipe psys-svg "$in"
done
# -o - is standard output.
expect_sigpipe "psys-svg -o - | closed" closedpipe psys-svg -o - "$T/folded"
expect_sigpipe "psys-svg (SIGPIPE ignored) | closed" \
	closedpipe sh -c 'trap "" PIPE; exec psys-svg "$1"' sh "$T/folded"

# A full file system under -o: the rest needs a small tmpfs (room for the
# small graph, about 90 KB with its time view, not for the big one).
[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root (the rest passed)"
mkdir "$T/small"
mount -t tmpfs -o size=256k,mode=0700 psys-test "$T/small" || skip "cannot mount a tmpfs"
trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT

psys-svg -o "$T/small/g.svg" "$T/folded" || fail "-o small graph: exit $?"
cp "$T/small/g.svg" "$T/keep.svg"
# Replacing it with a graph that does not fit: the old one stays whole.
expect_write_error "psys-svg -o (full, existing)" "No space left on device" \
	psys-svg -o "$T/small/g.svg" "$T/big.folded"
grep -qF "'$T/small/g.svg'" "$T/err" || fail "-o full: message does not name the file: $(cat "$T/err")"
cmp -s "$T/small/g.svg" "$T/keep.svg" || fail "-o full: the existing graph was changed"
[ "$(ls -A "$T/small")" = g.svg ] || fail "-o full: left behind: $(ls -A "$T/small")"
# A new name: nothing at all.
expect_write_error "psys-svg -o (full, new)" "No space left on device" \
	psys-svg -o "$T/small/new.svg" "$T/big.folded"
[ ! -e "$T/small/new.svg" ] || fail "-o full: a partial new.svg claims success"
[ "$(ls -A "$T/small")" = g.svg ] || fail "-o full: left behind: $(ls -A "$T/small")"

# psys-fold has no -o: into a file on the full disk it fails all the same.
head -c 300000 /dev/zero > "$T/small/fill" 2>/dev/null || true
expect_write_error "psys-fold > full tmpfs" "No space left on device" \
	psys-fold "$cap" > "$T/small/out.folded"
expect_write_error "psys-fold --format speedscope > full tmpfs" "No space left on device" \
	psys-fold --format speedscope "$cap" > "$T/small/out.json"
exit 0
