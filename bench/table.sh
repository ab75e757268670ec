# Sourced by bench/run.sh at the end: turns the raw figures in $RAW into
# the one table (markdown) with the machine it came from, on stdout and
# in $RESULTS. Cells are "median (min–max)" over rounds; the ratio column
# is the median (min–max) of per-round ratios.

# verdict VALUE OP LIMIT: "met" or "missed" for VALUE OP LIMIT (le, ge, lt).
verdict() {
	[ -n "$1" ] || { echo "no figure"; return; }
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = op == "le" ? v <= l : op == "ge" ? v >= l : v < l
		print ok ? "**met**" : "**missed**" }'
}

# row CELLS...: one table row; a "|" inside a cell is escaped.
row() {
	for cell in "$@"; do printf '| %s ' "$(printf '%s\n' "$cell" | sed 's/|/\\|/g')"; done
	echo '|'
}

machine() {
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	# Both: a container inside a VM reports only the container otherwise.
	vm=$(systemd-detect-virt --vm 2>/dev/null || true)
	[ -z "$vm" ] || [ "$vm" = none ] && grep -q hypervisor /proc/cpuinfo && vm="a hypervisor"
	ct=$(systemd-detect-virt --container 2>/dev/null || true)
	virt=""
	[ -n "$vm" ] && [ "$vm" != none ] && virt="virtual machine ($vm)"
	[ -n "$ct" ] && [ "$ct" != none ] && virt="${virt:+$virt, }container ($ct)"
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); bench took $((ELAPSED / 60)) min $((ELAPSED % 60)) s"
	echo "- Machine: $model, $NCPU CPUs online (nproc $(nproc)), $mem RAM${virt:+, $virt}"
	echo "- Kernel: $(uname -r) ($(uname -v)); perf $(perf --version | sed 's/perf version //')"
	dirty=$(cd "$TOP" && git status --short --untracked-files=no 2>/dev/null |
		awk '{ print $2 }' | tr '\n' ' ')
	echo "- psys: $(cd "$TOP" && git describe --always --dirty 2>/dev/null || echo unknown) \
(\`git describe --dirty\`), built in $B${dirty:+; uncommitted changes in the tree \
when it ran: $dirty}"
	echo "- Settings: BENCH_PAIRS=$PAIRS BENCH_SECONDS=$SECS BENCH_WARMUP=$WARM \
BENCH_FREQS=\"$FREQS\" BENCH_WORKLOADS=\"$WORKS\" BENCH_KREPS=$KREPS"
	echo "- Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); rounds that waited for"
	echo "  the machine to be quiet (< 10% busy): $(cat "$T/waited" 2>/dev/null | wc -l)\
 (waits $(cat "$T/waited" 2>/dev/null | summ %.0f) s), rounds started busy anyway: \
$(cat "$T/busy" 2>/dev/null | wc -l)"
}

