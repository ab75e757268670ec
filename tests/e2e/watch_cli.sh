# psys-watch's command line and exits: --help/--version, usage errors (2),
# quiet exits on SIGINT and SIGTERM (0), a closed pipe (SIGPIPE, 141, silent),
# write errors (1).
. "$TOP/tests/lib.sh"

psys-watch --help > "$T/out" 2> "$T/err" || fail "--help exit $?"
grep -q '^usage: psys-watch ' "$T/out" || fail "--help: no usage line"
grep -q 'Exit status' "$T/out" || fail "--help: exit codes not documented"
[ ! -s "$T/err" ] || fail "--help wrote to stderr"
psys-watch -h | cmp -s - "$T/out" || fail "-h differs from --help"
psys-watch --help > /dev/full 2> "$T/err" && fail "--help to /dev/full succeeded"
grep -q 'psys-watch: cannot write' "$T/err" || fail "--help /dev/full: no message"

version=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
[ "$(psys-watch --version)" = "psys-watch $version" ] || fail "--version"
[ "$(psys-watch -V)" = "psys-watch $version" ] || fail "-V"

for args in "-i 0.05" "-i 0" "-i -1" "-i abc" "-i 1s" "-i nan" "-i inf" \
	"-i 100000" "-g 101" "-g -1" "-g x" "-g nan" "-C x" "-C 1-" \
	"-C 70000" "--bogus" "-i" "extra" "--once=1"; do
	rc=0
	psys-watch $args > "$T/out" 2> "$T/err" || rc=$?
	[ $rc -eq 2 ] || fail "'$args': exit $rc, want 2"
	[ ! -s "$T/out" ] || fail "'$args': wrote to stdout"
	[ "$(wc -l < "$T/err")" -ge 1 ] || fail "'$args': no message"
	grep -q 'psys-watch' "$T/err" || fail "'$args': message without name"
done
# Long forms work: a valid command runs (stopped by timeout).
rc=0
timeout --preserve-status 1 psys-watch --interval 0.2 --gate 100 --cpus 0 \
	--irq --verbose > /dev/null 2> "$T/err" || rc=$?
[ $rc -eq 0 ] || fail "long options: exit $rc"
grep -q 'sys includes irq+softirq' "$T/err" || fail "--irq/--verbose ignored"

# A reader that goes away: killed by SIGPIPE, as any filter, saying nothing.
{ rc=0; timeout 20 psys-watch -i 0.1 -g 0 2> "$T/err" || rc=$?; echo $rc > "$T/rc"; } |
	head -n 1 > "$T/first"
[ "$(cat "$T/rc")" = 141 ] || fail "closed pipe: exit $(cat "$T/rc"), want 141"
[ ! -s "$T/err" ] || fail "closed pipe: stderr: $(cat "$T/err")"
python3 -c 'import json, sys; json.loads(open(sys.argv[1]).read())' \
	"$T/first" || fail "first line is not JSON"
# ... even when it never had anything to write (gate 100 on idle CPUs).
{ rc=0; timeout 20 psys-watch -i 0.1 -g 100 -C 0 2> "$T/err" || rc=$?; echo $rc > "$T/rc"; } |
	true
[ "$(cat "$T/rc")" = 141 ] || fail "reader gone, nothing written: exit $(cat "$T/rc")"
[ ! -s "$T/err" ] || fail "reader gone, nothing written: stderr: $(cat "$T/err")"

# A full disk is a failure, with a message.
rc=0
timeout 20 psys-watch -i 0.1 -g 0 > /dev/full 2> "$T/err" || rc=$?
[ $rc -eq 1 ] || fail "/dev/full: exit $rc, want 1"
grep -q '^psys-watch: cannot write to standard output: No space left on device$' \
	"$T/err" || fail "/dev/full: message: $(cat "$T/err")"

# SIGINT and SIGTERM end it with 0.
for sig in INT TERM; do
	psys-watch -i 0.1 -g 100 > "$T/out" 2> "$T/err" &
	pid=$!
	sleep 0.5
	kill -s $sig $pid
	rc=0
	wait $pid || rc=$?
	[ $rc -eq 0 ] || fail "SIG$sig: exit $rc, want 0"
	[ ! -s "$T/err" ] || fail "SIG$sig: stderr: $(cat "$T/err")"
done
echo ok
