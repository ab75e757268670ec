/* Per-cgroup kernel ("system") time for psys-watch --cgroups: finding the
 * hierarchy to read from /proc/self/mountinfo, walking its cgroups each
 * poll, and each watched cgroup's sys time between two polls.
 *
 * Sources: cgroup v2 "cpu.stat" (system_usec, us); cgroup v1 cpuacct
 * "cpuacct.usage_percpu_sys" (ns per CPU, summed) or, where a kernel lacks
 * it, "cpuacct.stat" (system, USER_HZ ticks). Which cgroups: every leaf
 * (no child cgroup) below the root, the root itself never (its time is the
 * host's, which the per-CPU rule sees); narrowed by a regular expression
 * on the path. A cgroup is known by its directory's inode number (the
 * cgroup id on kernfs), so one removed and made again under the same name
 * between two polls is a new cgroup, not a counter that went back. */
#ifndef PSYS_CGSTAT_H
#define PSYS_CGSTAT_H

#include "base/hmap.h"

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

/* Where the sys time is read. */
enum cgstat_kind {
	CGSTAT_V2,		/* cgroup2: cpu.stat system_usec */
	CGSTAT_CPUACCT,		/* v1 cpuacct: usage_percpu_sys or stat */
};

struct cgstat_hier {
	enum cgstat_kind kind;
	char name[16];		/* "v2" or "cpuacct": a trigger's "hier" */
	char *mount;		/* where it is mounted; owned */
	char *root;		/* the mount's root in the hierarchy ("" for
				 * "/"), put before every path; owned */
};

/* Finds the hierarchy to read in MOUNTINFO (a /proc/PID/mountinfo file;
 * NULL: /proc/self/mountinfo). WANT is "v2", "cpuacct" or NULL (auto:
 * cgroup2 when its root's cgroup.controllers lists "cpu" or no v1
 * hierarchy has cpuacct; otherwise v1 cpuacct, where a hybrid host puts
 * its CPU accounting and its containers). Of several mounts of one
 * hierarchy, the first that shows its root. OUT is filled (free with
 * cgstat_hier_free). Returns 0, -ENOENT (no such hierarchy mounted),
 * -EINVAL (WANT unknown) or another negative errno reading MOUNTINFO. */
int cgstat_hier_find(const char *mountinfo, const char *want, struct cgstat_hier *out);

void cgstat_hier_free(struct cgstat_hier *h);	/* accepts NULL */

/* One watched cgroup, kept from poll to poll. */
struct cgstat_cg {
	uint64_t ino;		/* its directory's inode: the identity */
	char *path;		/* from the hierarchy's root; owned */
	size_t len;
	int fd;			/* its stat file kept open, or -1 */
	uint64_t sys_ns, prev_ns; /* this poll's and the last poll's reading */
	int has_prev;		/* prev_ns read at the last poll */
	unsigned gen;		/* the poll that last saw it */
	int matched;		/* path matched the expression */
};

struct cgstat {
	struct cgstat_hier hier;	/* owned */
	const regex_t *match;		/* NULL: every leaf; borrowed */
	int max_fds;			/* stat files kept open at most */
	int v1_ticks;			/* cpuacct.stat (ticks), not percpu */
	long user_hz;
	struct cgstat_cg *cg;		/* every cgroup seen, matched or not */
	size_t n, cap;
	struct hmap by_ino;		/* ino -> index in cg */
	unsigned gen;
	int open_fds;
	char *path, *rel;		/* the walk's path buffers */
	size_t path_cap, rel_cap;
	char *rd;			/* read buffer */
	size_t rd_cap;
	size_t scanned;			/* directories listed, last poll */
	size_t nread;			/* cgroups read, last poll */
};

/* Sets up CS over hierarchy H (moved into CS: H is emptied) watching the
 * leaves whose path MATCH matches (NULL: all; borrowed, must outlive CS),
 * keeping at most MAX_FDS stat files open between polls (0: none; a file
 * beyond it is opened at each poll). Returns 0 or -ENOTSUP when the
 * hierarchy's root has no file to read sys time from. */
int cgstat_init(struct cgstat *cs, struct cgstat_hier *h, const regex_t *match,
		int max_fds);

/* One poll: walks the hierarchy, finding cgroups that appeared, forgetting
 * those gone, and reads every watched leaf's sys time. A cgroup that
 * vanishes or fails to read during the walk is skipped. Returns the
 * number of watched cgroups read, or a negative errno when the
 * hierarchy's root itself cannot be read (or -ENOMEM). */
int cgstat_poll(struct cgstat *cs);

/* A watched cgroup's figure between the last two polls. */
struct cgstat_figure {
	const char *path;	/* borrowed from CS, valid until its next poll */
	size_t len;
	double sys_pct;		/* % of one CPU over DT_NS; can pass 100 */
};

/* The figures of every cgroup read at both of the last two polls, which
 * were DT_NS apart, into *OUT (grown, with *CAP; the caller frees it).
 * A cgroup new at the last poll, or whose counter went back, has none.
 * Returns their number or -ENOMEM. */
int cgstat_figures(const struct cgstat *cs, int64_t dt_ns, struct cgstat_figure **out,
		   size_t *cap);

struct trigger;

/* Adds to T (with trigger_add_cgroup, hottest first) every watched
 * cgroup whose figure over the last two polls, DT_NS apart, is at or
 * above GATE (% of one CPU), and sets T's rule to "cgroup" if any.
 * Returns the number added or a negative errno. */
int cgstat_hot(const struct cgstat *cs, int64_t dt_ns, double gate, struct trigger *t);

/* Frees what CS owns (closing its files) and zeroes it; CS may be NULL. */
void cgstat_free(struct cgstat *cs);

#endif
