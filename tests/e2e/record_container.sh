# A real container (podman with runc, from a busybox image made here):
# its dd and the host's dd run side by side; the capture must tell them
# apart by container in the folded stacks and in pprof, where
# go tool pprof -tagfocus=container_id=ID keeps the container's samples
# and no other. Needs podman, runc and busybox-static (build.sh test
# installs them); skipped without them, failed under CI.
. "$TOP/tests/lib.sh"
require_bpf
for c in podman runc busybox; do
	command -v $c > /dev/null || skip "$c not installed (apt-get install podman runc busybox-static)"
done

img=localhost/psys-test:$$
name=psys-e2e-$$
mkdir -p "$T/R/bin"
cp "$(command -v busybox)" "$T/R/bin/"
ln -s busybox "$T/R/bin/sh"
ln -s busybox "$T/R/bin/dd"
tar -C "$T/R" -cf "$T/rootfs.tar" .
podman import "$T/rootfs.tar" "$img" > /dev/null 2> "$T/podman.err" ||
	fail "podman import: $(cat "$T/podman.err")"
# The container and its image go at exit, whatever happens (this trap
# replaces lib.sh's, so it does that one's work too).
trap 'rc=$?; podman rm -f -t 0 "$name" > /dev/null 2>&1; podman rmi -f "$img" > /dev/null 2>&1
	jobs -p > "$T/.jobs"; kill $(cat "$T/.jobs") 2>/dev/null || true; cgroup_cleanup; rm -rf "$T"; exit $rc' EXIT

# crun refuses hybrid cgroups: runc; cgroupfs, no pinning (refused here).
full=$(podman --runtime runc --cgroup-manager=cgroupfs run -d --name "$name" --network=none \
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$img" \
	dd if=/dev/zero of=/dev/null bs=1 count=40000000 2> "$T/podman.err") ||
	fail "podman run: $(cat "$T/podman.err")"
short=$(echo "$full" | cut -c1-12)
inner=$(podman inspect --format '{{.State.Pid}}' "$name")
[ -n "$inner" ] && [ "$inner" -gt 0 ] || fail "no pid for the container"
# The host's dd, Debian's own binary, the same name.
dd if=/dev/zero of=/dev/null bs=1 count=40000000 2> /dev/null &
host=$!
sleep 1
psys-record -f 999 -s 3 -o "$T/cap.psys" < /dev/null > /dev/null 2> "$T/rec" ||
	fail "psys-record failed: $(cat "$T/rec")"
kill $host 2> /dev/null || :
podman rm -f -t 0 "$name" > /dev/null 2>&1 || :

psys-fold --per-container --per-pid "$T/cap.psys" > "$T/folded" || fail "psys-fold failed"
sum() { awk '!/^# / && '"$1"' { s += $NF } END { print s + 0 }' "$T/folded"; }
in_ctr=$(sum "index(\$0, \"container $short;pid $inner;dd;\") == 1")
ctr_all=$(sum "index(\$0, \"container $short;\") == 1")
host_dd=$(sum "index(\$0, \"[no container];pid $host;dd;\") == 1")
[ "$in_ctr" -gt 50 ] || fail "the container's dd: $in_ctr samples under container $short: $(grep -c . "$T/folded") lines"
[ "$host_dd" -gt 50 ] || fail "the host's dd: $host_dd samples under [no container]"
# Every sample of each dd under its own root, none under the other's.
[ "$(sum "index(\$0, \"pid $inner;\") > 0")" = "$in_ctr" ] ||
	fail "some of the container's dd samples fold elsewhere: $(grep "pid $inner;" "$T/folded" | cut -c1-80 | sort -u)"
[ "$(sum "index(\$0, \"pid $host;\") > 0")" = "$host_dd" ] ||
	fail "some of the host's dd samples fold elsewhere: $(grep "pid $host;" "$T/folded" | cut -c1-80 | sort -u)"
grep "^container $short;" "$T/folded" | grep -qv ";pid $inner;" &&
	fail "another process under container $short: $(grep "^container $short;" "$T/folded" | grep -v ";pid $inner;" | cut -c1-80)"

psys-fold --info "$T/cap.psys" > "$T/info"
grep -q "\"container_id\": \"$full\"" "$T/info" || fail "--info does not list container $full"

if command -v go > /dev/null; then
	export HOME="$T" GOCACHE="$T/go-cache" GOFLAGS= GOPATH="$T/go"
	psys-fold -F pprof "$T/cap.psys" > "$T/cap.pb.gz" || fail "--format pprof"
	go tool pprof -sample_index=samples -nodefraction=0 -nodecount=1000000 -top \
		"-tagfocus=container_id=$full" "$T/cap.pb.gz" > "$T/top" 2> "$T/go.err" ||
		fail "go tool pprof: $(cat "$T/go.err")"
	got=$(sed -n 's/^Showing nodes accounting for \([0-9]*\),.*/\1/p' "$T/top")
	plain=$(psys-fold --cgroup "libpod-$full" "$T/cap.psys" | awk '!/^# / { s += $NF } END { print s + 0 }')
	[ "$got" = "$plain" ] && [ "$got" = "$ctr_all" ] ||
		fail "pprof -tagfocus=container_id: $got samples; --cgroup: $plain; folded: $ctr_all"
	measure "pprof -tagfocus=container_id=$short...: $got samples"
else
	[ "${CI:-}" = true ] && fail "go not installed"
fi
measure "container $short: dd $in_ctr samples; host dd $host_dd samples"
exit 0
