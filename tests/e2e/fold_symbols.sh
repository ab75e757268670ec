# psys-fold's symbol sources on one real capture: the embedded symbols, a
# --kallsyms copy (plain, gzip, zstd), a copy moved as KASLR would move it
# (rebased, with a note), a --vmlinux ELF made from the copy: identical
# folded output. A copy whose reference symbols disagree is another kernel:
# refused in one line, exit 1, unless --force.
. "$TOP/tests/lib.sh"
require_bpf
command -v python3 > /dev/null || fail "python3 needed to rewrite kallsyms copies"
edit="$TOP/tests/tools/ksyms-edit.py"
comm=psys-fsym-load

loadgen -c 1 -t 3 -n $comm > /dev/null &
sleep 0.3
psys-record -C 1 -f 999 -s 1.5 -o "$T/cap.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
cp /proc/kallsyms "$T/kallsyms"
wait

psys-fold "$T/cap.psys" > "$T/embedded" || fail "fold with embedded symbols"
grep -q "^$comm;.*;do_syscall_64;" "$T/embedded" || fail "no $comm syscall stack"

same() { # name, psys-fold options...
	name=$1; shift
	psys-fold "$@" "$T/cap.psys" > "$T/out.$name" 2> "$T/$name.err" ||
		fail "$name: exit $?: $(cat "$T/$name.err")"
	cmp -s "$T/embedded" "$T/out.$name" || {
		diff "$T/embedded" "$T/out.$name" | head -20
		fail "$name: output differs from the embedded symbols'"
	}
}

same plain --kallsyms "$T/kallsyms"
[ -s "$T/plain.err" ] && fail "same boot should need no note: $(cat "$T/plain.err")"
gzip -c "$T/kallsyms" > "$T/kallsyms.gz"
same gzip -k "$T/kallsyms.gz"
if command -v zstd > /dev/null; then
	zstd -q -c "$T/kallsyms" > "$T/kallsyms.zst"
	same zstd -k "$T/kallsyms.zst"
fi

# The same build 30 MiB higher, as after a reboot with KASLR.
python3 "$edit" shift 1e00000 "$T/kallsyms" "$T/shifted"
same shifted --kallsyms "$T/shifted"
grep -q "note: .*KASLR (offset +0x1e00000).*rebased" "$T/shifted.err" ||
	fail "no rebase note: $(cat "$T/shifted.err")"
# ... and lower.
python3 "$edit" shift -3000000 "$T/kallsyms" "$T/lower"
same lower --kallsyms "$T/lower"
grep -q "offset -0x3000000" "$T/lower.err" || fail "negative offset note: $(cat "$T/lower.err")"

# A vmlinux-like ELF holding the same symbols; and one moved by KASLR.
python3 "$edit" elf "$T/kallsyms" "$T/vmlinux"
same vmlinux --vmlinux "$T/vmlinux"
python3 "$edit" elf "$T/shifted" "$T/vmlinux.moved"
same vmlinux_moved -e "$T/vmlinux.moved"

# Another kernel: two reference symbols moved differently from the rest.
refs=$(psys-fold --info "$T/cap.psys" | python3 -c '
import json, sys
r = json.load(sys.stdin)["header"]["ref_symbols"]
print(",".join(x["name"] for x in r[3:5]))')
python3 "$edit" scramble 3 "$refs" "$T/kallsyms" "$T/other"
rc=0; psys-fold -k "$T/other" "$T/cap.psys" > "$T/out" 2> "$T/err" || rc=$?
[ $rc -eq 1 ] || fail "another kernel: exit $rc, want 1"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "refusal is not one line: $(cat "$T/err")"
grep -q "is from a different kernel.*--force" "$T/err" || fail "refusal: $(cat "$T/err")"
grep -vq '^# ' "$T/out" && fail "refused, yet stacks were written"
psys-fold --force -k "$T/other" "$T/cap.psys" > "$T/forced" 2> "$T/err" ||
	fail "--force: exit $?"
grep -q "warning: .*different kernel.*--force" "$T/err" || fail "--force warning"
grep -q "^$comm;" "$T/forced" || fail "--force folded nothing"
# A source missing a reference symbol entirely is another kernel too.
first=$(echo "$refs" | cut -d, -f1)
grep -v " $first\$" "$T/kallsyms" > "$T/missing"
psys-fold -k "$T/missing" "$T/cap.psys" > /dev/null 2> "$T/err" && fail "missing reference accepted"
grep -q "$first: .*missing there" "$T/err" || fail "missing reference message: $(cat "$T/err")"

# A capture without embedded symbols needs a source, and says so.
loadgen -c 1 -t 2 -n $comm > /dev/null &
sleep 0.2
psys-record --no-symbols -C 1 -f 999 -s 1 -o "$T/nosym.psys" > /dev/null 2>&1 || fail "record --no-symbols"
wait
psys-fold "$T/nosym.psys" > /dev/null 2> "$T/err" && fail "folded a capture without symbols"
grep -q "no kernel symbols.*--kallsyms" "$T/err" || fail "no-symbols message: $(cat "$T/err")"
psys-fold -k "$T/kallsyms" "$T/nosym.psys" > "$T/nosym" || fail "--no-symbols capture with -k"
grep "^$comm;" "$T/nosym" | grep -q ";do_syscall_64;" || fail "-k named nothing"

# Bad sources: one line each, exit 1.
echo "not kallsyms" > "$T/junk"
psys-fold -k "$T/junk" "$T/cap.psys" 2> "$T/err" && fail "junk kallsyms accepted"
grep -q "cannot read '$T/junk'" "$T/err" || fail "junk message: $(cat "$T/err")"
psys-fold -e "$T/kallsyms" "$T/cap.psys" 2> "$T/err" && fail "text as vmlinux accepted"
grep -q "not an ELF file" "$T/err" || fail "ELF message: $(cat "$T/err")"
rc=0; psys-fold -k "$T/kallsyms" -e "$T/vmlinux" "$T/cap.psys" 2> /dev/null || rc=$?
[ $rc -eq 2 ] || fail "-k with -e: exit $rc, want 2"
exit 0
