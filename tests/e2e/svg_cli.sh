#!/bin/sh
# psys-svg's command line: help, version, usage errors, exit codes, error
# messages, -o written atomically, write errors (full disk, closed pipe),
# byte-identical output, and metadata giving only title and subtitle.
. "$TOP/tests/lib.sh"

[ -x "$BUILD/psys-svg" ] || fail "psys-svg not built"
version=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")

cat > "$T/psys.folded" <<'EOF'
# psys-fold 0.1.0
# title: sysHigh for cpu 1:3
# host: web-17
# kernel: 6.18.44
# window: 2026-11-26 10:15:04.123 .. 10:15:07.125 (3.002 s)
# cpus: 1:3
# freq: 200 Hz
# samples: 1200
# lost: 0
loadgen;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_read;ksys_read 812
loadgen;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_write;ksys_write 300
loadgen;asm_sysvec_apic_timer_interrupt;nf_hook_slow [nf_tables] 88
EOF
grep -v '^#' "$T/psys.folded" > "$T/plain.folded"

# --help and --version: stdout, exit 0.
psys-svg --help > "$T/help" || fail "--help exit $?"
grep -q '^Usage: psys-svg' "$T/help" || fail "--help: no usage line"
grep -q 'Exit status: 0 success; 1 failure' "$T/help" ||
	fail "--help does not document exit codes"
for o in --width --height --minwidth --fonttype --fontsize --countname \
	--nametype --colors --bgcolors --hash --inverted --reverse --negate \
	--notes --title --subtitle --output; do
	grep -q -- "$o" "$T/help" || fail "--help does not mention $o"
done
psys-svg -h | cmp -s - "$T/help" || fail "-h differs from --help"
[ "$(psys-svg --version)" = "psys-svg $version" ] || fail "--version"
[ "$(psys-svg -V)" = "psys-svg $version" ] || fail "-V"

# Usage errors: exit 2, a message on stderr, nothing on stdout.
usage_error() { # expected-stderr-substring, args...
	want=$1; shift
	psys-svg "$@" < "$T/plain.folded" > "$T/out" 2> "$T/err" && rc=0 || rc=$?
	[ $rc -eq 2 ] || fail "'$*': exit $rc, want 2"
	[ ! -s "$T/out" ] || fail "'$*': wrote to stdout"
	grep -qF -- "$want" "$T/err" || fail "'$*': stderr: $(cat "$T/err")"
}
usage_error "psys-svg: unknown option '--bogus'" --bogus
usage_error "psys-svg: bad colors 'pink': want" --colors pink
usage_error "psys-svg: bad bgcolors 'mauve'" --bgcolors mauve
usage_error "psys-svg: bad width 'wide'" --width wide
usage_error "psys-svg: bad width '10': want a number from 100 to 1e+06" -w 10
usage_error "psys-svg: bad minwidth 'x%'" --minwidth x%
usage_error "psys-svg: bad minwidth '-1'" --minwidth=-1
usage_error "psys-svg: bad fontsize '0'" -S 0
usage_error "psys-svg: too many arguments: 'b'" a b
usage_error "psys-svg: option '--title' needs a value" --title

# Missing input, a directory as input: exit 1, "what 'which': why".
psys-svg "$T/nope" > "$T/out" 2> "$T/err" && fail "missing file accepted"
[ "$(cat "$T/err")" = "psys-svg: cannot open '$T/nope': No such file or directory" ] ||
	fail "missing file message: $(cat "$T/err")"
psys-svg "$T" > "$T/out" 2> "$T/err" && rc=0 || rc=$?
[ $rc -eq 1 ] || fail "directory input: exit $rc"
grep -qF "psys-svg: cannot read '$T': Is a directory" "$T/err" ||
	fail "directory message: $(cat "$T/err")"

