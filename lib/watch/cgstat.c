/* Per-cgroup sys time: the hierarchy from mountinfo, the walk, the
 * figures; see cgstat.h. */
#include "watch/cgstat.h"

#include "base/buf.h"
#include "base/file.h"
#include "cgroup/cgroup_path.h"
#include "watch/trigger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A leaf's directory is checked for children every this many polls. */
#define CGSTAT_RECHECK 8

/* The file each kind reads, relative to a cgroup's directory. */
#define V2_FILE "cpu.stat"
#define V1_PERCPU_FILE "cpuacct.usage_percpu_sys"
#define V1_STAT_FILE "cpuacct.stat"

void cgstat_hier_free(struct cgstat_hier *h)
{
	if (!h)
		return;
	free(h->mount);
	free(h->root);
	memset(h, 0, sizeof(*h));
}

/* Whether cgroup2 at MOUNT has the cpu controller (its root's
 * cgroup.controllers lists "cpu"). */
static int v2_has_cpu(const char *mount)
{
	char path[PATH_MAX + 32];
	unsigned char *text = NULL;
	size_t len;
	int yes = 0;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", mount);
	if (file_read_path(path, 1 << 16, &text, &len))
		return 0;
	for (char *w = strtok((char *)text, " \n"); w; w = strtok(NULL, " \n"))
		if (!strcmp(w, "cpu"))
			yes = 1;
	free(text);
	return yes;
}

int cgstat_hier_find(const char *mountinfo, const char *want, struct cgstat_hier *out)
{
	struct cgroup_mounts m;
	int err, use_v2;

	memset(out, 0, sizeof(*out));
	if (want && strcmp(want, "v2") && strcmp(want, "cpuacct"))
		return -EINVAL;
	/* The one reader of mountinfo's cgroup mounts (lib/cgroup). */
	if ((err = cgroup_mounts_read(mountinfo, &m)) && err != -ENOENT)
		return err;
	int have_v1 = !strcmp(m.v1_controller, "cpuacct");
	if (want)
		use_v2 = !strcmp(want, "v2");
	else
		use_v2 = m.v2[0] && (!have_v1 || v2_has_cpu(m.v2));
	if (use_v2 ? !m.v2[0] : !have_v1)
		return -ENOENT;
	const char *root = use_v2 ? m.v2_root : m.v1_root;
	out->kind = use_v2 ? CGSTAT_V2 : CGSTAT_CPUACCT;
	snprintf(out->name, sizeof(out->name), "%s", use_v2 ? "v2" : "cpuacct");
	out->mount = strdup(use_v2 ? m.v2 : m.v1);
	/* "/" as the root adds nothing before the paths. */
	out->root = strdup(strcmp(root, "/") ? root : "");
	if (!out->mount || !out->root) {
		cgstat_hier_free(out);
		return -ENOMEM;
	}
	return 0;
}

static const char *stat_file(const struct cgstat *cs)
{
	return cs->hier.kind == CGSTAT_V2 ? V2_FILE : cs->v1_ticks ? V1_STAT_FILE : V1_PERCPU_FILE;
}

int cgstat_init(struct cgstat *cs, struct cgstat_hier *h, const regex_t *match, int max_fds)
{
	char path[4096];

	memset(cs, 0, sizeof(*cs));
	cs->hier = *h;
	memset(h, 0, sizeof(*h));
	cs->match = match;
	cs->max_fds = max_fds;
	cs->user_hz = sysconf(_SC_CLK_TCK);
	if (cs->user_hz <= 0)
		cs->user_hz = 100;
	/* The root holds every file its cgroups do (cgroup2's root has a
	 * cpu.stat too), so it tells which one this kernel has. */
	snprintf(path, sizeof(path), "%s/%s", cs->hier.mount, stat_file(cs));
	if (access(path, R_OK) == 0)
		return 0;
	if (cs->hier.kind == CGSTAT_CPUACCT) {
		cs->v1_ticks = 1;
		snprintf(path, sizeof(path), "%s/%s", cs->hier.mount, stat_file(cs));
		if (access(path, R_OK) == 0)
			return 0;
	}
	return -ENOTSUP;
}

/* Doubles CS's read buffer (4 KiB at first). Returns 0 or -ENOMEM. */
static int grow_rd(struct cgstat *cs)
{
	size_t cap = cs->rd_cap ? 2 * cs->rd_cap : 4096;
	char *b = realloc(cs->rd, cap);

	if (!b)
		return -ENOMEM;
	cs->rd = b;
	cs->rd_cap = cap;
	return 0;
}

