/* The pre-trigger ring of sealed blocks; see pring.h. A circular array of
 * pointers, grown when full; the blocks themselves are separate
 * allocations, so nothing is resident that no block uses. */
#include "record/pring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

struct pring {
	struct psysblock **b;
	size_t cap, head, n;	/* oldest at head, n held */
	size_t max, bytes;
	uint64_t samples, evicted_full, complete_since;
};

struct pring *pring_new(size_t max_bytes)
{
	struct pring *r;

	if (max_bytes < 64) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r)
		r->max = max_bytes;
	return r;
}

size_t pring_block_bytes(const struct psysblock *b)
{
	return sizeof(*b) + b->len;
}

static struct psysblock *at(const struct pring *r, size_t i)
{
	return r->b[(r->head + i) & (r->cap - 1)];
}

static void drop_oldest(struct pring *r)
{
	struct psysblock *b = at(r, 0);

	r->bytes -= pring_block_bytes(b);
	r->samples -= b->nsamples;
	free(b);
	r->head = (r->head + 1) & (r->cap - 1);
	r->n--;
}

int pring_push(struct pring *r, struct psysblock *b)
{
	size_t need = pring_block_bytes(b);

	if (need > r->max) {
		free(b);
		return -E2BIG;
	}
	if (r->n == r->cap) {
		/* Double, unrolling the circle so the oldest is first. */
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct psysblock **p = malloc(cap * sizeof(*p));

		if (!p) {
			free(b);
			return -ENOMEM;
		}
		for (size_t i = 0; i < r->n; i++)
			p[i] = at(r, i);
		free(r->b);
		r->b = p;
		r->cap = cap;
		r->head = 0;
	}
	while (r->n && r->bytes + need > r->max) {
		uint64_t last = at(r, 0)->last_ns;

		drop_oldest(r);
		r->evicted_full++;
		if (last >= r->complete_since)
			r->complete_since = last + 1;
	}
	r->b[(r->head + r->n) & (r->cap - 1)] = b;
	r->n++;
	r->bytes += need;
	r->samples += b->nsamples;
	return 0;
}

void pring_expire(struct pring *r, uint64_t before)
{
	while (r->n && at(r, 0)->last_ns < before)
		drop_oldest(r);
}

int pring_each(const struct pring *r, uint64_t from, pring_fn fn, void *ctx)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct psysblock *b = at(r, i);
		int ret;

		if (b->last_ns >= from && (ret = fn(ctx, b)))
			return ret;
	}
	return 0;
}

void pring_stats(const struct pring *r, struct pring_stats *st)
{
	st->max_bytes = r->max;
	st->bytes = r->bytes;
	st->blocks = r->n;
	st->samples = r->samples;
	st->oldest = r->n ? at(r, 0)->first_ns : 0;
	st->evicted_full = r->evicted_full;
	st->complete_since = r->complete_since;
}

void pring_free(struct pring *r)
{
	if (!r)
		return;
	while (r->n)
		drop_oldest(r);
	free(r->b);
	free(r);
}
