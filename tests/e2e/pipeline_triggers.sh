# psys-record's triggered mode with hand-made trigger lines: overlapping
# triggers make one file (CPUs added), lines that are not triggers are
# skipped with one warning, retention deletes the oldest captures first,
# and a reader that goes away (SIGPIPE) does not lose a file.
. "$TOP/tests/lib.sh"
require_bpf

# Overlap: triggers at 0, 0.6 and 1.2 s (later on a loaded machine: each
# is a process start), the last for another CPU, with -s 3: one capture of
# CPUs 0 and 1 that runs until 3 s after the last trigger. Only these
# lines trigger (--no-peak: other work on the machine must not add one).
# Bad lines, a bad "rule" among them, are skipped with one warning.
{
	trigger 1
	echo "not json at all"
	echo '{"type":"something-else"}'
	trigger 1 | sed 's/"rule":"interval"/"rule":7/'
	trigger 1 | sed 's/"rule":"interval"/"rule":"peak"/'
	sleep 0.6
	trigger 1
	sleep 0.6
	trigger 0
} | psys-record -s 3 -f 500 --no-peak -o "$T/ov" > "$T/ov.paths" 2> "$T/ov.err" || fail "exit $?"
[ "$(wc -l < "$T/ov.paths")" -eq 1 ] || fail "overlapping triggers made $(wc -l < "$T/ov.paths") files"
[ "$(grep -c "skipping" "$T/ov.err")" -eq 1 ] || fail "want one warning for bad lines: $(cat "$T/ov.err")"
psys-fold --info "$(cat "$T/ov.paths")" | python3 -c '
import json, sys
i = json.load(sys.stdin)
t = i["trailer"]
assert len(t["triggers"]) == 3, len(t["triggers"])
assert t["hot_cpus"] == "0-1", t["hot_cpus"]
first, last = t["triggers"][0]["mono_ns"], t["triggers"][-1]["mono_ns"]
# Twice the 1 s interval (and a 10 ms tick) before the first trigger, or,
# when the recorder had not been sampling that long, from where sampling
# began: the header then says what lead was wanted, and never claims it.
start = i["header"]["start"]["mono_ns"]
if abs(start - (first - 2.01e9)) >= 1e6:
    assert start > first - 2.01e9, (start - first) / 1e9
    assert abs(i["header"]["pre_wanted_s"] - 2.01) < 1e-3, i["header"]
    assert abs(i["header"]["pre_s"] - (first - start) / 1e9) < 1e-3, i["header"]
# ...to 3 s (-s) after the last.
end = t["end"]["mono_ns"]
assert abs(end - (last + 3e9)) < 1e6, (end - last) / 1e9
' || fail "the capture does not cover all three triggers"

# Retention: five old captures (and an svg, and a stranger) in the folder,
# --max-files 3: after one new capture, the three newest remain. Only the
# hand-made line triggers here and below (--no-peak: a burst of other
# work on the machine would make a second capture).
mkdir "$T/ret"
for i in 1 2 3 4 5; do
	echo old > "$T/ret/2020010${i}_000000.psys"
	touch -d "2020-01-0$i" "$T/ret/2020010${i}_000000.psys"
done
echo svg > "$T/ret/20200101_000000.svg"
echo mine > "$T/ret/notes.txt"
{ trigger 0; sleep 1.5; } | psys-record -s 0.5 --no-peak -o "$T/ret" --max-files 3 > /dev/null 2>&1
ls "$T/ret" > "$T/ret.list"
[ "$(grep -c '\.psys$' "$T/ret.list")" -eq 3 ] || fail "retention kept: $(cat "$T/ret.list")"
grep -q 20200105_000000.psys "$T/ret.list" && grep -q 20200104_000000.psys "$T/ret.list" ||
	fail "retention deleted the wrong files: $(cat "$T/ret.list")"
grep -q 20200101_000000.svg "$T/ret.list" && fail "the svg of a deleted capture remains"
grep -q notes.txt "$T/ret.list" || fail "retention deleted a file that is not a capture"

# --max-bytes: everything old goes, the new capture stays.
{ trigger 0; sleep 1.5; } | psys-record -s 0.5 --no-peak -o "$T/ret" --max-bytes 1 > /dev/null 2>&1
[ "$(ls "$T/ret" | grep -c '\.psys$')" -eq 1 ] || fail "--max-bytes kept: $(ls "$T/ret")"

# SIGPIPE: the reader of the paths is gone before the capture ends.
{ trigger 0; sleep 1.5; } | psys-record -s 0.5 --no-peak -o "$T/pipe" 2> "$T/pipe.err" | true
f=$(ls "$T/pipe"/*.psys) || fail "no file after the reader went away"
psys-fold "$f" > /dev/null || fail "the capture is not complete (exit $?)"

# Triggered mode needs a directory.
rc=0; trigger 0 | psys-record -o "$T/x.psys" > /dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "triggered mode with -o FILE.psys: exit $rc, want 2"
