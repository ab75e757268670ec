/* Open-addressing hash map; see hmap.h. */
#include "base/hmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint32_t hmap_get(const struct hmap *m, uint64_t key, hmap_eq_fn eq,
		  const void *ctx)
{
	size_t mask, i;

	if (!m->cap)
		return HMAP_NONE;
	mask = m->cap - 1;
	for (i = hash_mix(key) & mask; m->vals[i] != HMAP_NONE; i = (i + 1) & mask)
		if (m->keys[i] == key && (!eq || eq(ctx, m->vals[i])))
			return m->vals[i];
	return HMAP_NONE;
}

static void insert(uint64_t *keys, uint32_t *vals, size_t mask, uint64_t key,
		   uint32_t val)
{
	size_t i = hash_mix(key) & mask;

	while (vals[i] != HMAP_NONE)
		i = (i + 1) & mask;
	keys[i] = key;
	vals[i] = val;
}

int hmap_put(struct hmap *m, uint64_t key, uint32_t val)
{
	/* Keep the load at most one half: probes stay short. */
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		uint64_t *keys = malloc(cap * sizeof(*keys));
		uint32_t *vals = malloc(cap * sizeof(*vals));

		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -ENOMEM;
		}
		memset(vals, 0xff, cap * sizeof(*vals));
		for (size_t i = 0; i < m->cap; i++)
			if (m->vals[i] != HMAP_NONE)
				insert(keys, vals, cap - 1, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	insert(m->keys, m->vals, m->cap - 1, key, val);
	m->n++;
	return 0;
}

int hmap_set(struct hmap *m, uint64_t key, uint32_t val)
{
	if (m->cap) {
		size_t mask = m->cap - 1;

		for (size_t i = hash_mix(key) & mask; m->vals[i] != HMAP_NONE; i = (i + 1) & mask)
			if (m->keys[i] == key) {
				m->vals[i] = val;
				return 0;
			}
	}
	return hmap_put(m, key, val);
}

void hmap_clear(struct hmap *m)
{
	if (m->cap)
		memset(m->vals, 0xff, m->cap * sizeof(*m->vals));
	m->n = 0;
}

void hmap_free(struct hmap *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, s, 8);
		h = hash_mix(h ^ w);
		s += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;

		memcpy(&w, s, n);
		h = hash_mix(h ^ w ^ 0x8000000000000000ull);
	}
	return h;
}

uint64_t hash_u64s(const uint64_t *v, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);

	/* One multiply per word and a full mix at the end: stacks are hashed
	 * once per sample, and their words are already well spread. */
	for (size_t i = 0; i < n; i++)
		h = (h ^ v[i]) * 0x100000001b3ull + (h >> 29);
	return hash_mix(h);
}
