/* Trigger lines: what psys-watch writes when CPUs (or cgroups) run hot and
 * psys-record reads to start (or extend) a capture. One JSON object per
 * line (JSON Lines), UTF-8, no newline inside, written and flushed whole.
 * Examples, a CPU's heat and a cgroup's:
 *
 *   {"type":"psys-trigger","version":1,
 *    "time":"2026-11-26T10:15:04.123+01:00","wall_ns":1795684504123456789,
 *    "mono_ns":523456789012,"mono_start_ns":522456123456,
 *    "interval":1.000666,"gate":10.0,"irq":false,
 *    "hot":[{"cpu":1,"sys":97.53},{"cpu":3,"sys":12.0}],"rule":"interval"}
 *
 *   {"type":"psys-trigger","version":1,
 *    "time":"2026-11-26T10:15:04.130+01:00","wall_ns":1795684504130456789,
 *    "mono_ns":523463789012,"mono_start_ns":522463123456,
 *    "interval":1.000666,"gate":50.0,"irq":false,"hot":[],"rule":"cgroup",
 *    "cgroups":[{"path":"/libpod_parent/libpod-4f1c...","hier":"v2",
 *                "sys":163.2}]}
 *
 * (shown on several lines here; each is one line on the wire). Fields:
 *   type          "psys-trigger"
 *   version       1. Fields may be added without changing it; readers
 *                 ignore fields they do not know. It changes only when a
 *                 field changes meaning or disappears, and readers reject
 *                 versions they do not know.
 *   time          CLOCK_REALTIME of the poll that found the heat, local time
 *                 in ISO 8601 with milliseconds and UTC offset; for humans.
 *   wall_ns       the same instant as integer ns since the Unix epoch (the
 *                 reader's source of truth, e.g. for file names).
 *   mono_ns       CLOCK_MONOTONIC (ns) of the poll that found the heat: read
 *                 immediately before /proc/stat was read at that poll.
 *   mono_start_ns CLOCK_MONOTONIC (ns) of the previous poll, taken the same
 *                 way: the start of the measured interval. Heat reported by
 *                 this line happened in [mono_start_ns, mono_ns]. The kernel
 *                 counts CPU time in ticks of 1/USER_HZ (10 ms), so either
 *                 edge may be off by one tick: a reader that wants the whole
 *                 interval should reach a tick further back.
 *   interval      (mono_ns - mono_start_ns) / 1e9, rounded to 1 us: the time
 *                 the figures were measured over (not the nominal -i).
 *   gate          the sys % threshold (0..100); for "rule":"cgroup", % of
 *                 one CPU (0..TRIGGER_CGROUP_PCT_MAX: a cgroup running on
 *                 several CPUs can pass 100).
 *   irq           true if irq and softirq time were counted as sys
 *                 (psys-watch writes false with "rule":"cgroup": a
 *                 cgroup's system time holds no irq time).
 *   hot           the CPUs at or above the gate, ascending by cpu, none
 *                 twice, at least one: cpu (0..CPULIST_MAX_CPU) and sys
 *                 (that CPU's sys % over the interval, 0..100, rounded to
 *                 0.01). May be empty for "rule":"cgroup" only: it names
 *                 per-CPU heat, and a cgroup trigger's capture takes every
 *                 CPU (the cgroup's threads run anywhere).
 *   rule          optional: which rule fired. "interval" (psys-watch: a
 *                 CPU's sys % over the poll interval reached the gate) or
 *                 "peak" (psys-record's own: a CPU's sys share over a short
 *                 sliding window reached a threshold; then mono_start_ns is
 *                 the burst's first sys sample, mono_ns the sample that
 *                 fired, gate the threshold, sys the share) or "cgroup"
 *                 (psys-watch --cgroups: a cgroup's kernel time over the
 *                 interval reached the gate, in % of one CPU). Missing
 *                 means "interval" (lines from before it existed). Another
 *                 name (1..31 of a-z, 0-9, -) is kept and read as an
 *                 interval.
 *   window        with "rule":"peak": the window in seconds (> 0).
 *   cgroups       with "rule":"cgroup" only (refused with any other rule):
 *                 the cgroups at or above the gate, at least one, hottest
 *                 first as psys-watch writes them (readers keep the order
 *                 they read), none twice (same path and hier): path, the
 *                 cgroup's path from its hierarchy's root ("/" then names
 *                 joined by "/"; untrusted bytes: any but NUL, invalid
 *                 UTF-8 repaired to U+FFFD, at most TRIGGER_PATH_MAX
 *                 bytes), hier ("v2" for the cgroup2 hierarchy, otherwise
 *                 the v1 controller it was read from, e.g. "cpuacct"; 1..15
 *                 of a-z, 0-9, _) and sys (its kernel time over the
 *                 interval in % of one CPU, rounded to 0.01, 0..
 *                 TRIGGER_CGROUP_PCT_MAX).
 * Clocks: CLOCK_MONOTONIC is the clock of perf/BPF sample times
 * (bpf_ktime_get_ns), so a recorder can compare the two directly. */