table() {
	echo "## psys vs perf: one table"
	echo
	machine
	echo
	row "#" "figure" "psys" "perf record -g" "perf record -g -z" \
	    "psys vs perf (per-round ratio)" "target"
	row "-" "-" "-" "-" "-" "-" "-"
	for w in $(want 1 && echo $WORKS); do
		for f in $FREQS; do
			k=$w.psys.$f p=$w.perf.$f z=$w.perfz.$f
			sr=$(pairs sratio "rate.$k" "rate.$p" "rate.$w.none" | med)
			row 1 "$w, $f Hz: workload slowdown vs none, % (iterations per wall s)" \
			    "$(fig %.2f slow "rate.$k" "rate.$w.none")" \
			    "$(fig %.2f slow "rate.$p" "rate.$w.none")" \
			    "$(fig %.2f slow "rate.$z" "rate.$w.none")" \
			    "slowdown ratio $(fig %.2f sratio "rate.$k" "rate.$p" "rate.$w.none"); \
throughput ratio $(fig %.3f div "rate.$k" "rate.$p")" \
			    "ratio ≤ 1.0: $(verdict "$sr" le 1.0)"
			cs=$(pairs sratio "crate.$k" "crate.$p" "crate.$w.none" | med)
			row 1 "$w, $f Hz: workload slowdown vs none, % (iterations per CPU s the workload got)" \
			    "$(fig %.2f slow "crate.$k" "crate.$w.none")" \
			    "$(fig %.2f slow "crate.$p" "crate.$w.none")" \
			    "$(fig %.2f slow "crate.$z" "crate.$w.none")" \
			    "slowdown ratio $(fig %.2f sratio "crate.$k" "crate.$p" "crate.$w.none"); \
throughput ratio $(fig %.3f div "crate.$k" "crate.$p")" \
			    "ratio ≤ 1.0: $(verdict "$cs" le 1.0)"
			cr=$(pairs div "cpu.$k" "cpu.$p" | med)
			row 1 "$w, $f Hz: recorder process CPU, s per run" \
			    "$(fig %.3f id "cpu.$k")" "$(fig %.3f id "cpu.$p")" \
			    "$(fig %.3f id "cpu.$z")" "$(fig %.2f div "cpu.$k" "cpu.$p")" \
			    "≤ 0.33: $(verdict "$cr" le 0.3334)"
			row 1 "$w, $f Hz: recorder CPU per second of capture beyond startup, ms/s" \
			    "$(fig %.2f permin "cpu.$k" "cpu0.psys" "dur.$k")" \
			    "$(fig %.2f permin "cpu.$p" "cpu0.perf" "dur.$k")" "" \
			    "$(ratio2 "permin cpu.$k cpu0.psys dur.$k" \
				"permin cpu.$p cpu0.perf dur.$k" | summ %.2f)" \
			    "(not a target: the long-capture trend)"
			row 1 "$w, $f Hz: cost per sample: in the BPF program (bpf_stats, ns); \
workload CPU time lost (slowdown per CPU s / Hz, µs)" \
			    "BPF $(fig %.0f id "kns.$w.$f") ns; lost $(fig %.1f usps "crate.$k" "crate.$w.none" "$f") µs" \
			    "lost $(fig %.1f usps "crate.$p" "crate.$w.none" "$f") µs" \
			    "lost $(fig %.1f usps "crate.$z" "crate.$w.none" "$f") µs" "" ""
			row 1 "$w, $f Hz: samples captured, % of expected; lost" \
			    "$(fig %.1f pct "samples.$k" "expected.$k"); lost $(fig %.0f id "lost.$k")" \
			    "$(fig %.1f pct "samples.$p" "expected.$p"); lost $(fig %.0f id "lost.$p")" \
			    "$(fig %.1f pct "samples.$z" "expected.$z"); lost $(fig %.0f id "lost.$z")" \
			    "" ""
			br=$(pairs div "bytes.$k" "samples.$k" | med)
			row 2 "$w, $f Hz: bytes per sample ($(fsum "$WARM + $SECS + $TAIL") s captures)" \
			    "$(pairs div "bytes.$k" "samples.$k" | summ %.2f)" \
			    "$(pairs div "bytes.$p" "samples.$p" | summ %.1f)" \
			    "$(pairs div "bytes.$z" "samples.$z" | summ %.2f)" "" \
			    "$([ "$f" = "$FMAX" ] && echo "≤ 2.5 at 4999 Hz: $(verdict "$br" le 2.5)")"
		done
	done
	want 1 && row 1 "recorder CPU with nothing to record (0.1 s, no load): start and finish, s" \
	    "$(fig %.3f id cpu0.psys)" "$(fig %.3f id cpu0.perf)" "" \
	    "$(fig %.2f div cpu0.psys cpu0.perf)" ""
	for w in $FOLD_WORKS; do
		set -- $(awk -v w="$w" '$1 == w { print $2, $3 }' "$T/fold.n")
		fr=$(pairs div "tps.$w.collapse" "tps.$w.psys" | med)
		row 3 "$w, $FMAX Hz capture ($1 psys / $2 perf samples): fold speed, samples per \
CPU second; perf columns: \`perf script report stackcollapse\`, plain \`perf script\`" \
		    "$(fig %.0f inv "tps.$w.psys" "" 1)" \
		    "$(fig %.0f inv "tps.$w.collapse" "" 1)" \
		    "$(fig %.0f inv "tps.$w.script" "" 1)" \
		    "vs stackcollapse $(fig %.0f div "tps.$w.collapse" "tps.$w.psys")×; \
vs perf script $(fig %.0f div "tps.$w.script" "tps.$w.psys")×" \
		    "≥ 100×: $(verdict "$fr" ge 100)"
		zr=$(pairs div "fold.$w.psys" "fold.$w.zstd" | med)
		row 3 "$w: psys-fold CPU ms vs \`zstd -d\` of the file's own payloads (floor)" \
		    "$(pairs id "fold.$w.psys" | awk '{ print $1 * 1000 }' | summ %.1f)" \
		    "zstd -d: $(pairs id "fold.$w.zstd" | awk '{ print $1 * 1000 }' | summ %.1f)" "" \
		    "$(fig %.2f div "fold.$w.psys" "fold.$w.zstd")×" \
		    "≤ 3×: $(verdict "$zr" le 3)"
		if [ "$CALLGRIND" = 1 ]; then
			ir=$(pairs div "ir.fold.$w" "ir.zstd.$w" | med)
			row 3 "$w: instructions (callgrind), psys-fold vs zstd -d" \
			    "$(fig %.0f id "ir.fold.$w")" "zstd -d: $(fig %.0f id "ir.zstd.$w")" "" \
			    "$(fig %.2f div "ir.fold.$w" "ir.zstd.$w")×" \
			    "same 3× target, noise-free: $(verdict "$ir" le 3)"
		fi
	done
	[ -n "$COLLAPSE_CRASH" ] && row 3 "perf script report stackcollapse crashed on" \
	    "" "$COLLAPSE_CRASH" "" "" "(SIGSEGV = exit 139; the fold rows use a round it read)"
	[ -s "$T/foldfail" ] && row 3 "fold runs that failed (left out)" \
	    "$(sort "$T/foldfail" | uniq -c | tr '\n' ';')" "" "" "" ""
	if want 4; then
		sv=$(pairs id svg.svg | med)
		ss=$(pairs id svg.rss | med)
		row 4 "generated input, 100,000 stacks / 1,000,000 samples ($SVG_IN_BYTES bytes): wall s; perf columns: floors \`wc -l\`, \`sort\`" \
		    "$(fig %.3f id svg.svg)" "wc -l: $(fig %.3f id svg.wc)" "sort: $(fig %.3f id svg.sort)" \
		    "psys-svg / sort $(fig %.2f div svg.svg svg.sort)×" \
		    "< 0.15 s: $(verdict "$sv" lt 0.15)"
		row 4 "psys-svg peak RSS, MB; output bytes" \
		    "$(fig %.1f id svg.rss); $(fig %.0f id svg.bytes) B" "" "" "" \
		    "< 100 MB: $(verdict "$ss" lt 100)"
		[ "$CALLGRIND" = 1 ] && row 4 "psys-svg instructions (callgrind)" \
		    "$(fig %.0f id ir.svg)" "" "" "" ""
	fi
	for w in $(want 5 && echo $WORKS); do
		if [ -n "$PRE_STATUS" ]; then
			row 5 "$w: slowdown with psys-watch -i 1 -g 100 | psys-record --no-peak -o DIR \
-f 200 idle-waiting, %" "**NOT MEASURED**: $PRE_STATUS" "" "" "" "< 1%: not measured"
			continue
		fi
		pr=$(pairs slow "rate.$w.pre" "rate.$w.prenone" | med)
		pc=$(pairs slow "crate.$w.pre" "crate.$w.prenone" | med)
		row 5 "$w: slowdown with psys-watch -i 1 -g 100 | psys-record --no-peak -o DIR \
-f 200 idle-waiting vs nothing, % (per wall s; per CPU s the workload got)" \
		    "$(fig %.2f slow "rate.$w.pre" "rate.$w.prenone"); \
$(fig %.2f slow "crate.$w.pre" "crate.$w.prenone")" "" "" "" \
		    "< 1%: $(verdict "$pr" lt 1) (wall), $(verdict "$pc" lt 1) (CPU s)"
		row 5 "$w: CPU of that pipeline, s per hour: waiting (schedstat over the workload); \
whole runs with start-up (wait4)" \
		    "$(fig %.2f id "presteady.$w"); $(fig %.1f id "precpu.$w")" "" "" "" ""
	done
	want 6 && row 6 "psys-watch -i 1: CPU s per hour (over $(printf %.0f "$WATCH_WALL") s, whole bench)" \
	    "$(fig %.2f id watch.cph)${WATCH_NOTE:+ ($WATCH_NOTE)}" "" "" "" ""
	# Figure 8's rows come whole from bench/bpfcost.sh.
	[ -n "$BPFCOST_EXT" ] && grep '^|' "$BPFCOST_EXT"
	want 8 && [ -z "$BPFCOST_EXT" ] && row 8 "BPF program cost per sample while waiting \
for a trigger" "**NOT MEASURED**: $(tail -n 1 "$OUT/bpfcost.err" 2>/dev/null)" "" "" "" ""
	if [ -n "$SVG_EXT" ]; then
		echo
		echo "bench/svg.sh (psys-svg's own measurement):"
		echo
		sed 's/^/    /' "$SVG_EXT"
	fi
	if [ -n "${TV_EXT:-}" ]; then
		echo
		echo "bench/timeview.sh (the time view: bytes per sample, redraw in headless Chromium):"
		echo
		sed 's/^/    /' "$TV_EXT"
	fi
	if [ -n "$FOLD_EXT" ]; then
		echo
		echo "bench/fold.sh (fold throughput vs perf script):"
		echo
		sed 's/^/    /' "$FOLD_EXT"
	fi
}

