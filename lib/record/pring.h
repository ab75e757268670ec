/* The pre-trigger ring: the last seconds of sampling as sealed blocks
 * (psysblock.h), the same bytes a capture file holds, oldest first. Each
 * block is its own allocation, so the ring's memory is what its blocks
 * take (a few bytes a sample), whatever the number of CPUs; a bound on
 * that memory drops the oldest blocks when it would be passed. */
#ifndef PSYS_PRING_H
#define PSYS_PRING_H

#include <stddef.h>
#include <stdint.h>

#include "psysfile/psysblock.h"

struct pring;

/* A ring holding at most MAX_BYTES of blocks (at least 64). NULL with
 * errno set on failure. */
struct pring *pring_new(size_t max_bytes);

/* Bytes a block takes in the ring, its header included. */
size_t pring_block_bytes(const struct psysblock *b);

/* Appends B and takes it (it is freed by the ring, also on failure).
 * Drops the oldest blocks while the ring would hold more than its bound.
 * Returns 0, -E2BIG if B alone is larger than the bound, or -ENOMEM. */
int pring_push(struct pring *r, struct psysblock *b);

/* Drops the blocks whose last sample is before BEFORE (from the oldest
 * end). */
void pring_expire(struct pring *r, uint64_t before);

/* Calls FN for every block whose last sample is at or after FROM, oldest
 * first; stops early and returns FN's value if it is not 0. */
typedef int (*pring_fn)(void *ctx, const struct psysblock *b);
int pring_each(const struct pring *r, uint64_t from, pring_fn fn, void *ctx);

struct pring_stats {
	size_t max_bytes;	/* the bound */
	size_t bytes;		/* held, block headers included */
	uint64_t blocks, samples; /* held */
	uint64_t oldest;	/* first sample of the oldest block, 0 if empty */
	uint64_t evicted_full;	/* blocks pushed out for room, not age */
	/* Nothing after this time was pushed out for room: the ring is
	 * complete from here on (0: never evicted). */
	uint64_t complete_since;
};
void pring_stats(const struct pring *r, struct pring_stats *st);

void pring_free(struct pring *r);	/* accepts NULL */

#endif
