/* Simulates psys-record's pre-trigger ring on a machine larger than this
 * one: CPUS CPUs sampled at HZ for SECONDS, every CPU busy with a
 * syscall-like load (a few threads, 40 kernel stacks of 8-20 frames drawn
 * with a skew, a third of the samples in user mode) or, with "idle",
 * every CPU idle. Samples go through the same block builders and ring as
 * psys-record's (blocks of 4 s, as while waiting); prints what the ring
 * and the builders hold.
 * Usage: ringsim CPUS HZ SECONDS [busy|idle] */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "record/pring.h"
#include "../unit/rng.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	return xorshift64(&rng);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: ringsim CPUS HZ SECONDS [busy|idle]\n");
		return 2;
	}
	int ncpu = atoi(argv[1]), hz = atoi(argv[2]), secs = atoi(argv[3]);
	int idle = argc > 4 && strcmp(argv[4], "idle") == 0;
	uint64_t period = 1000000000ull / hz, stacks[40][20];
	uint32_t depth[40];
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	struct pring *ring = pring_new((size_t)1 << 40);
	struct psysblock_builder **b = calloc(ncpu, sizeof(*b));
	size_t base = mallinfo2().uordblks;

	for (int s = 0; s < 40; s++) {
		depth[s] = 8 + (uint32_t)(rnd() % 13);
		for (uint32_t f = 0; f < depth[s]; f++)
			/* Shared callers near the root, distinct leaves. */
			stacks[s][f] = 0xffffffff81000000ull +
				       (f + 4 < depth[s] ? (uint64_t)s * 0x2000 : 0) +
				       (uint64_t)(depth[s] - f) * 0x7311 + rnd() % 512;
	}
	for (int c = 0; c < ncpu; c++) {
		b[c] = psysblock_builder_new((uint32_t)c);
		psysblock_set_period(b[c], period);
	}
	char comm[32];
	for (uint64_t t = 0; t < (uint64_t)secs * 1000000000ull; t += period) {
		for (int c = 0; c < ncpu; c++) {
			struct psysfile_sample s = { 0 };
			double u = (double)(rnd() % 1000000) / 1e6;
			int k = (int)(40 * u * u * u);

			s.time_ns = 1000000000ull + t + rnd() % 20000;
			s.cpu = (uint32_t)c;
			if (idle) {
				snprintf(comm, sizeof(comm), "swapper/%d", c);
				s.flags = PSYSFILE_IDLE_NOSTACK;
			} else {
				s.pid = 1000 + (uint32_t)(c * 4 + k % 4);
				s.tid = s.pid;
				snprintf(comm, sizeof(comm), "worker-%d", k % 4);
				s.flags = rnd() % 3 == 0 ? PSYSFILE_USER : 0;
				s.nframes = s.flags ? 0 : depth[k];
				s.frames = stacks[k];
			}
			s.comm = comm;
			if (psysblock_count(b[c]) &&
			    s.time_ns >= psysblock_first_ns(b[c]) + 4000000000ull) {
				struct psysblock *blk;
				if (psysblock_seal(b[c], cc, 3, &blk) || pring_push(ring, blk))
					return 1;
			}
			if (psysblock_add(b[c], &s))
				return 1;
		}
	}
	struct pring_stats st;
	size_t building = 0;
	pring_stats(ring, &st);
	for (int c = 0; c < ncpu; c++)
		building += psysblock_builder_bytes(b[c]);
	size_t used = mallinfo2().uordblks - base;
	printf("cpus %d hz %d seconds %d %s: ring %llu samples in %zu bytes (%.2f B/sample); "
	       "builders %zu bytes; malloc in use %.1f MB\n", ncpu, hz, secs, idle ? "idle" : "busy",
	       (unsigned long long)st.samples, st.bytes, (double)st.bytes / st.samples, building,
	       used / 1e6);
	return 0;
}