method() {
	cat <<EOM

### How the figures are measured

- **Rounds.** Every comparison runs its conditions back to back in one
  round (order rotated each round) and repeats the round $PAIRS times; a
  cell is the median (min–max) over rounds, a ratio is computed inside each
  round first and then summarised. Before each round the bench waits (a
  bounded time) for the CPUs to be < 10% busy.
- **Workloads.** \`tests/tools/loadgen\` pinned on every CPU at once, $SECS s,
  started ${WARM} s after the recorder (so its start-up is not in the
  window): \`-w read\` (read(2) of /dev/zero: syscall path) and \`-w mmap\`
  (mmap, touch, munmap: page faults and unmapping), in separate runs.
- **Slowdown** = 1 − rate with the recorder / rate with none in the same
  round. Two rates: iterations per wall second (what a user sees, but it
  swings with anyone else's load on a shared machine) and iterations per
  CPU second the loadgens got (wait4 rusage; sampling interrupts and BPF
  runs are charged to the interrupted task, so this still pays for them,
  while time-sharing with other processes drops out). The *slowdown ratio*
  psys/perf is unstable when both slowdowns are within noise; the
  *throughput ratio* psys/perf (≥ 1.0 = psys slows less) is the same claim
  and steadier.
- **Recorder CPU** = user+system seconds of the recorder process and its
  children from wait4(2) (the kernel's exact run time, not ticks), start to
  exit, for a capture of warm-up + workload + ${TAIL} s. perf's includes its
  build-id pass at exit; psys-record's includes reading /proc/kallsyms. The
  start/finish cost alone is measured with a 0.1 s capture without load,
  and the rest is shown per second of capture.
- **In-kernel cost per sample**: psys-record's BPF program run_time_ns /
  run_cnt from \`bpftool prog show\` with kernel.bpf_stats_enabled=1, read
  at the start and end of the workload, in separate runs (the stats add two
  clock reads per run), the sysctl restored after each run. perf has no BPF
  program, so its in-kernel cost shows only in the workload's lost time per
  sample (slowdown per CPU second / Hz), given for both.
- **Samples**: psys from the file's trailer (samples; lost = ring-buffer
  drops + BPF recursion misses); perf from \`perf report --stats\`
  (SAMPLE and LOST_SAMPLES of the cpu-clock event). Expected = Hz × CPUs ×
  the capture's own duration (psys: header start to trailer end; perf: its
  sample duration, or the sleep for \`-z\` files, which report 0 ms).
- **Bytes per sample** = file size / samples of the same captures. A .psys
  file carries the kernel symbols its stacks use; perf.data does not (it
  needs this machine's kallsyms, or \`perf archive\`, to be read).
- **Fold**: CPU seconds (wait4) of \`psys-fold FILE\`, \`perf script\` and
  \`perf script report stackcollapse\` on the last round's $FMAX Hz captures,
  per sample in the file; the floor is \`zstd -d\` of the .psys file's own
  zstd payloads, extracted by tests/tools/psys-zframes (the exact
  decompression psys-fold must do). Callgrind instruction counts of the
  same two commands are the noise-free version of that ratio.
- **SVG**: wall seconds and peak RSS (wait4 ru_maxrss) of \`psys-svg\` on
  \`tests/tools/gen-folded\` output; floors \`wc -l\` and \`sort\` (LC_ALL=C)
  of the same file. Callgrind instructions of psys-svg on it.
- **Pre-trigger buffer**: \`psys-watch -i 1 -g 100 | psys-record --no-peak -o DIR -f 200\`
  (gate 100%, and the peak rule off: no trigger; the rule would take the
  workload's own sys time for a burst) running through the workload vs nothing, in
  rounds; the pipeline's CPU per hour while waiting from the scheduler's
  run time of both processes (/proc/PID/schedstat) over the workload's
  window, and over whole runs (wait4), where start-up dominates.
- **psys-watch**: \`psys-watch -i 1 -g 100\` running for the whole bench;
  its CPU seconds (wait4) scaled to an hour.
EOM
	[ -n "$BPFCOST_EXT" ] && { echo "- **BPF cost while waiting** (figure 8):"; grep -v '^|' "$BPFCOST_EXT" |
		sed '/^$/d; s/^/  /'; }
	return 0
}

{ table; method; } > "$T/table.md"
cp "$T/table.md" "$RESULTS"
cat "$T/table.md"
say "raw figures: $RAW; table: $RESULTS"
