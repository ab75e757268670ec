/* The peak rule: a sys meter per CPU made of the samples the recorder
 * already takes. Over a sliding window (default 0.15 s: 30 samples at
 * 200 Hz) it counts the samples that are sys time (kernel mode, not the
 * idle task) against all samples (at least as many as the window should
 * hold at the sampling frequency, so a CPU whose samples were lost or
 * that just started is not judged on a few). It fires for the CPU when
 * that count reaches
 *     ceil(threshold x n) + floor(base x n)
 * where n is the window's samples, threshold the rise asked for (default
 * 35%: 11 of 30) and base the CPU's own sys share before the window (an
 * average of the samples that left it, over about PEAK_BASE_NS): a burst
 * is a rise above what the CPU was doing, and a steady load's random
 * fluctuations must clear its own level first. A CPU is not judged until
 * one window's worth of samples has left its window (its base is known);
 * time in which a CPU took no samples at all (a tickless idle CPU on some
 * virtual machines) counts as that many idle samples, from the rule's
 * first sample on any CPU.
 * Why these defaults, with the arithmetic: man/psys-record.1, "peak rule".
 * When it fires it names where the burst began: the first sys sample of
 * the window. It fires again for the same CPU only after the window has
 * moved past the samples it fired on, and at most once per rearm period
 * (1 s), so a long burst extends a capture about once a second rather
 * than at every sample.
 *
 * Cost: O(1) per sample (amortised), a few hundred bytes per CPU seen;
 * no clock reads, no system calls. Pure: fed by the caller, in the order
 * of each CPU's samples (a time before the previous one of that CPU is
 * taken as equal to it). */
#ifndef PSYS_PEAK_H
#define PSYS_PEAK_H

#include <stdint.h>

#define PEAK_WINDOW_DEFAULT_NS 150000000LL	/* 0.15 s */
#define PEAK_THRESHOLD_DEFAULT 35.0		/* percent above the base */
/* The same defaults as text, for --help. */
#define PEAK_WINDOW_DEFAULT_STR "0.15"
#define PEAK_THRESHOLD_DEFAULT_STR "35"
#define PEAK_BASE_NS 2000000000LL		/* the base's memory: 2 s */
#define PEAK_REARM_NS 1000000000LL		/* 1 s */

struct peak_opts {
	int64_t window_ns;	/* > 0 */
	double threshold;	/* percent above the base, > 0 and <= 100 */
	unsigned freq;		/* samples per second per CPU, > 0 */
};

struct peak_fire {
	uint32_t cpu;
	int64_t start_ns;	/* the first sys sample of the window */
	int64_t end_ns;		/* the sample that made it fire */
	uint32_t sys, n;	/* sys samples, samples counted (denominator) */
	uint32_t need;		/* the sys samples it asked for */
	double share;		/* 100 * sys / n */
	double base;		/* the CPU's sys share before the window, percent */
};

struct peak;

/* NULL with errno set on failure (EINVAL for options out of range). */
struct peak *peak_new(const struct peak_opts *o);

/* Feeds one sample of CPU at time T (ns); SYS non-zero if it is sys time.
 * Returns 1 and fills *F when the rule fires, 0 when not, -ENOMEM. */
int peak_sample(struct peak *p, uint32_t cpu, int64_t t, int sys, struct peak_fire *f);

void peak_free(struct peak *p);	/* accepts NULL */

#endif
