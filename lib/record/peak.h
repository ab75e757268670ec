/* The peak rule: a sys meter per CPU made of the samples the recorder
 * already takes. Over a sliding window (default 0.2 s) it counts the
 * samples that are sys time (kernel mode, not the idle task) against all
 * samples (at least as many as the window should hold at the sampling
 * frequency, so a CPU whose samples were lost or that just started is
 * not judged on a few). When that share reaches the threshold (default
 * 50%) the rule fires for the CPU, naming where the burst began: the
 * first sys sample of the window. It fires again for the same CPU only
 * after the window has moved past the samples it fired on, and at most
 * once per rearm period (1 s), so a long burst extends a capture about
 * once a second rather than at every sample.
 *
 * Cost: O(1) per sample (amortised), a few hundred bytes per CPU seen;
 * no clock reads, no system calls. Pure: fed by the caller, in the order
 * of each CPU's samples (a time before the previous one of that CPU is
 * taken as equal to it). */
#ifndef PSYS_PEAK_H
#define PSYS_PEAK_H

#include <stdint.h>

#define PEAK_WINDOW_DEFAULT_NS 200000000LL	/* 0.2 s */
#define PEAK_THRESHOLD_DEFAULT 50.0		/* percent */
#define PEAK_REARM_NS 1000000000LL		/* 1 s */

struct peak_opts {
	int64_t window_ns;	/* > 0 */
	double threshold;	/* percent, > 0 and <= 100 */
	unsigned freq;		/* samples per second per CPU, > 0 */
};

struct peak_fire {
	uint32_t cpu;
	int64_t start_ns;	/* the first sys sample of the window */
	int64_t end_ns;		/* the sample that made it fire */
	uint32_t sys, n;	/* sys samples, samples counted (denominator) */
	double share;		/* 100 * sys / n */
};

struct peak;

/* NULL with errno set on failure (EINVAL for options out of range). */
struct peak *peak_new(const struct peak_opts *o);

/* Feeds one sample of CPU at time T (ns); SYS non-zero if it is sys time.
 * Returns 1 and fills *F when the rule fires, 0 when not, -ENOMEM. */
int peak_sample(struct peak *p, uint32_t cpu, int64_t t, int sys, struct peak_fire *f);

void peak_free(struct peak *p);	/* accepts NULL */

#endif
