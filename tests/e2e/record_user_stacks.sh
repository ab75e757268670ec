# psys-record --user-stacks: a program built with frame pointers calls
# read(2) from hot_function_in_user_space; it has exited by the time the
# capture is folded, and the fold still names its user frames, in order,
# above the kernel frames (marked _[k] with --annotate).
. "$TOP/tests/lib.sh"
require_bpf
[ "$(uname -m)" = x86_64 ] || skip "the test program's raw syscall is x86-64 only"

ustack -c 1 -t 2.5 -n psys-ustack > /dev/null &
sleep 0.5
psys-record -C 1 -f 1000 -s 1 --user-stacks -o "$T/u.psys" > /dev/null 2> "$T/err" ||
	fail "record: $(cat "$T/err")"
wait	# the program is gone now
psys-fold "$T/u.psys" > "$T/folded" || fail "fold"
grep '^psys-ustack;' "$T/folded" > "$T/mine" || fail "no samples of the test program"
grep -q ';main;outer_user_frame;hot_function_in_user_space;entry_SYSCALL_64' "$T/mine" ||
	fail "user frames missing or out of order: $(head -n 3 "$T/mine")"
hot=$(grep ';hot_function_in_user_space;' "$T/mine" | awk '{s += $NF} END {print s + 0}')
all=$(awk '{s += $NF} END {print s + 0}' "$T/mine")
measure "user stacks: $hot of $all kernel-mode samples of the program name hot_function_in_user_space"
[ $((hot * 100)) -ge $((all * 90)) ] || fail "only $hot of $all samples carry the user frame"
psys-fold --annotate "$T/u.psys" | grep '^psys-ustack;' > "$T/ann"
grep -q ';hot_function_in_user_space;entry_SYSCALL_64_after_hwframe_\[k\];' "$T/ann" ||
	fail "--annotate: $(head -n 3 "$T/ann")"
grep -q 'outer_user_frame_\[k\]' "$T/ann" && fail "--annotate marked a user frame"
# Without --user-stacks nothing changes.
psys-record -C 1 -f 200 -s 0.2 -o "$T/k.psys" > /dev/null 2>&1
psys-fold "$T/k.psys" | grep -q 'outer_user_frame' && fail "user frames without --user-stacks"
exit 0
