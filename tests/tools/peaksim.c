/* peaksim: the peak rule's cost per sample (lib/record/peak.c), for the
 * benchmark (bench/burst.sh): feeds it SECONDS of synthetic samples of
 * NCPU CPUs at HZ, in time order as the sampler delivers them, each CPU
 * at 20% sys at random (so the window's counts move; it seldom fires), and
 * prints
 *   ns_per_sample N pct_of_one_cpu P bytes_per_cpu B
 * where P is what the rule would take of one CPU on NCPU CPUs at HZ: the
 * CPU time it took over the simulated time, the thread's own CPU clock.
 *   peaksim NCPU HZ SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "record/peak.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: peaksim NCPU HZ SECONDS\n");
		return 2;
	}
	unsigned ncpu = (unsigned)atoi(argv[1]), hz = (unsigned)atoi(argv[2]);
	double secs = atof(argv[3]);
	struct peak_opts o = { PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT, hz };
	struct peak *p = peak_new(&o);
	struct peak_fire f;
	unsigned long long n = 0, fires = 0, rnd = 0x9e3779b97f4a7c15ull;

	if (!p || !ncpu || !hz || secs <= 0) {
		fprintf(stderr, "peaksim: bad arguments\n");
		return 2;
	}
	long long step = 1000000000LL / hz, end = (long long)(secs * 1e9);
	double t0 = cpu_now();
	for (long long t = 0; t < end; t += step)
		for (unsigned c = 0; c < ncpu; c++, n++) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			fires += peak_sample(p, c, t + c, rnd % 10 < 2, &f) == 1;
		}
	double used = cpu_now() - t0;
	/* Each CPU's window: twice the samples a window holds, 8 bytes
	 * each, plus its bookkeeping. */
	unsigned long per_cpu = (2 * (unsigned long)(o.window_ns * hz / 1000000000LL) + 8) * 8 + 48;
	printf("ns_per_sample %.1f pct_of_one_cpu %.5f bytes_per_cpu %lu fires %llu\n",
	       used * 1e9 / n, 100 * used / secs, per_cpu, fires);
	peak_free(p);
	return 0;
}