/* Reads FD whole from offset 0 into CS's buffer, NUL-terminated. A
 * cgroup file is generated afresh by a read at offset 0, and one read
 * returns all of it that fits: a short read is the end, a full one is
 * read again into a bigger buffer. Returns 0 or a negative errno. */
static int read_whole(struct cgstat *cs, int fd)
{
	if (!cs->rd && grow_rd(cs))
		return -ENOMEM;
	for (;;) {
		ssize_t k = pread(fd, cs->rd, cs->rd_cap - 1, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if ((size_t)k < cs->rd_cap - 1) {
			cs->rd[k] = '\0';
			return 0;
		}
		if (grow_rd(cs))
			return -ENOMEM;
	}
}

/* Parses the unsigned decimal at *P, moving *P past it. */
static int parse_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*v = x;
	return 0;
}

/* The value of the line "KEY N" in TEXT. */
static int keyed(const char *text, const char *key, uint64_t *v)
{
	size_t n = strlen(key);

	for (const char *p = text; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, n) && p[n] == ' ') {
			p += n + 1;
			return parse_u64(&p, v);
		}
	}
	return -ENOENT;
}

/* The sys time in ns that CS's read buffer holds. */
static int parse_sys(const struct cgstat *cs, uint64_t *ns)
{
	const char *p = cs->rd;
	uint64_t v, sum = 0;
	int err;

	if (cs->hier.kind == CGSTAT_V2) {
		if ((err = keyed(p, "system_usec", &v)))
			return err;
		*ns = v * 1000;
		return 0;
	}
	if (cs->v1_ticks) {
		if ((err = keyed(p, "system", &v)))
			return err;
		*ns = v * (1000000000 / (uint64_t)cs->user_hz);
		return 0;
	}
	/* One figure per possible CPU, in ns: their sum is the cgroup's. */
	for (;;) {
		while (*p == ' ' || *p == '\n')
			p++;
		if (!*p)
			break;
		if ((err = parse_u64(&p, &v)))
			return err;
		sum += v;
	}
	*ns = sum;
	return 0;
}

/* Reads C's sys time (its directory REL, relative to the mount MFD) into
 * C->sys_ns, from its kept file or one opened now. Returns 0 or a
 * negative errno (the cgroup went away, most likely). */
static int read_cg(struct cgstat *cs, struct cgstat_cg *c, int mfd, const char *rel)
{
	char path[8192];
	uint64_t ns;
	int err;

	if (c->fd < 0) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", rel, stat_file(cs)) >= sizeof(path))
			return -ENAMETOOLONG;
		if ((c->fd = openat(mfd, path, O_RDONLY | O_CLOEXEC)) < 0)
			return -errno;
		cs->open_fds++;
	}
	err = read_whole(cs, c->fd);
	if (!err)
		err = parse_sys(cs, &ns);
	/* Over the budget, or unreadable (a removed cgroup's file says
	 * ENODEV): not kept. */
	if (err || cs->open_fds > cs->max_fds) {
		close(c->fd);
		c->fd = -1;
		cs->open_fds--;
	}
	if (err)
		return err;
	/* Last poll's reading is this one's baseline if it was taken then. */
	c->has_prev = c->gen + 1 == cs->gen;
	c->prev_ns = c->sys_ns;
	c->sys_ns = ns;
	return 0;
}

struct ino_key {
	const struct cgstat *cs;
	uint64_t ino;
};

static int eq_ino(const void *ctx, uint32_t val)
{
	const struct ino_key *x = ctx;

	return x->cs->cg[val].ino == x->ino;
}

/* The cgroup known by INO, added with path PATH if new, renamed to it if
 * it moved. Returns it, or NULL when out of memory. */
static struct cgstat_cg *lookup(struct cgstat *cs, uint64_t ino, const char *path, size_t len)
{
	struct ino_key ctx = { cs, ino };
	uint32_t i = hmap_get(&cs->by_ino, hash_mix(ino), eq_ino, &ctx);
	struct cgstat_cg *c;

	if (i != HMAP_NONE) {
		c = &cs->cg[i];
		if (c->len == len && !memcmp(c->path, path, len))
			return c;
		char *p = strdup(path);
		if (!p)
			return NULL;
		free(c->path);
		c->path = p;
		c->len = len;
		c->matched = !cs->match || regexec(cs->match, p, 0, NULL, 0) == 0;
		return c;
	}
	if (buf_grow((void **)&cs->cg, &cs->cap, cs->n + 1, sizeof(*cs->cg)))
		return NULL;
	c = &cs->cg[cs->n];
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->ino = ino;
	c->len = len;
	if (!(c->path = strdup(path)) || hmap_set(&cs->by_ino, hash_mix(ino), (uint32_t)cs->n)) {
		free(c->path);
		return NULL;
	}
	c->matched = !cs->match || regexec(cs->match, c->path, 0, NULL, 0) == 0;
	/* Never seen before: no baseline yet. */
	c->gen = cs->gen - 2;
	cs->n++;
	return c;
}

