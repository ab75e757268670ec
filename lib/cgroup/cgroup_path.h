/* Cgroup ids to paths, on the machine that recorded them: the mounted
 * hierarchies (from mountinfo), and a cache that names the id of a
 * sampled thread's cgroup while that cgroup still exists. psys-record
 * only: paths are resolved where the cgroups live, never on the machine
 * that folds the capture.
 *
 * A cgroup's id is its kernfs node id, which is the inode number of its
 * directory (64-bit kernels since 5.5): a path is taken for an id only
 * when stat() of the directory gives that inode. */
#ifndef PSYS_CGROUP_PATH_H
#define PSYS_CGROUP_PATH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* Hierarchies. v1 is the one v1 hierarchy samples carry the id of:
 * cpuacct's, else cpu's. */
#define CGROUP_V1 1
#define CGROUP_V2 2

struct cgroup_mounts {
	char v2[PATH_MAX];		/* mount point of cgroup2; "" none */
	char v2_root[PATH_MAX];		/* the hierarchy path mounted there */
	char v1[PATH_MAX];		/* mount point of that v1 hierarchy */
	char v1_root[PATH_MAX];
	char v1_controller[16];		/* "cpuacct" or "cpu"; "" none */
};

/* Finds the hierarchies in mountinfo TEXT (LEN bytes, the format of
 * /proc/self/mountinfo, octal escapes decoded). Returns 0, or -ENOENT
 * when neither is mounted (M is still filled with what there is). */
int cgroup_mounts_parse(const char *text, size_t len, struct cgroup_mounts *m);

/* The same from the file PATH (NULL: /proc/self/mountinfo). Returns 0,
 * -ENOENT or the negative errno of reading it. */
int cgroup_mounts_read(const char *path, struct cgroup_mounts *m);

struct cgroup_paths;

/* A cache over the hierarchies of M (copied); PROC is the proc mount
 * ("/proc"; another for tests). NULL with errno set on failure. */
struct cgroup_paths *cgroup_paths_new(const struct cgroup_mounts *m, const char *proc);

/* Names cgroup ID of HIER, seen in a sample of thread TID, if it is not
 * known yet: from /proc/TID/cgroup, checked against the id; failing that
 * the id waits for cgroup_paths_refresh. Cheap for known ids. Returns 0
 * or -ENOMEM. */
int cgroup_paths_see(struct cgroup_paths *c, int hier, uint64_t id, uint32_t tid);

/* Walks the hierarchies once if ids are waiting, naming every cgroup it
 * finds; ids still unnamed then are given up on (their cgroup is gone)
 * and not looked for again. Returns the number of ids given up on, or
 * -ENOMEM. */
int cgroup_paths_refresh(struct cgroup_paths *c);

/* The path of ID ("/" for the root, "/a/b" below it), or NULL when it
 * is not known. Valid until the next see or refresh. */
const char *cgroup_paths_lookup(const struct cgroup_paths *c, int hier, uint64_t id);

/* What the cache did: ids named from /proc, by a walk, given up on; walks. */
struct cgroup_paths_stats {
	uint64_t named_proc, named_walk, unnamed, walks;
};
const struct cgroup_paths_stats *cgroup_paths_stats(const struct cgroup_paths *c);

void cgroup_paths_free(struct cgroup_paths *c);	/* accepts NULL */

#endif
