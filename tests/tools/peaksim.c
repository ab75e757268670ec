/* peaksim: the peak rule (lib/record/peak.c) on synthetic sample streams,
 * at its defaults unless -w/-t say otherwise. Feeds SECONDS of samples of
 * NCPU CPUs at HZ, in time order as the sampler delivers them.
 *
 * Without -q, -u or -b: its cost per sample, for the benchmark
 * (bench/burst.sh): each CPU at 20% sys at random (so the window's counts
 * move; it seldom fires), and prints
 *   ns_per_sample N pct_of_one_cpu P bytes_per_cpu B fires F
 * where P is what the rule would take of one CPU on NCPU CPUs at HZ: the
 * CPU time it took over the simulated time, the thread's own CPU clock.
 *
 * With them: how often it fires, on a background and on bursts:
 *   -q SHARE   each sample of the background is sys at random with this
 *              probability (0 to 1; default 0)
 *   -u FRAC -P MS  the background is busy FRAC of every MS milliseconds
 *              (a steady duty-cycle load), sys with probability SHARE
 *              only while busy
 *   -b MS -p PCT  a burst of MS milliseconds every 3 s on every CPU, at a
 *              random phase, each of its samples sys with probability
 *              PCT/100 (default 100)
 *   -s SEED    the random seed
 * and prints
 *   cpu_hours H bursts N caught C caught_pct X false F false_per_cpu_hour Y
 * where a burst is caught when the rule fires on its CPU from its start to
 * one window after its end, and every other fire is false.
 *   peaksim [-w WINDOW-S] [-t THRESHOLD] [-q SHARE] [-u FRAC -P MS]
 *           [-b MS [-p PCT]] [-s SEED] NCPU HZ SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "record/peak.h"
#include "../unit/rng.h"

static uint64_t rnd = 0x9e3779b97f4a7c15ull;

static double uniform(void)	/* [0, 1) */
{
	return (xorshift64(&rnd) >> 11) * (1.0 / 9007199254740992.0);
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: peaksim [-w WINDOW-S] [-t THRESHOLD] [-q SHARE] [-u FRAC -P MS] "
			"[-b MS [-p PCT]] [-s SEED] NCPU HZ SECONDS\n");
	exit(2);
}

#define GAP_NS 3000000000LL	/* between bursts */

int main(int argc, char **argv)
{
	double win_s = PEAK_WINDOW_DEFAULT_NS / 1e9, thr = PEAK_THRESHOLD_DEFAULT;
	double q = 0, duty = 0, period_ms = 0, burst_ms = 0, pct = 100;
	int sim = 0, opt;

	while ((opt = getopt(argc, argv, "w:t:q:u:P:b:p:s:")) != -1) {
		switch (opt) {
		case 'w': win_s = atof(optarg); break;
		case 't': thr = atof(optarg); break;
		case 'q': q = atof(optarg); sim = 1; break;
		case 'u': duty = atof(optarg); sim = 1; break;
		case 'P': period_ms = atof(optarg); break;
		case 'b': burst_ms = atof(optarg); sim = 1; break;
		case 'p': pct = atof(optarg); break;
		case 's': rnd = strtoull(optarg, NULL, 0) | 1; break;
		default: usage();
		}
	}
	if (argc - optind != 3)
		usage();
	unsigned ncpu = (unsigned)atoi(argv[optind]), hz = (unsigned)atoi(argv[optind + 1]);
	double secs = atof(argv[optind + 2]);
	struct peak_opts o = { (int64_t)(win_s * 1e9 + 0.5), thr, hz };
	struct peak *p = peak_new(&o);
	struct peak_fire f;
	unsigned long long n = 0, fires = 0;

	if (!p || !ncpu || !hz || !(secs > 0) || q < 0 || q > 1 || duty < 0 || duty > 1 ||
	    (duty > 0 && !(period_ms > 0)) || burst_ms < 0 || burst_ms * 1e6 > GAP_NS / 2 ||
	    pct < 0 || pct > 100) {
		fprintf(stderr, "peaksim: bad arguments\n");
		return 2;
	}
	long long step = 1000000000LL / hz, end = (long long)(secs * 1e9);
	if (!sim) {
		double t0 = cpu_now();
		for (long long t = 0; t < end; t += step)
			for (unsigned c = 0; c < ncpu; c++, n++)
				fires += peak_sample(p, c, t + c, uniform() < 0.2, &f) == 1;
		double used = cpu_now() - t0;
		/* Each CPU's window: twice the samples a window holds, 8 bytes
		 * each, plus its bookkeeping. */
		unsigned long per_cpu = (2 * (unsigned long)(o.window_ns * hz / 1000000000LL) + 8) * 8 + 64;
		printf("ns_per_sample %.1f pct_of_one_cpu %.5f bytes_per_cpu %lu fires %llu\n",
		       used * 1e9 / n, 100 * used / secs, per_cpu, fires);
		peak_free(p);
		return 0;
	}

	/* Per CPU: the current burst [b0, b1) and whether it was caught. */
	long long *b0 = calloc(ncpu, sizeof(*b0)), *b1 = calloc(ncpu, sizeof(*b1));
	long long *ph = calloc(ncpu, sizeof(*ph));
	char *got = calloc(ncpu, 1);
	unsigned long long bursts = 0, caught = 0, false_fires = 0;
	long long blen = (long long)(burst_ms * 1e6), per = (long long)(period_ms * 1e6);

	if (!b0 || !b1 || !ph || !got) {
		fprintf(stderr, "peaksim: out of memory\n");
		return 1;
	}
	for (unsigned c = 0; c < ncpu; c++) {
		b0[c] = b1[c] = -GAP_NS;
		ph[c] = per ? (long long)(uniform() * per) : 0;
	}
	for (long long t = 0; t < end; t += step) {
		for (unsigned c = 0; c < ncpu; c++) {
			/* The next burst starts in the next 3 s slot at a random
			 * phase, after 1 s of background (the rule's start). */
			if (blen && t >= b1[c] + o.window_ns && t % GAP_NS < step) {
				bursts += got[c] != 0;	/* the one before, counted */
				caught += got[c] == 2;
				b0[c] = t + 1000000000LL + (long long)(uniform() * (GAP_NS - 1000000000LL - blen - 2 * o.window_ns));
				b1[c] = b0[c] + blen;
				got[c] = 1;
			}
			int sys;
			if (blen && t >= b0[c] && t < b1[c])
				sys = uniform() * 100 < pct;
			else if (per)
				sys = (t + ph[c]) % per < duty * per && uniform() < q;
			else
				sys = uniform() < q;
			n++;
			if (peak_sample(p, c, t + c, sys, &f) != 1)
				continue;
			fires++;
			if (blen && t >= b0[c] && t < b1[c] + o.window_ns && got[c])
				got[c] = 2;
			else
				false_fires++;
		}
	}
	double cpu_hours = ncpu * secs / 3600;
	printf("cpu_hours %.1f bursts %llu caught %llu caught_pct %.1f false %llu "
	       "false_per_cpu_hour %.4g\n", cpu_hours, bursts, caught,
	       bursts ? 100.0 * caught / bursts : 0.0, false_fires, false_fires / cpu_hours);
	free(b0);
	free(b1);
	free(ph);
	free(got);
	peak_free(p);
	return 0;
}
