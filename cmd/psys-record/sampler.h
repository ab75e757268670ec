/* The BPF side of psys-record: loads the sampler program, opens one
 * CPU_CLOCK perf event per CPU with the program attached, and hands every
 * sample to a callback as the ring buffer is drained. */
#ifndef PSYS_SAMPLER_H
#define PSYS_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "base/cpulist.h"
#include "psys.h"
#include "record/recorder.h"

struct sampler;

/* Called for every sample drained; a negative return stops the drain and
 * is passed back from sampler_drain. */
typedef int (*sampler_fn)(void *ctx, const struct psys_sample *s);

struct sampler_opts {
	const struct cpulist *cpus;
	unsigned freq;		/* Hz */
	size_t ring_bytes;	/* 0: sized from CPUs and frequency */
	int user_stacks;	/* also read user stacks (frame pointers) */
	/* Whether the idle task's samples walk the kernel stack
	 * (--idle-stacks); off: they are sent with PSYS_SAMPLE_IDLE_NOSTACK
	 * and no frames. */
	int idle_stacks;
	int verbose;		/* libbpf's own messages on stderr */
	/* The v1 controller whose hierarchy's cgroup ids samples carry
	 * ("cpuacct" or "cpu"), or NULL for none; see sampler_cgroup1. */
	const char *cgroup1_controller;
};


/* Loads and attaches. On failure returns a negative errno and writes a
 * one-line reason (without program name) into ERR. */
int sampler_open(const struct sampler_opts *o, sampler_fn fn, void *ctx,
		 struct sampler **out, char *err, size_t errlen);

/* The fd to poll for "samples waiting" (the ring buffer's epoll fd). */
int sampler_fd(const struct sampler *s);

/* Hands every waiting sample to the callback. Returns the number handed
 * over or a negative errno. */
int sampler_drain(struct sampler *s);

/* Whether CPU (one of the sampled CPUs) has its event open. */
int sampler_cpu_open(const struct sampler *s, int cpu);

/* Closes CPU's event (ON 0: it went offline) or opens it again (ON 1:
 * it came online; needs CAP_PERFMON effective). Returns 0, -ENOENT for a
 * CPU not sampled, or a negative errno with a one-line reason in WHY. */
int sampler_cpu_set(struct sampler *s, int cpu, int on, char *why, size_t len);

/* Stops sampling on every CPU (samples already taken stay in the ring). */
void sampler_stop(struct sampler *s);

struct sampler_counts {
	uint64_t sent, lost, stack_err, bpf_misses;
};
/* Sums the in-kernel counters over the CPUs in ONLY (NULL: all CPUs).
 * bpf_misses is per program, so always for all CPUs. */
int sampler_counts(const struct sampler *s, const struct cpulist *only,
		   struct sampler_counts *c);

size_t sampler_ring_bytes(const struct sampler *s);

/* Non-zero if samples carry v1 cgroup ids: a controller was asked for and
 * the kernel's BTF (/sys/kernel/btf/vmlinux) says where they are. When it
 * is 0, WHY (if not NULL) says why not. */
int sampler_cgroup1(const struct sampler *s, const char **why);

/* S as the recorder drives it (lib/record/recorder.h): drained, counted
 * over every CPU. */
struct recorder_source sampler_source(struct sampler *s);

/* A sampler_fn handing each sample to the recorder CTX (recorder_sample),
 * in the terms of a capture file. */
int sampler_to_recorder(void *ctx, const struct psys_sample *s);

void sampler_close(struct sampler *s);	/* accepts NULL */

/* Checks for the privileges BPF sampling needs. Returns 0, or -EPERM and
 * a description of what is missing in WHY. */
int sampler_check_privileges(char *why, size_t len);

#endif
