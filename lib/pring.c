/* Bounded ring of timestamped records; see pring.h.
 *
 * Layout: records sit back to back in one byte array, each a 16-byte
 * header (payload length, stamp) and the payload padded to 8 bytes. A
 * record never wraps: when it does not fit before the end of the array, a
 * wrap marker (length WRAP) is left there, or nothing if fewer than 16
 * bytes remain, and the record starts again at offset 0. */
#include "pring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HDR 16
#define WRAP UINT32_MAX

struct pring {
	unsigned char *data;
	size_t cap, head, tail;	/* oldest record; where the next one goes */
	size_t used;
	uint64_t count, evicted_full;
};

struct hdr {
	uint32_t len, pad;
	uint64_t time;
};

struct pring *pring_new(size_t bytes)
{
	struct pring *r;

	if (bytes < 64) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->cap = bytes & ~(size_t)7;
	r->data = malloc(r->cap);
	if (!r->data) {
		free(r);
		return NULL;
	}
	return r;
}

static size_t rec_size(size_t n)
{
	return HDR + ((n + 7) & ~(size_t)7);
}

/* The offset of the record at OFF, following a wrap if there is one. */
static size_t real_off(const struct pring *r, size_t off)
{
	struct hdr h;

	if (r->cap - off < HDR)
		return 0;
	memcpy(&h, r->data + off, sizeof(h));
	return h.len == WRAP ? 0 : off;
}

static void drop_oldest(struct pring *r)
{
	struct hdr h;
	size_t off = real_off(r, r->head), sz;

	memcpy(&h, r->data + off, sizeof(h));
	sz = rec_size(h.len);
	r->used -= sz + (off != r->head ? r->cap - r->head : 0);
	r->head = off + sz;
	if (--r->count == 0)
		r->head = r->tail = r->used = 0;
}

int pring_push(struct pring *r, uint64_t time, const void *p, size_t n)
{
	size_t need = rec_size(n), at;
	struct hdr h = { (uint32_t)n, 0, time };

	if (need > r->cap || n >= WRAP)
		return -E2BIG;
	for (;;) {
		if (r->count == 0)
			r->head = r->tail = r->used = 0;
		if (r->count == 0 || r->tail > r->head) {
			/* Free: [tail, cap) and [0, head). */
			if (r->cap - r->tail >= need) {
				at = r->tail;
				break;
			}
			if (r->head >= need) {
				/* Wrap, leaving a marker if a header fits. */
				if (r->cap - r->tail >= HDR) {
					struct hdr w = { WRAP, 0, 0 };
					memcpy(r->data + r->tail, &w, sizeof(w));
				}
				r->used += r->cap - r->tail;
				at = 0;
				break;
			}
		} else if (r->head - r->tail >= need) {
			/* Free: [tail, head). */
			at = r->tail;
			break;
		}
		drop_oldest(r);
		r->evicted_full++;
	}
	memcpy(r->data + at, &h, sizeof(h));
	memcpy(r->data + at + HDR, p, n);
	r->tail = at + need;
	r->used += need;
	r->count++;
	return 0;
}

void pring_expire(struct pring *r, uint64_t before)
{
	while (r->count) {
		struct hdr h;

		memcpy(&h, r->data + real_off(r, r->head), sizeof(h));
		if (h.time >= before)
			break;
		drop_oldest(r);
	}
}

int pring_each(const struct pring *r, uint64_t from, pring_fn fn, void *ctx)
{
	size_t off = r->head;

	for (uint64_t i = 0; i < r->count; i++) {
		struct hdr h;
		int ret;

		off = real_off(r, off);
		memcpy(&h, r->data + off, sizeof(h));
		if (h.time >= from && (ret = fn(ctx, h.time, r->data + off + HDR, h.len)))
			return ret;
		off += rec_size(h.len);
	}
	return 0;
}

void pring_stats(const struct pring *r, struct pring_stats *st)
{
	struct hdr h;

	st->bytes = r->cap;
	st->used = r->used;
	st->records = r->count;
	st->evicted_full = r->evicted_full;
	st->oldest = 0;
	if (r->count) {
		memcpy(&h, r->data + real_off(r, r->head), sizeof(h));
		st->oldest = h.time;
	}
}

void pring_free(struct pring *r)
{
	if (!r)
		return;
	free(r->data);
	free(r);
}
