# psys-fold --format speedscope validates against the file-format schema
# speedscope itself publishes (the npm package speedscope ships it as
# dist/release/file-format-schema.json; build.sh installs it for the
# tests), with and without --per-cpu, on a capture of a hostile name.
# Skipped without the schema or Python's jsonschema, failed under CI.
. "$TOP/tests/lib.sh"
require_bpf
schema=${SPEEDSCOPE_SCHEMA:-}
if [ -z "$schema" ] && command -v npm > /dev/null; then
	schema="$(npm root -g 2> /dev/null)/speedscope/dist/release/file-format-schema.json"
fi
[ -n "$schema" ] && [ -f "$schema" ] ||
	skip "speedscope's schema not installed (npm install -g speedscope@1.25.0)"
py=""
for p in python3 /usr/bin/python3; do
	"$p" -c 'import jsonschema' 2> /dev/null && py=$p && break
done
[ -n "$py" ] || skip "Python's jsonschema not installed (apt-get install python3-jsonschema)"

loadgen -c 1 -t 2 -n '"<x>&\' > /dev/null &
sleep 0.3
psys-record -C 0-1 -f 499 -s 1 -o "$T/cap.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
wait
psys-fold -F speedscope "$T/cap.psys" > "$T/one.json" || fail "speedscope"
psys-fold -F speedscope --per-cpu "$T/cap.psys" > "$T/cpu.json" || fail "speedscope --per-cpu"
# An empty fold (a slice nothing passes) is a valid file too.
psys-fold -F speedscope -c '^no such comm$' "$T/cap.psys" > "$T/empty.json" ||
	fail "speedscope, nothing folded"
"$py" - "$schema" "$T/one.json" "$T/cpu.json" "$T/empty.json" <<'PY' || fail "does not validate"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
for path in sys.argv[2:]:
    doc = json.load(open(path))
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
    for e in errors[:5]:
        print("%s: %s at %s" % (path, e.message[:200], list(e.absolute_path)[:6]))
    assert not errors, path
    assert doc["profiles"], path + ": no profile"
    # A schema this loose would pass anything: the checks above must
    # have looked at real profiles.
    for p in doc["profiles"]:
        assert p["type"] == "sampled" and p["unit"] == "nanoseconds", path
PY
measure "speedscope: $(wc -c < "$T/one.json") bytes validate against $(basename "$(dirname "$(dirname "$(dirname "$schema")")")")'s schema"
exit 0
