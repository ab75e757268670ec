#!/bin/sh
# make run (scripts/psys-run.sh) fails when any stage of its pipeline
# fails, with that stage's own message: psys-record without privileges,
# psys-watch with a bad option, and a capture that cannot be rendered; and
# it succeeds, leaving a capture and its SVG, when every stage does. (make
# run is that script as a recipe: make passes its status on.)
. "$TOP/tests/lib.sh"
run() { "$TOP/scripts/psys-run.sh" "$@"; }

# psys-record cannot sample (run as nobody when we are root, from copies
# it can reach: the tree may be in root's home).
as_user="" top=$TOP bin=$BUILD
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv > /dev/null || fail "setpriv (util-linux) needed"
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 0777 "$T"
	top=$T/top bin=$T/top/bin
	mkdir -p "$top/scripts" "$top/dist" "$bin"
	cp "$TOP/scripts/psys-run.sh" "$top/scripts/"
	cp "$TOP/dist/psys-service" "$top/dist/"
	for p in psys-watch psys-record psys-fold psys-svg; do cp "$BUILD/$p" "$bin/"; done
	chmod -R a+rX "$top"
fi
rc=0
(cd "$T" && PSYS_OUT="$T/out1" $as_user "$top/scripts/psys-run.sh" "$bin") > "$T/o" 2> "$T/e" || rc=$?
[ $rc -ne 0 ] || fail "psys-record failed but the job exited 0: $(cat "$T/e")"
grep -q "^psys-record: cannot sample kernel stacks" "$T/e" ||
	fail "psys-record's message missing: $(cat "$T/e")"
grep -q "psys-record exited with status 1" "$T/e" || fail "the failing stage is not named: $(cat "$T/e")"

# psys-watch refuses its options: the job ends at once.
rc=0
start=$(date +%s)
PSYS_OUT="$T/out2" WATCH_OPTS="-g 200" run "$BUILD" > "$T/o" 2> "$T/e" || rc=$?
[ $rc -eq 2 ] || fail "psys-watch failed: the job exited $rc, want its 2: $(cat "$T/e")"
grep -q "^psys-watch: bad gate '200'" "$T/e" || fail "psys-watch's message missing: $(cat "$T/e")"
[ $(( $(date +%s) - start )) -le 10 ] || fail "the job lingered after psys-watch failed"

# The rest samples for real.
require_bpf
# Every stage works: one capture (--once) and its SVG, exit 0.
rc=0
PSYS_OUT="$T/ok" WATCH_OPTS="-i 0.2 -g 0 --once" RECORD_OPTS="-s 0.3 -f 99" \
	run "$BUILD" > "$T/o" 2> "$T/e" || rc=$?
[ $rc -eq 0 ] || fail "working job: exit $rc: $(cat "$T/e")"
set -- "$T/ok"/*.psys
[ -f "$1" ] && [ -s "${1%.psys}.svg" ] || fail "no capture and SVG: $(ls "$T/ok")"

# A renderer that fails: the job says which capture and exits 1.
mkdir "$T/bin"
for p in psys-watch psys-record psys-fold; do ln -s "$BUILD/$p" "$T/bin/$p"; done
printf '#!/bin/sh\necho "psys-svg: broken on purpose" >&2\nexit 1\n' > "$T/bin/psys-svg"
chmod +x "$T/bin/psys-svg"
rc=0
PSYS_OUT="$T/bad" WATCH_OPTS="-i 0.2 -g 0 --once" RECORD_OPTS="-s 0.3 -f 99" \
	run "$T/bin" > "$T/o" 2> "$T/e" || rc=$?
[ $rc -eq 1 ] || fail "renderer failed: exit $rc, want 1: $(cat "$T/e")"
grep -q "^psys-svg: broken on purpose" "$T/e" || fail "psys-svg's message missing: $(cat "$T/e")"
grep -q "^psys: could not render $T/bad/.*\.psys" "$T/e" || fail "the capture is not named: $(cat "$T/e")"
ls "$T/bad"/*.psys > /dev/null || fail "the capture was not kept"
[ -z "$(ls "$T/bad" | grep -v '\.psys$')" ] || fail "left behind: $(ls "$T/bad")"
exit 0
