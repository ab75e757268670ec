# The workstation programs build without the BPF toolchain: with clang and
# bpftool replaced by /bin/false, 'make tools' still builds psys-fold,
# psys-svg and psys-watch, and none of them links libbpf or libdw.
. "$TOP/tests/lib.sh"

make -C "$TOP" -s BUILD="$T/b" CLANG=/bin/false BPFTOOL=/bin/false tools > "$T/log" 2>&1 ||
	fail "make tools failed without clang/bpftool: $(tail -n 5 "$T/log")"
for p in psys-fold psys-svg psys-watch; do
	[ -x "$T/b/$p" ] || fail "$p not built"
	ldd "$T/b/$p" | grep -q libbpf && fail "$p links libbpf"
	ldd "$T/b/$p" | grep -q libdw && fail "$p links libdw (only psys-record needs it)"
	"$T/b/$p" --version > /dev/null || fail "$p --version"
done
[ -e "$T/b/psys-record" ] && fail "make tools built psys-record"
[ -d "$T/b/bpf" ] && fail "make tools touched the BPF build"
[ -e "$T/b/lib/symbols/usyms.o" ] && fail "make tools compiled the libdw code"
exit 0