/* The walk's work list: directories still to list, relative to the mount
 * ("." is its root), each with its inode. */
struct todo {
	char *names;			/* NUL-terminated paths, back to back */
	size_t len, cap;
	struct todo_dir { size_t off; uint64_t ino; } *dirs;
	size_t n, dcap;
};

static int todo_push(struct todo *t, const char *path, uint64_t ino)
{
	size_t need = strlen(path) + 1;

	if (buf_grow((void **)&t->names, &t->cap, t->len + need, 1) ||
	    buf_grow((void **)&t->dirs, &t->dcap, t->n + 1, sizeof(*t->dirs)))
		return -ENOMEM;
	memcpy(t->names + t->len, path, need);
	t->dirs[t->n].off = t->len;
	t->dirs[t->n].ino = ino;
	t->n++;
	t->len += need;
	return 0;
}

/* A leaf REL of the mount MFD, known by INO: looked up and, if watched,
 * read. Returns 0 (read or skipped) or -ENOMEM. */
static int leaf(struct cgstat *cs, int mfd, const char *rel, uint64_t ino)
{
	size_t rlen = strlen(cs->hier.root), len = rlen + 1 + strlen(rel);
	struct cgstat_cg *c;

	if (buf_grow((void **)&cs->path, &cs->path_cap, len + 1, 1))
		return -ENOMEM;
	snprintf(cs->path, len + 1, "%s/%s", cs->hier.root, rel);
	if (!(c = lookup(cs, ino, cs->path, len)))
		return -ENOMEM;
	if (!c->matched) {
		c->gen = cs->gen;
		return 0;
	}
	if (read_cg(cs, c, mfd, rel))
		return 0;	/* gone mid-read: forgotten by the sweep */
	c->gen = cs->gen;
	cs->nread++;
	return 0;
}

/* Whether INO is a leaf read at the last poll that need not be checked
 * again at this one. */
static int known_leaf(const struct cgstat *cs, uint64_t ino)
{
	struct ino_key ctx = { cs, ino };
	uint32_t i;

	if ((ino + cs->gen) % CGSTAT_RECHECK == 0)
		return 0;
	i = hmap_get(&cs->by_ino, hash_mix(ino), eq_ino, &ctx);
	return i != HMAP_NONE && cs->cg[i].gen + 1 == cs->gen;
}

/* REL/NAME (NAME alone when REL is the mount's root ".") into CS's
 * scratch buffer B (capacity *CAP). Returns it, or NULL. */
static char *join(char **b, size_t *cap, const char *rel, const char *name)
{
	size_t need = strlen(rel) + strlen(name) + 2;

	if (buf_grow((void **)b, cap, need, 1))
		return NULL;
	if (!strcmp(rel, "."))
		snprintf(*b, need, "%s", name);
	else
		snprintf(*b, need, "%s/%s", rel, name);
	return *b;
}

/* Lists the K-th directory of T (relative to the mount MFD): child
 * cgroups with children of their own join T, those without are leaves
 * and read at once, and the directory itself is a leaf if it has none.
 * Returns 0 or a negative errno: only the root failing to open is one. */
static int list_dir(struct cgstat *cs, int mfd, struct todo *t, size_t k)
{
	char *rel = t->names + t->dirs[k].off;
	uint64_t ino = t->dirs[k].ino;
	int fd, kids = 0, err = 0;
	struct dirent *d;
	DIR *dir;

	if ((fd = openat(mfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return k == 0 ? -errno : 0;	/* a cgroup gone is no error */
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return -ENOMEM;
	}
	cs->scanned++;
	while (!err && (d = readdir(dir))) {
		struct stat st;
		char *sub;

		if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		/* A leaf read at the last poll is taken as one still without
		 * asking (its entry's inode is its identity): the stat would
		 * double a poll's cost. Every CGSTAT_RECHECK polls it is
		 * asked again, in case it gained children. */
		if (known_leaf(cs, (uint64_t)d->d_ino)) {
			st.st_nlink = 2;
			st.st_ino = d->d_ino;
		} else if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode)) {
			continue;
		}
		kids++;
		if (!(sub = join(&cs->rel, &cs->rel_cap, rel, d->d_name))) {
			err = -ENOMEM;
			break;
		}
		/* kernfs (and tmpfs) count subdirectories in a directory's
		 * links: 2 is a leaf, read without listing it. A file system
		 * that does not count (fewer) has it listed. */
		if (st.st_nlink == 2) {
			err = leaf(cs, mfd, sub, (uint64_t)st.st_ino);
		} else {
			err = todo_push(t, sub, (uint64_t)st.st_ino);
			rel = t->names + t->dirs[k].off;	/* moved */
		}
	}
	closedir(dir);
	if (!err && kids == 0 && k != 0)
		err = leaf(cs, mfd, rel, ino);
	return err;
}

