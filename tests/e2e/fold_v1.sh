# Captures of psys 0.1 (format 1, with file-wide ids) still fold: whole,
# they fold as before; cut short, up to the cut; damaged, up to the first
# damaged record and no further (past it their ids may point anywhere),
# saying so, and no stack or process gains a sample over the whole fold.
. "$TOP/tests/lib.sh"
v1=$TOP/fuzz/corpus/psysfile/two.psys
psys-fold --per-cpu --per-pid --idle --user "$v1" > "$T/clean" || fail "format 1 capture: exit $?"
grep -q '^# samples_read: "719 ' "$T/clean" || fail "format 1 capture: $(grep samples "$T/clean")"
size=$(stat -c %s "$v1")

# fits A B: every stack line of fold A has at most its count in fold B.
fits() {
	python3 - "$1" "$2" <<'PY'
import sys
def load(p):
    d = {}
    for l in open(p, 'rb').read().split(b'\n'):
        if l and not l.startswith(b'# '):
            s, n = l.rsplit(b' ', 1)
            d[s] = int(n)
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
bad = [s for s in a if a[s] > b.get(s, 0)]
sys.exit(1 if bad else 0)
PY
}

damaged=0
for off in $(seq 200 331 $((size - 100))); do
	cp "$v1" "$T/d.psys"
	printf '\132' | dd of="$T/d.psys" bs=1 seek="$off" conv=notrunc 2> /dev/null
	rc=0
	psys-fold --per-cpu --per-pid --idle --user "$T/d.psys" > "$T/d" 2> "$T/d.err" || rc=$?
	cmp -s "$v1" "$T/d.psys" && continue	# the byte was already that
	[ $rc -eq 3 ] || fail "flip at $off: exit $rc, want 3"
	fits "$T/d" "$T/clean" || fail "flip at $off: a stack gained samples"
	grep -q "format 1 capture damaged" "$T/d.err" && damaged=$((damaged + 1))
done
[ $damaged -gt 0 ] || fail "no flip was reported as unreadable past the damage"
measure "format 1: $damaged flips stopped reading at the damage, none gained a sample"

head -c $((size / 2)) "$v1" > "$T/cut.psys"
rc=0; psys-fold --per-cpu --per-pid --idle --user "$T/cut.psys" > "$T/cut" 2>/dev/null || rc=$?
[ $rc -eq 3 ] || fail "cut format 1 capture: exit $rc, want 3"
fits "$T/cut" "$T/clean" || fail "cut format 1 capture: a stack gained samples"
exit 0
