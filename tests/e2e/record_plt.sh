# PLT entries are named as objdump and perf name them: pltcall (built
# with frame pointers) calls libc's syscall() and stat() through its PLT;
# samples taken in user mode inside the PLT fold as "...;outer_c;
# syscall@plt", never "_init" (a zero-size symbol in .init once stretched
# over .plt), and no frame of the program is left unnamed.
. "$TOP/tests/lib.sh"
require_bpf
[ "$(uname -m)" = x86_64 ] || skip "the expected PLT layout is checked on x86-64 only"

prog="$BUILD/tests/pltcall"
if command -v objdump > /dev/null; then
	objdump -d "$prog" | grep -q '<syscall@plt>:' ||
		fail "objdump does not see syscall@plt: the test program changed"
fi
pltcall -c 1 -t 3.5 -n psys-plt > /dev/null &
sleep 0.3
psys-record -C 1 -f 999 -s 3 --user-stacks -o "$T/p.psys" > /dev/null 2> "$T/err" ||
	fail "record: $(cat "$T/err")"
wait
psys-fold --user "$T/p.psys" | grep '^psys-plt;' > "$T/mine" || fail "no samples of the test program"
plt=$(grep -E ';outer_c;(syscall|stat)@plt( |;)' "$T/mine" | awk '{s += $NF} END {print s + 0}')
all=$(awk '{s += $NF} END {print s + 0}' "$T/mine")
measure "PLT: $plt of $all samples of the program in syscall@plt or stat@plt"
[ "$plt" -gt 0 ] || fail "no sample named syscall@plt or stat@plt: $(sort -k2 -nr "$T/mine" | head -5)"
grep -q ';_init' "$T/mine" && fail "_init named: $(grep ';_init' "$T/mine" | head -3)"
grep -q '\[pltcall\]' "$T/mine" && fail "a frame of the program unnamed: $(grep -F '[pltcall]' "$T/mine" | head -3)"
# The trailer lists the program's file with its build-id.
want=$(readelf -n "$prog" 2>/dev/null | awk '/Build ID/ {print $3}')
if [ -n "$want" ]; then
	psys-fold --info "$T/p.psys" | python3 -c '
import json, sys
maps = json.load(sys.stdin)["trailer"]["user_mappings"]
hit = [m for m in maps if m["file"].endswith("/pltcall")]
assert hit, "pltcall not in user_mappings"
assert hit[0]["build_id"] == sys.argv[1], hit[0]
' "$want" || fail "user_mappings in the trailer"
fi
exit 0
