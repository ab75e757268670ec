/* Least privilege for psys-record: once the BPF program is loaded and
 * attached, and kallsyms read, the capabilities that made that possible
 * are no longer needed and are dropped for good. */
#ifndef PSYS_PRIVS_H
#define PSYS_PRIVS_H

#include <stdint.h>

#define PRIVS_CAP(n) (1ull << (n))

/* Drops every capability not in KEEP (a mask of PRIVS_CAP(CAP_...)) from
 * the bounding, inheritable, permitted, effective and ambient sets, and
 * sets no_new_privs so that nothing executed later gains any back. Those
 * in HELD (and not in KEEP) stay in the permitted set only, out of the
 * effective one until privs_raise. Returns 0 or a negative errno
 * (nothing is dropped then). */
int privs_drop(uint64_t keep, uint64_t held);

/* Makes the permitted capabilities in CAPS effective (ON) or not again.
 * Returns 0 or a negative errno. */
int privs_raise(uint64_t caps, int on);

/* The effective capability mask of this process. */
uint64_t privs_effective(void);

/* The capability that opens a CPU's perf event again when the CPU comes
 * back online: held, not effective, while recording. */
#define PRIVS_HOTPLUG PRIVS_CAP(38)	/* CAP_PERFMON */

/* psys-record's policy, once sampling runs (the BPF program attached,
 * kallsyms read, the output directory DIRFD open): keeps only what
 * writing captures into DIRFD and, with USER_STACKS, naming other
 * processes' user frames still need; and PRIVS_HOTPLUG, held. Warns on stderr if it cannot drop;
 * with VERBOSE says what is left. */
void privs_drop_for_recording(int dirfd, int user_stacks, int verbose);

#endif
