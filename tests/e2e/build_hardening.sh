# The programs are built hardened by default: PIE, full RELRO (relro and
# BIND_NOW), stack protector and _FORTIFY_SOURCE (calls to __*_chk), as
# readelf and nm see them and as devscripts' hardening-check sees them.
# The Makefile takes CPPFLAGS, CFLAGS and LDFLAGS (dpkg-buildflags') in
# every C compile and link, after its own hardening flags so that the
# caller's win; it does not define _FORTIFY_SOURCE twice, nor without
# optimization; HARDEN=0 turns it all off; and the BPF object (clang
# -target bpf) gets none of it. The flag checks read `make -n` (nothing
# is built).
. "$TOP/tests/lib.sh"
progs="psys-watch psys-record psys-fold psys-svg"

# ASan builds (SANITIZE=1) leave _FORTIFY_SOURCE out on purpose.
nofortify=""
[ "${SANITIZE:-}" = 1 ] && nofortify=nofortify
for p in $progs; do
	[ -x "$BUILD/$p" ] || fail "$BUILD/$p not built"
	gaps=$(hardening_gaps "$BUILD/$p" $nofortify)
	[ -z "$gaps" ] || fail "$p is not hardened: $gaps"
	measure "$p: $(nm -D "$BUILD/$p" | grep -c ' U __[a-z0-9_]*_chk@') __*_chk functions called"
done

# Control-flow protection (-fcf-protection) is compiled in (checked in the
# commands below) but not required of the binaries: Debian 12's own crt
# files lack the CET note, so no program linked there can carry it.
if command -v hardening-check > /dev/null; then
	hardening-check --nocfprotection ${nofortify:+--nofortify} \
		$(for p in $progs; do echo "$BUILD/$p"; done) > "$T/hc" 2>&1 ||
		fail "hardening-check: $(grep -v ': yes' "$T/hc")"
elif [ "${CI:-}" = true ]; then
	fail "hardening-check not installed (apt-get install devscripts)"
else
	echo "note: no hardening-check (devscripts): checked with readelf and nm only"
fi

# dry VAR=VALUE...: the commands `make all` would run, one per line, for
# a default build (not SANITIZE=1) with VAR=VALUE...
dry() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CPPFLAGS -u CFLAGS -u LDFLAGS \
		-u SANITIZE -u HARDEN make -n -s -C "$TOP" V=1 BUILD="$T/b" "$@" all > "$T/dry.raw" 2>&1 ||
		fail "make -n $*: $(tail -n 3 "$T/dry.raw")"
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$T/dry.raw" > "$T/dry"
	grep -e '-target bpf' "$T/dry" > "$T/bpf" || fail "make -n $*: no BPF compile"
	grep -v -e '-target bpf' "$T/dry" | grep -E -e ' -c [^ ]+\.c -o ' > "$T/cc" ||
		fail "make -n $*: no C compiles"
	grep -E -e "libpsys\.a .* -o $T/b/psys-[a-z]+\$" "$T/dry" > "$T/ld" ||
		fail "make -n $*: no program links"
	[ "$(wc -l < "$T/ld")" -eq 4 ] || fail "make -n $*: $(wc -l < "$T/ld") program links"
	rm -rf "$T/b"
}
# all_have FILE WORD...: every line of FILE has every WORD (whole words).
all_have() {
	f=$1; shift
	for w in "$@"; do
		n=$(grep -c -v -e " $w " "$f" || :)
		[ "$n" -eq 0 ] || fail "$n line(s) without $w, e.g. $(grep -v -e " $w " "$f" | head -n 1)"
	done
}
none_has() {
	f=$1; shift
	for w in "$@"; do
		! grep -q -e "$w" "$f" || fail "$w in: $(grep -e "$w" "$f" | head -n 1)"
	done
}

# The caller's flags reach every compile and link, after the hardening.
dry CPPFLAGS=-DMARK_CPP CFLAGS="-O2 -g -DMARK_C" LDFLAGS=-Lmark-ld
all_have "$T/cc" -DMARK_CPP -DMARK_C -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-fstack-clash-protection -fPIE
all_have "$T/ld" -Lmark-ld -pie -Wl,-z,relro,-z,now
measure "make -n: $(wc -l < "$T/cc") C compiles and $(wc -l < "$T/ld") links carry CPPFLAGS, CFLAGS, LDFLAGS and the hardening"
# The BPF object is compiled for the kernel's BPF target: none of it.
none_has "$T/bpf" MARK_CPP MARK_C mark-ld _FORTIFY_SOURCE -fstack-protector \
	-fstack-clash -fcf-protection -mbranch-protection -fPIE -pie relro
# The caller's flags come after the Makefile's, so they win.
dry CFLAGS="-O2 -fno-stack-protector"
awk '{ s = index($0, " -fstack-protector-strong "); n = index($0, " -fno-stack-protector ")
	if (!s || !n || n < s) { print; exit 1 } }' "$T/cc" > "$T/bad" ||
	fail "-fno-stack-protector does not come after -fstack-protector-strong: $(cat "$T/bad")"

# dpkg-buildflags already sets _FORTIFY_SOURCE (2 on Debian 12, 3 later):
# then it is not defined again, and the caller's level holds.
dry CPPFLAGS="-Wdate-time -D_FORTIFY_SOURCE=3" CFLAGS="-g -O2"
all_have "$T/cc" -D_FORTIFY_SOURCE=3
none_has "$T/cc" -D_FORTIFY_SOURCE=2
# Unoptimized, glibc's fortify only warns: it is left out.
dry CFLAGS="-O0 -g"
none_has "$T/cc" _FORTIFY_SOURCE
all_have "$T/cc" -fstack-protector-strong
# HARDEN=0: the caller's flags alone.
dry HARDEN=0
none_has "$T/cc" _FORTIFY_SOURCE -fstack-protector-strong -fPIE
none_has "$T/ld" -pie relro
exit 0