# Input from a file, from stdin, and from '-' is the same graph.
psys-svg "$T/psys.folded" > "$T/a.svg" || fail "file input: exit $?"
psys-svg < "$T/psys.folded" > "$T/b.svg" || fail "stdin input"
psys-svg - < "$T/psys.folded" > "$T/c.svg" || fail "'-' input"
cmp -s "$T/a.svg" "$T/b.svg" && cmp -s "$T/a.svg" "$T/c.svg" ||
	fail "file, stdin and '-' differ"
# Byte-identical whatever the locale, time zone or run.
TZ=Asia/Tokyo LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 psys-svg "$T/psys.folded" \
	> "$T/d.svg" 2>/dev/null
cmp -s "$T/a.svg" "$T/d.svg" || fail "output depends on locale or time zone"

# The metadata gives the title and subtitle, and says the frames are
# kernel frames (orange unless --colors); otherwise the frames are those
# of the same stacks without metadata (perf script | stackcollapse-perf).
grep -q '<text id="title" x="600" y="24">sysHigh for cpu 1:3</text>' "$T/a.svg" ||
	fail "title from metadata"
grep -q '>web-17 .* 2026-11-26 10:15:04.123 .. 10:15:07.125 (3.002 s) .* 1200 samples, 0 lost</text>' \
	"$T/a.svg" || fail "subtitle from metadata"
psys-svg -c hot --title 'sysHigh for cpu 1:3' --subtitle x "$T/plain.folded" > "$T/p.svg"
psys-svg -c hot --subtitle x "$T/psys.folded" > "$T/q.svg"
cmp -s "$T/p.svg" "$T/q.svg" || fail "metadata changed more than the title"
psys-svg "$T/plain.folded" > "$T/r.svg"
grep -q '>Flame Graph</text>' "$T/r.svg" || fail "default title"
grep -q 'id="subtitle"' "$T/r.svg" && fail "subtitle without metadata"
psys-svg -t 'mine' -s 'sub' "$T/psys.folded" | grep -q '>mine</text>' ||
	fail "--title over metadata"

# Lines that are not stacks: skipped, one warning, still exit 0.
{ cat "$T/plain.folded"; echo "garbage"; echo "a;b -1"; } > "$T/mixed"
psys-svg "$T/mixed" > "$T/m.svg" 2> "$T/err" || fail "mixed input: exit $?"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "want one warning: $(cat "$T/err")"
grep -qF "psys-svg: '$T/mixed': skipped 2 lines that are not folded stacks (the first is line 4)" \
	"$T/err" || fail "warning text: $(cat "$T/err")"

# No samples: a valid SVG saying so, exit 2.
for input in /dev/null "$T/junk"; do
	printf 'not a stack\n# title: x\n' > "$T/junk"
	psys-svg "$input" > "$T/e.svg" 2> "$T/err" && rc=0 || rc=$?
	[ $rc -eq 2 ] || fail "$input: exit $rc, want 2"
	grep -q 'No samples in the input' "$T/e.svg" || fail "$input: no message in SVG"
	grep -q "no samples" "$T/err" || fail "$input: no message on stderr"
	tail -n 1 "$T/e.svg" | grep -q '^</svg>$' || fail "$input: SVG not closed"
done

# -o: the file is complete, mode from the umask, no temporary left.
mkdir "$T/outdir"
(umask 022 && psys-svg -o "$T/outdir/g.svg" "$T/psys.folded") || fail "-o: exit $?"
cmp -s "$T/outdir/g.svg" "$T/a.svg" || fail "-o content differs from stdout"
[ "$(stat -c %a "$T/outdir/g.svg")" = 644 ] || fail "-o mode $(stat -c %a "$T/outdir/g.svg")"
[ "$(ls "$T/outdir")" = g.svg ] || fail "-o left: $(ls "$T/outdir")"
# Replacing: a new file (rename), never the old one rewritten in place.
ino=$(stat -c %i "$T/outdir/g.svg")
psys-svg --output="$T/outdir/g.svg" "$T/plain.folded" || fail "-o replace"
[ "$(stat -c %i "$T/outdir/g.svg")" != "$ino" ] || fail "-o rewrote in place"
# A failed run leaves an existing file alone and no temporary behind.
cp "$T/outdir/g.svg" "$T/keep.svg"
psys-svg -o "$T/outdir/g.svg" "$T/nope" 2>/dev/null && fail "failed run exit 0"
cmp -s "$T/outdir/g.svg" "$T/keep.svg" || fail "failed run touched -o file"
[ "$(ls "$T/outdir")" = g.svg ] || fail "failed run left: $(ls "$T/outdir")"
psys-svg -o "$T/nodir/g.svg" "$T/psys.folded" 2> "$T/err" && fail "-o into missing dir"
grep -qF "psys-svg: cannot create '$T/nodir/g.svg': No such file or directory" "$T/err" ||
	fail "-o missing dir message: $(cat "$T/err")"
