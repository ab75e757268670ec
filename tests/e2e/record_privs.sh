# Least privilege: once sampling runs, psys-record holds no effective
# capabilities (only those --user-stacks needs to read other processes)
# and none in its bounding set, with no_new_privs set; CAP_PERFMON stays
# permitted only, raised to reopen the perf event of a CPU that comes
# back online. psys-watch, psys-fold and psys-svg work as nobody.
. "$TOP/tests/lib.sh"
require_bpf

caps() { # pid -> "CapEff CapBnd NoNewPrivs CapPrm"
	awk '/^CapEff|^CapBnd|^NoNewPrivs/ { printf "%s ", $2 } /^CapPrm/ { p = $2 }
	     END { printf "%s", p }' "/proc/$1/status"
}
psys-record -C 0 -s 1.5 -o "$T/a.psys" > /dev/null 2>&1 &
pid=$!
sleep 0.8
set -- $(caps $pid)
wait $pid || fail "capture failed"
[ "$1" = 0000000000000000 ] && [ "$2" = 0000000000000000 ] && [ "$3" = 1 ] ||
	fail "while sampling: CapEff $1 CapBnd $2 NoNewPrivs $3"
# CAP_PERFMON is 38.
[ "$4" = 0000004000000000 ] || fail "while sampling: CapPrm $4, want CAP_PERFMON alone"

psys-record -C 0 -s 1.5 --user-stacks -o "$T/u.psys" > /dev/null 2>&1 &
pid=$!
sleep 0.8
set -- $(caps $pid)
wait $pid || fail "--user-stacks capture failed"
# CAP_DAC_READ_SEARCH 2, CAP_SYS_PTRACE 19.
[ "$1" = 0000000000080004 ] && [ "$3" = 1 ] ||
	fail "--user-stacks: CapEff $1 NoNewPrivs $3, want 0000000000080004 and 1"

# The workstation tools need nothing: run them as nobody.
command -v setpriv > /dev/null || fail "setpriv (util-linux) missing"
cp "$T/a.psys" "$T/pub.psys"
chmod 0644 "$T/pub.psys"
chmod 0755 "$T"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
as_nobody "$BUILD/psys-fold" --idle "$T/pub.psys" > "$T/folded" || fail "psys-fold as nobody"
[ "$(meta "$T/folded" title)" = "sysHigh for cpu 0" ] || fail "fold output as nobody"
as_nobody "$BUILD/psys-svg" < "$T/folded" > "$T/g.svg" || fail "psys-svg as nobody"
as_nobody "$BUILD/psys-watch" -i 0.2 -g 0 --once > "$T/trig" || fail "psys-watch as nobody"
grep -q '"type":"psys-trigger"' "$T/trig" || fail "psys-watch output as nobody"
