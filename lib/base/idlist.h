/* Id lists: the one parser of the kernel's list syntax ("0-3,7", as in
 * /sys/devices/system/cpu/online) for every option that takes CPUs, pids
 * or tids, in every program. What a list may hold is set by the kind of
 * id, not by the program: "-C 0-3,7" means the same to psys-watch,
 * psys-record and psys-fold. */
#ifndef PSYS_IDLIST_H
#define PSYS_IDLIST_H

#include <stddef.h>
#include <stdint.h>

/* The largest id of each kind. CPUs: far above any real machine, low
 * enough that a typo cannot make a caller allocate gigabytes (a CPU list
 * becomes a bitmap or an array). Pids and tids: the kernel's
 * PID_MAX_LIMIT, 4194304 (2^22). */
#define IDLIST_MAX_CPU 65535u
#define IDLIST_MAX_PID 4194304u

/* Sorted, disjoint, non-adjacent inclusive ranges. */
struct idlist {
	uint32_t (*r)[2];	/* [lo, hi]; owned */
	size_t n;		/* 0: the empty list */
};

/* Parses S into OUT, which must be zeroed or freed: numbers and ranges
 * "A-B" joined by commas, spaces and tabs around items allowed, a trailing
 * newline allowed; ranges may overlap or repeat. Returns 0, -EINVAL (bad
 * syntax, an empty list, A > B), -ERANGE (a number above MAX) or -ENOMEM;
 * OUT is untouched on error. */
int idlist_parse(const char *s, uint32_t max, struct idlist *out);

/* Non-zero if V is in L. */
int idlist_has(const struct idlist *l, uint32_t v);

/* How many ids L holds. */
uint64_t idlist_count(const struct idlist *l);

/* What a list should have been, after an idlist_parse() error ERR, as the
 * WANT of cli_bad(): "a list such as 0-3,7", "numbers up to 65535" (for
 * -ERANGE, naming MAX). Static storage or BUF (LEN bytes). */
const char *idlist_want(int err, uint32_t max, char *buf, size_t len);

void idlist_free(struct idlist *l);	/* accepts NULL; L reusable after */

#endif
