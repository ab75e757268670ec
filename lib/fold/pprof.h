/* pprof's profile format (github.com/google/pprof, proto/profile.proto):
 * folded stacks written as a gzip-compressed protobuf Profile, so captures
 * open in `go tool pprof`, pprof's web UI and the profiling backends that
 * take pprof (Pyroscope, Parca, Grafana), where sample labels (comm, pid,
 * cpu...) let a profile be filtered and split. Encoded with protobuf-c from
 * lib/fold/profile.proto, compressed with zlib. */
#ifndef PSYS_PPROF_H
#define PSYS_PPROF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What the profile says about itself; zero fields are left out. */
struct pprof_meta {
	int64_t time_ns;	/* start of the window, ns since the epoch */
	int64_t duration_ns;	/* length of the window */
	/* Time one sample stands for (1e9 / sampling frequency). When set,
	 * each sample carries a second value, cpu/nanoseconds = count *
	 * period_ns, after samples/count; when 0, only samples/count. */
	int64_t period_ns;
	const char *const *comments;	/* free text lines (pprof -comments) */
	size_t ncomments;
	/* The kernel's mapping: when FILE is set, the profile has one
	 * Mapping with this file name (e.g. "[kernel.kallsyms]") and the
	 * address range [START, LIMIT), marked as having its functions
	 * named; frames ending in "_[k]" lose that suffix and are located
	 * in it. Other frames belong to no mapping. */
	const char *kernel_file;
	uint64_t kernel_start, kernel_limit;
};

/* One sample label, key = value; a NULL or empty value is left out.
 * With NUM_UNIT set, a numeric label with the same key follows, NUM in
 * that unit: string labels are what profiling backends index, numeric
 * ones what pprof's -tagfocus=KEY=NUMBER and ranges match. */
struct pprof_label {
	const char *key;
	const char *value;
	int64_t num;
	const char *num_unit;
};

/* Writes to OUT a gzip-compressed pprof Profile of N stacks (STACKS[i]:
 * frames joined by ';', root first, as folded lines) with sample counts
 * COUNTS[i]. LABELS, if not NULL, holds NLABELS labels for each sample
 * (LABELS[i * NLABELS + j]), each left out when its VALUE is NULL or "";
 * a label with a NUM_UNIT is written as the number NUM only, any other as
 * the string VALUE (one kind per key: pprof -tags would add both up).
 * Samples with the same stack but other labels stay apart. Each distinct frame name becomes one Function and
 * one Location (no addresses: the frames are already named); samples
 * list their locations leaf first, as pprof wants. Strings are made valid
 * UTF-8 first (untrusted names). The output is deterministic for the same
 * input. Returns 0, -ENOMEM or -EIO. */
int pprof_write(FILE *out, const struct pprof_meta *m, const char *const *stacks,
		const uint64_t *counts, const struct pprof_label *labels, size_t nlabels,
		size_t n);

#endif
