/* CPU lists: the kernel's list syntax ("0-3,7", as in
 * /sys/devices/system/cpu/online) parsed into a sorted set of CPU numbers,
 * and formatted back. */
#ifndef PSYS_CPULIST_H
#define PSYS_CPULIST_H

#include <stddef.h>

#include "base/idlist.h"

/* Highest CPU number accepted: idlist.h's, the same in every program. */
#define CPULIST_MAX_CPU ((int)IDLIST_MAX_CPU)

struct cpulist {
	int *cpus;	/* sorted, no duplicates; owned */
	int n;
};

/* Parses S ("0-3,7", "5", "0-1,1-2") with idlist_parse() into OUT, which
 * must be zeroed or freed. Returns 0, -EINVAL on bad syntax or an empty
 * list, -ERANGE for a CPU above CPULIST_MAX_CPU, -ENOMEM. OUT is
 * untouched on error. */
int cpulist_parse(const char *s, struct cpulist *out);

/* Reads /sys/devices/system/cpu/online (or PATH if not NULL) into OUT.
 * Returns 0 or a negative errno. */
int cpulist_online(const char *path, struct cpulist *out);

/* Non-zero if CPU is in L. */
int cpulist_has(const struct cpulist *l, int cpu);

/* Adds CPU to L keeping it sorted. Returns 0, -ERANGE or -ENOMEM. */
int cpulist_add(struct cpulist *l, int cpu);

/* Writes L into BUF (size LEN) as numbers joined by SEP (":" gives the
 * reference tool's "0:3"); ranges are not collapsed. Returns the length it
 * needed (like snprintf); BUF is always terminated when LEN > 0. */
size_t cpulist_join(const struct cpulist *l, const char *sep, char *buf,
		    size_t len);

/* Writes L into BUF in range syntax ("0-3,7"). Same return as cpulist_join. */
size_t cpulist_format(const struct cpulist *l, char *buf, size_t len);

/* Frees the array; L may be NULL. */
void cpulist_free(struct cpulist *l);

#endif
