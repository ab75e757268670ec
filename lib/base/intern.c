/* Interning byte strings; see intern.h. */
#include "base/intern.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SEED 0x9e3779b97f4a7c15ull

struct probe {
	const struct intern *t;
	const void *p;
	size_t len;
};

static int same(const void *ctx, uint32_t id)
{
	const struct probe *q = ctx;
	size_t len;
	const void *s = intern_get(q->t, id, &len);

	return len == q->len && (len == 0 || memcmp(s, q->p, len) == 0);
}

uint32_t intern_find(const struct intern *t, const void *p, size_t len)
{
	struct probe q = { t, p, len };

	if (!t->n)
		return INTERN_NONE;
	return hmap_get(&t->map, hash_bytes(p, len, SEED), same, &q);
}

uint32_t intern_add(struct intern *t, const void *p, size_t len, int *is_new)
{
	uint64_t key = hash_bytes(p, len, SEED);
	struct probe q = { t, p, len };
	uint32_t id = t->n ? hmap_get(&t->map, key, same, &q) : HMAP_NONE;
	size_t oldlen = t->bytes.len;

	if (is_new)
		*is_new = id == HMAP_NONE;
	if (id != HMAP_NONE)
		return id;
	if (t->n >= INTERN_NONE - 1 ||
	    buf_grow((void **)&t->off, &t->cap, t->n + 2, sizeof(*t->off)))
		return INTERN_NONE;
	if (!t->n)
		t->off[0] = 0;
	buf_put(&t->bytes, p, len);
	if (t->bytes.err) {
		t->bytes.err = 0;
		return INTERN_NONE;
	}
	id = (uint32_t)t->n;
	if (hmap_put(&t->map, key, id)) {
		t->bytes.len = oldlen;
		return INTERN_NONE;
	}
	t->off[++t->n] = t->bytes.len;
	return id;
}

void intern_free(struct intern *t)
{
	if (!t)
		return;
	hmap_free(&t->map);
	buf_free(&t->bytes);
	free(t->off);
	memset(t, 0, sizeof(*t));
}