#ifndef PSYS_TRIGGER_H
#define PSYS_TRIGGER_H

#include "base/cpulist.h"

#include <stddef.h>
#include <stdint.h>

#define TRIGGER_TYPE "psys-trigger"
#define TRIGGER_VERSION 1

struct trigger_cpu {
	int cpu;
	double sys_pct;
};

/* A cgroup at or above the gate of a "cgroup" trigger. */
struct trigger_cgroup {
	char *path;		/* valid UTF-8, starts with '/'; owned */
	char hier[16];		/* "v2", or the v1 controller ("cpuacct") */
	double sys_pct;		/* % of one CPU, can pass 100 */
};

/* Highest cgroup sys % (and cgroup gate): every CPU there can be, busy. */
#define TRIGGER_CGROUP_PCT_MAX (100.0 * (CPULIST_MAX_CPU + 1))
/* Longest cgroup path accepted, in bytes. */
#define TRIGGER_PATH_MAX 65536

struct trigger {
	int64_t wall_ns;	/* CLOCK_REALTIME, ns since the epoch */
	int64_t mono_ns;	/* CLOCK_MONOTONIC of the hot poll */
	int64_t mono_start_ns;	/* CLOCK_MONOTONIC of the poll before it */
	double interval;	/* seconds; see the header comment */
	double gate;		/* percent */
	int irq;		/* irq+softirq counted as sys */
	struct trigger_cpu *hot; /* ascending by cpu; owned */
	int nhot;
	char rule[32];		/* "" reads and writes as "interval" */
	double window;		/* seconds; "peak" only */
	struct trigger_cgroup *cgroups;	/* "cgroup" only, in order; owned */
	int ncgroups;
};

#define TRIGGER_RULE_INTERVAL "interval"
#define TRIGGER_RULE_PEAK "peak"
#define TRIGGER_RULE_CGROUP "cgroup"

/* Non-zero if T was fired by the peak rule. */
int trigger_is_peak(const struct trigger *t);

/* Non-zero if T was fired by a cgroup's heat ("rule":"cgroup"). */
int trigger_is_cgroup(const struct trigger *t);

/* Appends cgroup PATH (LEN bytes, untrusted: repaired to valid UTF-8 and
 * copied; NUL bytes become U+FFFD) of hierarchy HIER to T's cgroups. If
 * the repaired path is already there with the same HIER, keeps the larger
 * figure instead. Returns 0, -EINVAL (PATH not starting with '/', longer
 * than TRIGGER_PATH_MAX, or HIER not a hierarchy name) or -ENOMEM. Does
 * not set T->rule. */
int trigger_add_cgroup(struct trigger *t, const char *path, size_t len,
		       const char *hier, double sys_pct);

/* Adds a hot CPU to T, keeping the list ascending; replaces the figure if
 * CPU is already there. Returns 0, -ERANGE (cpu out of 0..CPULIST_MAX_CPU)
 * or -ENOMEM. */
int trigger_add_cpu(struct trigger *t, int cpu, double sys_pct);

/* Formats T as one trigger line, without the newline, into a string the
 * caller frees. The "time" field is T->wall_ns in the local time zone;
 * interval is derived from the two monotonic times (T->interval is not
 * used). Returns 0; -EINVAL if T would not parse back (no hot CPUs and
 * no cgroup, values out of range, mono_start_ns >= mono_ns, cgroups with
 * another rule than "cgroup" or twice); -ENOMEM. */
int trigger_format(const struct trigger *t, char **out);

/* Parses LINE (LEN bytes, a trailing newline allowed; it is untrusted
 * input) into T, which must be zeroed or freed. Returns:
 *   0        a trigger: every field above present and valid; unknown
 *            fields ignored; interval taken as written; cgroups in the
 *            order written.
 *   -ENOMSG  not a trigger this reader understands: not JSON, not an
 *            object, another type or version, a missing field, a field
 *            of the wrong type or out of range, a duplicated key, CPU or
 *            cgroup, a cgroup path with NUL or not starting with '/',
 *            NaN or infinities, or a line over TRIGGER_LINE_MAX. Skip it.
 *   -ENOMEM  out of memory.
 * If ERR is not NULL it receives a one-line reason (ERRLEN bytes) on
 * failure, e.g. "field 'gate': not a number in 0..100"; it quotes nothing
 * from the line. T is untouched on failure. */
int trigger_parse(const char *line, size_t len, struct trigger *t, char *err,
		  size_t errlen);

/* Longest line trigger_parse accepts: room for every possible CPU hot. */
#define TRIGGER_LINE_MAX (8u << 20)

/* Frees what T owns and zeroes it; T may be NULL. */
void trigger_free(struct trigger *t);

#endif