# No samples with -o: the file is still written, exit 2.
psys-svg -o "$T/outdir/empty.svg" /dev/null 2>/dev/null && rc=0 || rc=$?
[ $rc -eq 2 ] && grep -q 'No samples' "$T/outdir/empty.svg" || fail "-o empty: exit $rc"
psys-svg -o - "$T/psys.folded" | cmp -s - "$T/a.svg" || fail "-o - is not stdout"

# Write errors: a full disk and a closed pipe are failures, with a message.
psys-svg "$T/psys.folded" > /dev/full 2> "$T/err" && fail "/dev/full: exit 0"
grep -qF "psys-svg: cannot write 'standard output': No space left on device" "$T/err" ||
	fail "/dev/full message: $(cat "$T/err")"
gen-folded -n 3000 -s 30000 > "$T/big.folded"
{ psys-svg "$T/big.folded" 2> "$T/err" && rc=0 || rc=$?; echo $rc > "$T/rc"; } |
	head -c 100 > /dev/null
# A reader that goes away: killed by SIGPIPE (141), silently, as a filter.
[ "$(cat "$T/rc")" = 141 ] || fail "closed pipe: exit $(cat "$T/rc"), want 141"
[ ! -s "$T/err" ] || fail "closed pipe: stderr: $(cat "$T/err")"

# Annotations: never shown; kernel and user frames in different colours.
printf 'app;main;read_[k];vfs_read_[k] 3\napp;main;parse 2\n' > "$T/ann.folded"
psys-svg "$T/ann.folded" > "$T/ann.svg"
grep -q '_\[k\]' "$T/ann.svg" && fail "annotation shown"
grep -q '<title>vfs_read (3 samples' "$T/ann.svg" || fail "annotated frame name"

# Options reach the SVG.
psys-svg --width 800 --height 20 --fontsize 10 --fonttype 'DejaVu Sans' \
	--countname bytes --nametype 'Alloc:' --bgcolors '#ffffff' \
	--notes 'built by CI' "$T/plain.folded" > "$T/o.svg"
grep -q '<svg version="1.1" width="800" ' "$T/o.svg" || fail "--width"
grep -q 'height="19" fill=' "$T/o.svg" || fail "--height"
grep -q 'font-family="DejaVu Sans" font-size="10"' "$T/o.svg" || fail "--fonttype/--fontsize"
grep -q '(812 bytes, ' "$T/o.svg" || fail "--countname"
grep -q 'data-nt="Alloc:"' "$T/o.svg" || fail "--nametype"
grep -q 'stop-color="#ffffff"' "$T/o.svg" || fail "--bgcolors"
grep -q '<desc id="notes">built by CI</desc>' "$T/o.svg" || fail "--notes"
psys-svg --minwidth 10% "$T/plain.folded" | grep -q nf_hook_slow && fail "--minwidth %"
psys-svg --minwidth 10 "$T/plain.folded" | grep -q nf_hook_slow || fail "--minwidth px"
psys-svg --inverted "$T/plain.folded" | grep -q 'data-inv="1"' || fail "--inverted"
psys-svg --reverse "$T/plain.folded" |
	grep -q '<title>ksys_read (812 samples, 67.67%, 67.67% of parent)' ||
	fail "--reverse: leaves are not at the root"
exit 0