/* Forgets the cgroups the last walk did not see (gone, or no longer
 * leaves), closing their files, and re-indexes the rest. */
static int sweep(struct cgstat *cs)
{
	size_t o = 0;

	for (size_t i = 0; i < cs->n; i++) {
		struct cgstat_cg *c = &cs->cg[i];

		if (c->gen == cs->gen) {
			cs->cg[o++] = *c;
			continue;
		}
		if (c->fd >= 0) {
			close(c->fd);
			cs->open_fds--;
		}
		free(c->path);
	}
	if (o == cs->n)
		return 0;
	cs->n = o;
	hmap_clear(&cs->by_ino);
	for (size_t i = 0; i < cs->n; i++)
		if (hmap_set(&cs->by_ino, hash_mix(cs->cg[i].ino), (uint32_t)i))
			return -ENOMEM;
	return 0;
}

int cgstat_poll(struct cgstat *cs)
{
	struct todo t = { 0 };
	int mfd, err;

	cs->gen++;
	cs->nread = 0;
	cs->scanned = 0;
	if ((mfd = open(cs->hier.mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	err = todo_push(&t, ".", 0);
	/* Breadth first, so that no directory stays open while another is
	 * listed: a deep tree costs no file descriptors. */
	for (size_t k = 0; !err && k < t.n; k++)
		err = list_dir(cs, mfd, &t, k);
	close(mfd);
	free(t.names);
	free(t.dirs);
	if (!err)
		err = sweep(cs);
	return err ? err : (int)cs->nread;
}

int cgstat_figures(const struct cgstat *cs, int64_t dt_ns, struct cgstat_figure **out,
		   size_t *cap)
{
	int n = 0;

	if (dt_ns <= 0)
		return 0;
	for (size_t i = 0; i < cs->n; i++) {
		const struct cgstat_cg *c = &cs->cg[i];

		/* A counter that went back is a cgroup this walk cannot
		 * compare: no figure, and the next poll has a baseline. */
		if (c->gen != cs->gen || !c->matched || !c->has_prev || c->sys_ns < c->prev_ns)
			continue;
		if (buf_grow((void **)out, cap, (size_t)n + 1, sizeof(**out)))
			return -ENOMEM;
		(*out)[n].path = c->path;
		(*out)[n].len = c->len;
		(*out)[n].sys_pct = 100.0 * (double)(c->sys_ns - c->prev_ns) / (double)dt_ns;
		n++;
	}
	return n;
}

static int hotter(const void *a, const void *b)
{
	const struct cgstat_figure *x = a, *y = b;

	if (x->sys_pct != y->sys_pct)
		return x->sys_pct < y->sys_pct ? 1 : -1;
	return strcmp(x->path, y->path);
}

int cgstat_hot(const struct cgstat *cs, int64_t dt_ns, double gate, struct trigger *t)
{
	struct cgstat_figure *f = NULL;
	size_t cap = 0;
	int n, k = 0, err = 0;

	if ((n = cgstat_figures(cs, dt_ns, &f, &cap)) < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (f[i].sys_pct >= gate)
			f[k++] = f[i];
	if (k)
		qsort(f, k, sizeof(*f), hotter);
	for (int i = 0; i < k && !err; i++) {
		/* A path too long for a trigger line cannot be named. */
		int e = trigger_add_cgroup(t, f[i].path, f[i].len, cs->hier.name, f[i].sys_pct);

		if (e == -ENOMEM)
			err = e;
	}
	if (!err && t->ncgroups)
		snprintf(t->rule, sizeof(t->rule), "%s", TRIGGER_RULE_CGROUP);
	free(f);
	return err ? err : t->ncgroups;
}

void cgstat_free(struct cgstat *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n; i++) {
		if (cs->cg[i].fd >= 0)
			close(cs->cg[i].fd);
		free(cs->cg[i].path);
	}
	free(cs->cg);
	hmap_free(&cs->by_ino);
	cgstat_hier_free(&cs->hier);
	free(cs->path);
	free(cs->rel);
	free(cs->rd);
	memset(cs, 0, sizeof(*cs));
}
