/* An open-addressing hash map from 64-bit keys to 32-bit values, the one
 * map every table in psys is built on. Keys are usually content hashes:
 * several values may share a key, and callers tell them apart with an
 * equality callback. */
#ifndef PSYS_HMAP_H
#define PSYS_HMAP_H

#include <stddef.h>
#include <stdint.h>

#define HMAP_NONE UINT32_MAX

struct hmap {
	uint64_t *keys;
	uint32_t *vals;		/* HMAP_NONE marks an empty slot */
	size_t cap, n;		/* cap is a power of two */
};

/* Decides whether the stored value VAL is the one searched for. */
typedef int (*hmap_eq_fn)(const void *ctx, uint32_t val);

/* The value stored under KEY for which EQ(CTX, value) is true (EQ NULL:
 * the first one), or HMAP_NONE. */
uint32_t hmap_get(const struct hmap *m, uint64_t key, hmap_eq_fn eq,
		  const void *ctx);

/* Stores VAL (not HMAP_NONE) under KEY; does not look for an existing
 * entry. Returns 0 or -ENOMEM. */
int hmap_put(struct hmap *m, uint64_t key, uint32_t val);

/* Stores VAL as the one value under KEY, replacing the first value there
 * if any (for maps whose keys are unique). Returns 0 or -ENOMEM. */
int hmap_set(struct hmap *m, uint64_t key, uint32_t val);

void hmap_free(struct hmap *m);	/* accepts NULL; M can be reused after */

/* Empties M, keeping its memory for the next entries. */
void hmap_clear(struct hmap *m);

/* Hashing helpers: a strong 64-bit mix, and hashes of byte strings and
 * arrays of 64-bit words built on it. */
static inline uint64_t hash_mix(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return x;
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);
uint64_t hash_u64s(const uint64_t *v, size_t n, uint64_t seed);

#endif
