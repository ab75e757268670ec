# psys and perf name the same samples alike: both record the same seconds
# of pltcall (user stacks through libc, with libc's debug info when
# libc6-dbg is installed) on one CPU, perf with -g, psys-record with
# --user-stacks. Every function holding 2% of either tool's samples of
# the program is named by the other too, apart from the known
# differences listed in tests/tools/names-compare.py (kernel aliases at
# one address, perf 6.1's "_init" for PLT entries, unnamed frames).
. "$TOP/tests/lib.sh"
require_bpf
command -v perf > /dev/null || skip "perf not installed (apt-get install linux-perf)"
command -v python3 > /dev/null || fail "python3 needed"
comm=psys-perfname

pltcall -c 1 -t 4 -n $comm > /dev/null &
sleep 0.3
perf record -q -g -C 1 -F 999 -o "$T/perf.data" -- sleep 2.5 > /dev/null 2> "$T/perf.err" &
perfpid=$!
psys-record -C 1 -f 999 -s 2.5 --user-stacks -o "$T/p.psys" > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
wait $perfpid || fail "perf record: $(cat "$T/perf.err")"
wait
perf script -i "$T/perf.data" -F comm,ip,sym,dso > "$T/perf.txt" 2> "$T/perf.err" ||
	fail "perf script: $(cat "$T/perf.err")"
psys-fold --user --annotate "$T/p.psys" > "$T/psys.folded" || fail "psys-fold"
python3 "$TOP/tests/tools/names-compare.py" $comm "$T/perf.txt" "$T/psys.folded" \
	/proc/kallsyms 12 > "$T/cmp" || { cat "$T/cmp"; fail "names differ"; }
sed 's/^/measure: /' "$T/cmp"
exit 0
