# User frames of stripped programs are named from their debug info when
# it is present: a copy of ustack stripped of its symbols, whose debug
# file sits in a build-id tree made here (--debug-dir), names
# hot_function_in_user_space; without --debug-dir it cannot; a copy that
# carries its symbols as MiniDebugInfo (.gnu_debugdata, as Fedora ships
# programs) names them with no debug file at all. The trailer says where
# each file's symbols came from.
. "$TOP/tests/lib.sh"
require_bpf
[ "$(uname -m)" = x86_64 ] || skip "the test program's raw syscall is x86-64 only"
for t in objcopy strip readelf xz nm; do
	command -v $t > /dev/null || fail "$t needed (binutils, xz-utils)"
done

cp "$BUILD/tests/ustack" "$T/ustack-stripped"
id=$(readelf -n "$T/ustack-stripped" | awk '/Build ID/ {print $3}')
[ -n "$id" ] || fail "the test program has no build-id"
dir=$T/debug/.build-id/$(echo "$id" | cut -c1-2)
mkdir -p "$dir"
objcopy --only-keep-debug "$T/ustack-stripped" "$dir/$(echo "$id" | cut -c3-).debug"
strip --strip-all "$T/ustack-stripped"
nm "$T/ustack-stripped" 2>&1 | grep -q hot_function && fail "strip left the symbol"

# MiniDebugInfo: the function symbols only, xz-compressed, in the file.
cp "$BUILD/tests/ustack" "$T/ustack-mini"
nm "$T/ustack-mini" --format=posix --defined-only | awk '$2 ~ /[Tt]/ {print $1}' | sort > "$T/funcs"
objcopy --only-keep-debug "$T/ustack-mini" "$T/mini.debug"
objcopy -S --remove-section .gdb_index --remove-section .comment \
	--keep-symbols="$T/funcs" "$T/mini.debug" "$T/mini"
xz -f "$T/mini"
strip --strip-all --remove-section=.comment "$T/ustack-mini"
objcopy --add-section .gnu_debugdata="$T/mini.xz" "$T/ustack-mini"

run() { # program, name, psys-record options...
	prog=$1; name=$2; shift 2
	"$prog" -c 1 -t 2 -n "$name" > /dev/null &
	sleep 0.3
	psys-record -C 1 -f 999 -s 1.2 --user-stacks "$@" -o "$T/$name.psys" > /dev/null \
		2> "$T/err" || fail "record: $(cat "$T/err")"
	wait
	psys-fold "$T/$name.psys" | grep "^$name;" > "$T/$name.folded" ||
		fail "$name: no samples"
}
chain=';main;outer_user_frame;hot_function_in_user_space;entry_SYSCALL_64'

run "$T/ustack-stripped" psys-dbg-no
grep -q "$chain" "$T/psys-dbg-no.folded" && fail "named without its debug file"
grep -q '\[ustack-stripped\]' "$T/psys-dbg-no.folded" ||
	fail "unnamed frames not shown as the file: $(head -n 2 "$T/psys-dbg-no.folded")"

run "$T/ustack-stripped" psys-dbg-yes --debug-dir "$T/debug"
grep -q "$chain" "$T/psys-dbg-yes.folded" ||
	fail "not named from the build-id tree: $(head -n 2 "$T/psys-dbg-yes.folded")"
psys-fold --info "$T/psys-dbg-yes.psys" | python3 -c '
import json, sys
maps = json.load(sys.stdin)["trailer"]["user_mappings"]
m = [m for m in maps if m["file"].endswith("/ustack-stripped")]
assert m, maps
assert m[0]["build_id"] == sys.argv[1], m[0]
assert m[0]["symbols"].startswith(sys.argv[2] + "/.build-id/"), m[0]
' "$id" "$T/debug" || fail "trailer: build-id or debug file"

run "$T/ustack-mini" psys-dbg-mini
grep -q "$chain" "$T/psys-dbg-mini.folded" ||
	fail "not named from .gnu_debugdata: $(head -n 2 "$T/psys-dbg-mini.folded")"
psys-fold --info "$T/psys-dbg-mini.psys" | grep -q '"symbols": ".gnu_debugdata"' ||
	fail "trailer does not say .gnu_debugdata"
exit 0
