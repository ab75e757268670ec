# A full disk during a capture: a one-line error, the capture in progress
# ends readable (what was written before the error, plus a trailer saying
# why if it fits), earlier captures stay untouched, and triggered mode keeps
# watching; the exit status says a capture failed.
. "$TOP/tests/lib.sh"
require_bpf
[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root"

mkdir "$T/small"
mount -t tmpfs -o size=64k,mode=0700 psys-test "$T/small" || skip "cannot mount a tmpfs"
trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT

loadgen -c 1 -t 20 -n psys-full > /dev/null &
# An earlier, small capture that must survive.
{ trigger 1; sleep 1; } | psys-record -C 1 -s 0.3 -f 200 --no-peak -o "$T/small" > "$T/first" 2>&1 ||
	fail "first capture failed: $(cat "$T/first")"
first=$(ls "$T/small"/*.psys)
sum=$(md5sum < "$first")
# Leave about 8 KiB free: the header fits, the first data record of a
# 4999 Hz capture (a second of samples and their symbols) does not.
used=$(du -k "$T/small" | awk '{print $1}')
dd if=/dev/zero of="$T/small/filler" bs=1k count=$((64 - used - 8)) 2>/dev/null || true
rc=0
{ trigger 1; sleep 3; trigger 1; sleep 1.5; } |
	psys-record -C 1 -s 1 -f 4999 -o "$T/small" > "$T/paths" 2> "$T/err" || rc=$?
[ $rc -eq 1 ] || fail "exit $rc after a full disk, want 1"
grep -q "No space left on device" "$T/err" || fail "no ENOSPC message: $(cat "$T/err")"
[ "$(md5sum < "$first")" = "$sum" ] || fail "an earlier capture changed"
cut=0
for f in "$T/small"/2*.psys; do
	[ "$f" = "$first" ] && continue
	rc=0; psys-fold --idle --user "$f" > /dev/null 2> "$T/fold.err" || rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "$f does not fold (exit $rc): $(cat "$T/fold.err")"
	psys-fold --info "$f" | grep -q '"end_reason": "write error"' && cut=$((cut + 1))
done
[ $cut -ge 1 ] || fail "no capture was ended by the full disk: $(ls -l "$T/small")"
# It kept watching: the second trigger was taken (a file, or a clear error).
[ "$(grep -c "cannot" "$T/err")" -ge 2 ] || [ "$(ls "$T/small" | grep -c psys)" -ge 3 ] ||
	fail "the second trigger was not taken: $(cat "$T/err")"
