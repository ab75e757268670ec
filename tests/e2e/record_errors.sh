# psys-record's refusals: bad options (exit 2), missing privileges, never
# overwriting (exit 1), each with a one-line message.
. "$TOP/tests/lib.sh"
[ -x "$BUILD/psys-record" ] || fail "psys-record not built"

for args in "-f 0" "-f abc" "-s -1" "-s 0" "-C abc" "-C 3-1" "--bogus" "-o ''" "extra" \
	"--debug-dir /usr/lib/debug" "--user-stacks --debug-dir ''"; do
	eval "psys-record $args" > "$T/out" 2> "$T/err" && fail "psys-record $args succeeded"
	rc=$?
	[ $rc -eq 2 ] || fail "psys-record $args: exit $rc, want 2"
	[ -s "$T/out" ] && fail "psys-record $args wrote to stdout"
done
psys-record --help | grep -q "Exit status" || fail "--help lacks exit codes"
psys-record --version | grep -q "^psys-record [0-9]" || fail "--version"

# Without privileges: one line naming what is missing, exit 1.
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$BUILD/psys-record" -s 0.1 -o "$T/np.psys" > /dev/null 2> "$T/err" &&
		fail "unprivileged psys-record succeeded"
	rc=$?
	[ $rc -eq 1 ] || fail "unprivileged: exit $rc, want 1"
	[ "$(wc -l < "$T/err")" -eq 1 ] || fail "unprivileged: want one line: $(cat "$T/err")"
	grep -q "CAP_BPF" "$T/err" && grep -q "CAP_PERFMON" "$T/err" ||
		fail "unprivileged: should name CAP_BPF and CAP_PERFMON: $(cat "$T/err")"
	[ -e "$T/np.psys" ] && fail "unprivileged run left a file"
	# CAP_BPF and CAP_PERFMON but not CAP_SYSLOG: kallsyms hides addresses
	# when perf_event_paranoid > 1, and the error says what is missing.
	if [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 1 ]; then
		chmod 0711 "$T"
		mkdir "$T/nb"
		chown 65534:65534 "$T/nb"
		caps=-all,+bpf,+perfmon
		rc=0
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=$caps \
			--ambient-caps=$caps "$BUILD/psys-record" -C 0 -s 0.2 -o "$T/nb/ns.psys" \
			> /dev/null 2> "$T/err" || rc=$?
		[ $rc -eq 1 ] && grep -q "needs CAP_SYSLOG" "$T/err" ||
			fail "without CAP_SYSLOG: exit $rc: $(cat "$T/err")"
		# --no-symbols does without, and says what that costs.
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=$caps \
			--ambient-caps=$caps "$BUILD/psys-record" -C 0 -s 0.2 --no-symbols \
			-o "$T/nb/ns.psys" > /dev/null 2> "$T/err" ||
			fail "--no-symbols without CAP_SYSLOG failed: $(cat "$T/err")"
		grep -q "no reference symbols" "$T/err" || fail "--no-symbols: no warning"
	fi
elif [ "${CI:-}" = true ]; then
	fail "cannot test the unprivileged path (need root and setpriv)"
fi

require_bpf
# Never overwrite: an existing file is refused and left as it was.
echo precious > "$T/taken.psys"
psys-record -C 0 -s 0.1 -o "$T/taken.psys" > /dev/null 2> "$T/err" &&
	fail "overwrote an existing file"
grep -q "File exists" "$T/err" || fail "no reason given: $(cat "$T/err")"
[ "$(cat "$T/taken.psys")" = precious ] || fail "existing file changed"
# A symlink planted where the file would go is not followed.
ln -s "$T/target" "$T/link.psys"
psys-record -C 0 -s 0.1 -o "$T/link.psys" > /dev/null 2>&1 && fail "wrote through a symlink"
[ -e "$T/target" ] && fail "created the symlink's target"

# A directory: the file is named after the local start time; a second
# capture in the same second gets a suffix instead of overwriting.
psys-record -C 0 -s 0.1 -o "$T/dir" > "$T/p1" 2>/dev/null || fail "record into a new dir"
psys-record -C 0 -s 0.1 -o "$T/dir" > "$T/p2" 2>/dev/null || fail "second record into dir"
p1=$(cat "$T/p1") p2=$(cat "$T/p2")
echo "$p1" | grep -Eq "/dir/[0-9]{8}_[0-9]{6}\.psys$" || fail "file name: $p1"
[ "$p1" != "$p2" ] && [ -f "$p1" ] && [ -f "$p2" ] || fail "names: $p1 $p2"
[ "$(stat -c %a "$T/dir")" = 700 ] || fail "new directory mode $(stat -c %a "$T/dir")"

# The output directory: not through a symlink, not where anyone may write
# without the sticky bit.
mkdir "$T/real"
ln -s "$T/real" "$T/linkdir"
rc=0; psys-record -C 0 -s 0.1 -o "$T/linkdir" > /dev/null 2> "$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "symlink" "$T/err" || fail "wrote into a symlinked directory (exit $rc): $(cat "$T/err")"
[ -z "$(ls "$T/real")" ] || fail "a file appeared through the symlinked directory"
mkdir -m 0777 "$T/open"
chmod 0777 "$T/open"
rc=0; psys-record -C 0 -s 0.1 -o "$T/open" > /dev/null 2> "$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "sticky" "$T/err" || fail "wrote into a world-writable dir (exit $rc)"
rc=0; psys-record -C 0 -s 0.1 -o "$T/open/x.psys" > /dev/null 2> "$T/err" || rc=$?
[ $rc -eq 1 ] || fail "wrote FILE.psys into a world-writable dir (exit $rc)"
chmod 1777 "$T/open"
psys-record -C 0 -s 0.1 -o "$T/open" > /dev/null 2>&1 || fail "refused a sticky world-writable dir"
