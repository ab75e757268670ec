/* /proc/stat per-CPU time counters: parsing a snapshot, and turning two
 * snapshots into each CPU's sys % over the time between them. */
#ifndef PSYS_PROCSTAT_H
#define PSYS_PROCSTAT_H

#include <stddef.h>

/* The per-CPU fields we use, in /proc/stat order (units of USER_HZ ticks).
 * The two that follow them, guest and guest_nice, are already counted in
 * user and nice, so they are read past and never added to a total. */
enum {
	PROCSTAT_USER,
	PROCSTAT_NICE,
	PROCSTAT_SYSTEM,
	PROCSTAT_IDLE,
	PROCSTAT_IOWAIT,
	PROCSTAT_IRQ,
	PROCSTAT_SOFTIRQ,
	PROCSTAT_STEAL,
	PROCSTAT_NFIELDS
};

/* Older kernels print fewer fields (Linux 2.4: 4; 2.6.0: 7; steal since
 * 2.6.11); missing ones read as 0. Fewer than this many is malformed. */
#define PROCSTAT_MIN_FIELDS 4

struct procstat_cpu {
	int cpu;
	unsigned long long t[PROCSTAT_NFIELDS];
};

/* One snapshot: the "cpuN" lines, sorted by CPU number. Only online CPUs
 * appear in /proc/stat, so numbers can have gaps. */
struct procstat {
	struct procstat_cpu *cpus;	/* owned */
	int n;
	size_t cap;			/* allocated entries of cpus */
	char *buf;			/* read buffer, reused between reads */
	size_t bufcap;
};

/* Why a CPU has, or has not, a figure in this poll. */
enum procstat_state {
	PROCSTAT_OK,		/* sys_pct is valid */
	PROCSTAT_NEW,		/* not in the previous snapshot: baseline only */
	PROCSTAT_NOTIME,	/* no time accounted between the snapshots */
	PROCSTAT_BACKWARDS,	/* counters went back or disagree: no figure */
};

struct procstat_figure {
	int cpu;
	enum procstat_state state;
	double sys_pct;			/* 0..100 when state is PROCSTAT_OK */
	unsigned long long dsys;	/* ticks counted as sys */
	unsigned long long dtotal;	/* all ticks of this CPU */
};

/* Parses TEXT (LEN bytes, need not be NUL-terminated) in /proc/stat format
 * into PS, replacing its CPUs and reusing its memory. Lines other than
 * "cpuN ..." are ignored (the "cpu" total line included); a "cpuN" line
 * must have at least PROCSTAT_MIN_FIELDS numbers, extra fields are
 * ignored. Returns 0; -EINVAL for a malformed or duplicated cpuN line;
 * -ERANGE for a number that does not fit or a CPU above CPULIST_MAX_CPU;
 * -ENOMEM. On error PS holds no CPUs. PS must be zeroed or previously
 * used with these functions. */
int procstat_parse(struct procstat *ps, const char *text, size_t len);

/* Reads PATH (NULL means /proc/stat) whole, whatever its size, and parses
 * it into PS. Returns 0 or a negative errno. */
int procstat_read(struct procstat *ps, const char *path);

/* Index of CPU in PS, or -1. */
int procstat_find(const struct procstat *ps, int cpu);

/* Compares CUR with the earlier snapshot PREV and writes one figure per CPU
 * of CUR, in CUR's order, into *OUT, growing it (and *CAP) as needed; the
 * caller frees *OUT. sys % is the CPU's change in system time (plus irq and
 * softirq if WITH_IRQ) over the change in its total time user + nice +
 * system + idle + iowait + irq + softirq + steal. A CPU absent from PREV
 * gets PROCSTAT_NEW; a total that did not grow gets PROCSTAT_NOTIME; sys
 * counters that went back, a total that shrank, or sys > total give
 * PROCSTAT_BACKWARDS. Idle and iowait alone may go back a little (a known
 * NO_HZ accounting effect) without losing the figure. Returns the number
 * of figures (CUR's CPU count) or -ENOMEM. */
int procstat_delta(const struct procstat *prev, const struct procstat *cur,
		   int with_irq, struct procstat_figure **out, size_t *cap);

/* Frees what PS owns and zeroes it; PS may be NULL. */
void procstat_free(struct procstat *ps);

#endif
