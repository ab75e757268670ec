/* The summary of a fold: what the "# key: value" metadata lines before the
 * folded stacks say about all the captures folded (title, hosts, kernel,
 * wall-clock window, CPUs, triggers, rate, slice, sample counts, losses).
 * pprof carries the same lines as its comments. */
#ifndef PSYS_SUMMARY_H
#define PSYS_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "base/cpulist.h"
#include "fold/capinfo.h"
#include "fold/fold.h"
#include "fold/slice.h"

struct summary {
	struct cpulist cpus;	/* hot (or sampled) CPUs the slice keeps */
	char hosts[256], kernel[128];
	int64_t wall_first, wall_last;
	uint64_t lost, stack_errors, bpf_misses;
	long freq;
	int files;
	uint64_t kernel_start, kernel_limit;	/* _stext, _etext of the first */
	char trigger[256];	/* what started the first triggered capture */
	char rules[64];		/* every rule that started or extended one */
	/* The first capture's, when a cgroup trigger started it: "container
	 * ID12", "service NAME" or "cgroup PATH" (up to three). */
	char who_title[1024];
	/* Stretches a CPU named was offline (trailers' cpu_gaps), in wall
	 * clock ns; TO 0 while it still was as its capture ended. */
	struct summary_gap { int cpu; int64_t from, to; } *gaps;
	size_t ngaps, gaps_cap;
	/* Losses placed in time (trailers' lost_at), in wall clock ns. */
	struct summary_loss { int64_t from, at; uint64_t lost; } *losses;
	size_t nlosses, losses_cap;
};

/* Adds the capture CI (header and trailer read) to S; C is the fold's
 * counts right after that capture was added, SL the slice (its CPUs
 * narrow the CPUs named). */
void summary_add(struct summary *s, const struct slice *sl, const struct capinfo *ci,
		 const struct fold_counts *c);

/* "sysHigh for cpu 1:3" in BUF (LEN bytes), or "sysHigh for container
 * ID12" for a capture a cgroup trigger started. */
void summary_title(const struct summary *s, char *buf, size_t len);

/* Writes S as metadata lines ("# key: value", lib/folded/folded.h) with
 * the counts C and the slice description SLICE_DESC ("" for none). */
void summary_write(const struct summary *s, const struct fold_counts *c,
		   const char *slice_desc, FILE *out);

/* Nanoseconds one sample stands for, 0 when the rate is unknown. */
int64_t summary_period_ns(const struct summary *s);

void summary_free(struct summary *s);	/* accepts NULL */

#endif
