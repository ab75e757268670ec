/* Interning: byte strings in, dense ids (0, 1, 2, ... in order of first
 * appearance) out, each string stored once. The one table behind every
 * "same name, same id" in psys: thread and stack tables, frame names,
 * pprof's string table, speedscope's frames. Built on hmap. */
#ifndef PSYS_INTERN_H
#define PSYS_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/hmap.h"

struct intern {
	struct hmap map;	/* hash of the bytes -> id */
	struct buf bytes;	/* every string, back to back */
	size_t *off;		/* id -> offset in bytes; off[n] is the end */
	size_t n, cap;
};

#define INTERN_NONE UINT32_MAX

/* The id of the LEN bytes at P, adding them if new (*IS_NEW, if not NULL,
 * says which). Returns the id, or INTERN_NONE on -ENOMEM (T unchanged). */
uint32_t intern_add(struct intern *t, const void *p, size_t len, int *is_new);

/* The id of the LEN bytes at P, or INTERN_NONE if absent. */
uint32_t intern_find(const struct intern *t, const void *p, size_t len);

/* String ID's bytes (not NUL-terminated) and its length; ID < t->n. The
 * pointer holds until the next intern_add. */
static inline const void *intern_get(const struct intern *t, uint32_t id,
				     size_t *len)
{
	*len = t->off[id + 1] - t->off[id];
	return t->bytes.data ? t->bytes.data + t->off[id] : (const void *)"";
}

void intern_free(struct intern *t);	/* accepts NULL; T reusable after */

#endif
