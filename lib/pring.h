/* A bounded ring of timestamped, variable-size records, oldest first: the
 * pre-trigger buffer in which psys-record keeps the last seconds of
 * samples so that a capture can begin before the trigger that asked for
 * it. Memory is fixed at creation; when full, the oldest records go. */
#ifndef PSYS_PRING_H
#define PSYS_PRING_H

#include <stddef.h>
#include <stdint.h>

struct pring;

/* A ring of BYTES bytes (at least 64). NULL with errno set on failure. */
struct pring *pring_new(size_t bytes);

/* Appends a copy of the N bytes at P stamped TIME (times should not go
 * down by much: eviction is from the oldest end). Evicts the oldest
 * records as needed. Returns 0, or -E2BIG if the record alone is larger
 * than the ring. */
int pring_push(struct pring *r, uint64_t time, const void *p, size_t n);

/* Drops records stamped before BEFORE (from the oldest end). */
void pring_expire(struct pring *r, uint64_t before);

/* Calls FN for every record stamped at or after FROM, oldest first; stops
 * early and returns FN's value if it is not 0. */
typedef int (*pring_fn)(void *ctx, uint64_t time, const void *p, size_t n);
int pring_each(const struct pring *r, uint64_t from, pring_fn fn, void *ctx);

struct pring_stats {
	size_t bytes;		/* capacity */
	size_t used;		/* bytes held, headers included */
	uint64_t records;	/* records held */
	uint64_t oldest;	/* stamp of the oldest record, 0 if empty */
	uint64_t evicted_full;	/* records pushed out for room, not age */
};
void pring_stats(const struct pring *r, struct pring_stats *st);

void pring_free(struct pring *r);	/* accepts NULL */

#endif
