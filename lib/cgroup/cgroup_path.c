/* Cgroup mounts and the id-to-path cache; see cgroup_path.h. */
#include "cgroup/cgroup_path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/hmap.h"

/* ---- mountinfo ---- */

/* Copies field F (mountinfo escapes \ooo decoded) into OUT. */
static void unescape(const char *f, size_t n, char *out, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < len; i++) {
		if (f[i] == '\\' && i + 3 < n &&
		    f[i + 1] >= '0' && f[i + 1] <= '3' && f[i + 2] >= '0' && f[i + 2] <= '7' &&
		    f[i + 3] >= '0' && f[i + 3] <= '7') {
			out[k++] = (char)((f[i + 1] - '0') << 6 | (f[i + 2] - '0') << 3 | (f[i + 3] - '0'));
			i += 3;
		} else {
			out[k++] = f[i];
		}
	}
	out[k] = '\0';
}

/* Non-zero if the comma-separated list L (N bytes) holds WORD. */
static int has_word(const char *l, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && l[j] != ',')
			j++;
		if (j - i == w && memcmp(l + i, word, w) == 0)
			return 1;
		i = j + 1;
	}
	return 0;
}

int cgroup_mounts_parse(const char *text, size_t len, struct cgroup_mounts *m)
{
	const char *p = text, *end = text + len;

	memset(m, 0, sizeof(*m));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *f[16];
		size_t fl[16];
		int nf = 0, dash = -1;

		for (const char *q = p; q < le && nf < 16;) {
			while (q < le && *q == ' ')
				q++;
			if (q >= le)
				break;
			const char *s = q;
			while (q < le && *q != ' ')
				q++;
			f[nf] = s;
			fl[nf] = (size_t)(q - s);
			if (fl[nf] == 1 && *s == '-' && dash < 0 && nf >= 6)
				dash = nf;
			nf++;
		}
		p = le + 1;
		/* id parent major:minor root mountpoint options [optional...] -
		 * fstype source superoptions */
		if (dash < 0 || nf < dash + 4)
			continue;
		const char *type = f[dash + 1], *sup = f[dash + 3];
		size_t tl = fl[dash + 1], sl = fl[dash + 3];
		/* Of several mounts of one hierarchy, the first that shows its
		 * root (a container's bind mount of a subtree comes second). */
		int whole = fl[3] == 1 && f[3][0] == '/';
		if (tl == 7 && memcmp(type, "cgroup2", 7) == 0) {
			if (!m->v2[0] || (whole && strcmp(m->v2_root, "/"))) {
				unescape(f[4], fl[4], m->v2, sizeof(m->v2));
				unescape(f[3], fl[3], m->v2_root, sizeof(m->v2_root));
			}
		} else if (tl == 6 && memcmp(type, "cgroup", 6) == 0) {
			/* cpuacct's hierarchy, else cpu's. */
			int acct = has_word(sup, sl, "cpuacct");
			int better = acct ? strcmp(m->v1_controller, "cpuacct") != 0 ||
						    (whole && strcmp(m->v1_root, "/"))
					  : !strcmp(m->v1_controller, "cpu") ? whole && strcmp(m->v1_root, "/")
					  : !m->v1_controller[0] && has_word(sup, sl, "cpu");
			if (better) {
				unescape(f[4], fl[4], m->v1, sizeof(m->v1));
				unescape(f[3], fl[3], m->v1_root, sizeof(m->v1_root));
				snprintf(m->v1_controller, sizeof(m->v1_controller), "%s",
					 acct ? "cpuacct" : "cpu");
			}
		}
	}
	return m->v2[0] || m->v1[0] ? 0 : -ENOENT;
}

int cgroup_mounts_read(const char *path, struct cgroup_mounts *m)
{
	unsigned char *text;
	size_t len;
	int err = file_read_path(path ? path : "/proc/self/mountinfo", 64u << 20, &text, &len);

	if (err) {
		memset(m, 0, sizeof(*m));
		return err;
	}
	err = cgroup_mounts_parse((const char *)text, len, m);
	free(text);
	return err;
}

/* ---- the cache ---- */

#define UNNAMED SIZE_MAX
/* Bounds: what a runaway host could make us hold. */
#define MAX_ENTRIES (1u << 20)
#define MAX_DEPTH 64

struct entry {
	uint64_t id;
	int hier;
	size_t path;		/* offset in strs, or UNNAMED */
};

struct cgroup_paths {
	struct cgroup_mounts m;
	char proc[256];
	struct entry *e;
	size_t n, cap;
	struct hmap map;
	struct buf strs;
	/* Ids that /proc did not name, for the next walk. */
	struct entry *wait;
	size_t nwait, wait_cap;
	struct cgroup_paths_stats stats;
};

struct key {
	const struct cgroup_paths *c;
	int hier;
	uint64_t id;
};

static int entry_eq(const void *ctx, uint32_t i)
{
	const struct key *k = ctx;

	return k->c->e[i].id == k->id && k->c->e[i].hier == k->hier;
}

static uint64_t key_hash(int hier, uint64_t id)
{
	return hash_u64s(&id, 1, (uint64_t)hier);
}

static struct entry *find(const struct cgroup_paths *c, int hier, uint64_t id)
{
	struct key k = { c, hier, id };
	uint32_t i = hmap_get(&c->map, key_hash(hier, id), entry_eq, &k);

	return i == HMAP_NONE ? NULL : &c->e[i];
}

/* Records ID's path (PATH, N bytes; NULL: given up on). */
static int put(struct cgroup_paths *c, int hier, uint64_t id, const char *path, size_t n)
{
	struct entry *e = find(c, hier, id);
	size_t off = UNNAMED;

	if (e && e->path != UNNAMED)
		return 0;
	if (path) {
		off = c->strs.len;
		buf_put(&c->strs, path, n);
		buf_put_u8(&c->strs, 0);
		if (c->strs.err)
			return -ENOMEM;
	}
	if (e) {
		e->path = off;
		return 0;
	}
	if (c->n >= MAX_ENTRIES)
		return 0;
	if (buf_grow((void **)&c->e, &c->cap, c->n + 1, sizeof(*c->e)))
		return -ENOMEM;
	c->e[c->n] = (struct entry){ id, hier, off };
	if (hmap_put(&c->map, key_hash(hier, id), (uint32_t)c->n))
		return -ENOMEM;
	c->n++;
	return 0;
}

struct cgroup_paths *cgroup_paths_new(const struct cgroup_mounts *m, const char *proc)
{
	struct cgroup_paths *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->m = *m;
	snprintf(c->proc, sizeof(c->proc), "%s", proc ? proc : "/proc");
	return c;
}

static const char *mount_of(const struct cgroup_paths *c, int hier, const char **root)
{
	*root = hier == CGROUP_V2 ? c->m.v2_root : c->m.v1_root;
	return hier == CGROUP_V2 ? c->m.v2 : c->m.v1;
}

/* Whether hierarchy path PATH (as /proc shows it) is cgroup ID: stat of
 * its directory under the mount gives that inode. */
static int path_is(const struct cgroup_paths *c, int hier, const char *path, uint64_t id)
{
	const char *root, *mnt = mount_of(c, hier, &root);
	size_t rl = strlen(root);
	char full[PATH_MAX * 2];
	struct stat st;

	/* A mount of a subtree shows paths below its root. */
	if (rl > 1) {
		if (strncmp(path, root, rl) != 0 || (path[rl] && path[rl] != '/'))
			return 0;
		path += rl;
	}
	if (snprintf(full, sizeof(full), "%s%s", mnt, path) >= (int)sizeof(full))
		return 0;
	return stat(full, &st) == 0 && S_ISDIR(st.st_mode) && (uint64_t)st.st_ino == id;
}

/* The line of /proc/TID/cgroup for HIER: "0::PATH" for v2, or the one
 * whose controllers include the v1 controller. */
static int from_proc(struct cgroup_paths *c, int hier, uint64_t id, uint32_t tid)
{
	char file[300], *p, *end;
	unsigned char *text;
	size_t len;
	int named = 0;

	snprintf(file, sizeof(file), "%s/%u/cgroup", c->proc, tid);
	if (file_read_path(file, 1u << 20, &text, &len))
		return 0;
	for (p = (char *)text, end = p + len; p < end && !named;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		char *c1 = memchr(p, ':', (size_t)(le - p));
		char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;

		if (c2) {
			int v2 = c1 - p == 1 && *p == '0' && c2 == c1 + 1;
			int v1 = !v2 && c->m.v1_controller[0] &&
				 has_word(c1 + 1, (size_t)(c2 - c1 - 1), c->m.v1_controller);
			if ((hier == CGROUP_V2 && v2) || (hier == CGROUP_V1 && v1)) {
				*le = '\0';
				if (path_is(c, hier, c2 + 1, id) &&
				    put(c, hier, id, c2 + 1, strlen(c2 + 1)) == 0)
					named = 1;
			}
		}
		p = le + 1;
	}
	free(text);
	return named;
}

int cgroup_paths_see(struct cgroup_paths *c, int hier, uint64_t id, uint32_t tid)
{
	const char *root;

	if (!id || (hier != CGROUP_V1 && hier != CGROUP_V2) || !mount_of(c, hier, &root)[0] ||
	    find(c, hier, id))
		return 0;
	for (size_t i = 0; i < c->nwait; i++)
		if (c->wait[i].id == id && c->wait[i].hier == hier)
			return 0;
	if (tid && from_proc(c, hier, id, tid)) {
		c->stats.named_proc++;
		return 0;
	}
	if (buf_grow((void **)&c->wait, &c->wait_cap, c->nwait + 1, sizeof(*c->wait)))
		return -ENOMEM;
	c->wait[c->nwait++] = (struct entry){ id, hier, UNNAMED };
	return 0;
}

/* Names every directory below DIRFD, whose hierarchy path is PATH. */
static int walk(struct cgroup_paths *c, int hier, int fd0, struct buf *path, int depth)
{
	DIR *d = fdopendir(fd0);
	struct dirent *de;
	int err = 0;

	if (!d) {
		close(fd0);
		return 0;
	}
	while ((de = readdir(d)) && !err) {
		struct stat st;
		size_t mark = path->len;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
			continue;
		if (mark == 0 || path->data[mark - 1] != '/')
			buf_put_u8(path, '/');
		buf_put(path, de->d_name, strlen(de->d_name));
		if (path->err)
			return -ENOMEM;
		err = put(c, hier, (uint64_t)st.st_ino, (const char *)path->data, path->len);
		if (!err && depth < MAX_DEPTH) {
			int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
							     O_NOFOLLOW);
			if (fd >= 0)
				err = walk(c, hier, fd, path, depth + 1);
		}
		path->len = mark;
	}
	closedir(d);
	return err;
}

static int walk_hier(struct cgroup_paths *c, int hier)
{
	const char *root, *mnt = mount_of(c, hier, &root);
	struct buf path = { 0 };
	struct stat st;
	int fd, err = 0;

	if (!mnt[0] || (fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	/* Paths are the hierarchy's, as /proc shows them. */
	buf_put(&path, root[0] && strcmp(root, "/") ? root : "", root[0] && strcmp(root, "/") ? strlen(root) : 0);
	if (fstat(fd, &st) == 0)
		err = put(c, hier, (uint64_t)st.st_ino, path.len ? (const char *)path.data : "/",
			  path.len ? path.len : 1);
	if (!err)
		err = walk(c, hier, fd, &path, 0);
	else
		close(fd);
	buf_free(&path);
	return err;
}

int cgroup_paths_refresh(struct cgroup_paths *c)
{
	int err = 0, gone = 0, want[3] = { 0 };

	if (!c->nwait)
		return 0;
	for (size_t i = 0; i < c->nwait; i++)
		want[c->wait[i].hier] = 1;
	c->stats.walks++;
	for (int h = 1; h <= 2 && !err; h++)
		if (want[h])
			err = walk_hier(c, h);
	for (size_t i = 0; i < c->nwait && !err; i++) {
		struct entry *e = find(c, c->wait[i].hier, c->wait[i].id);

		if (e && e->path != UNNAMED) {
			c->stats.named_walk++;
			continue;
		}
		err = put(c, c->wait[i].hier, c->wait[i].id, NULL, 0);
		c->stats.unnamed++;
		gone++;
	}
	c->nwait = 0;
	return err ? err : gone;
}

const char *cgroup_paths_lookup(const struct cgroup_paths *c, int hier, uint64_t id)
{
	const struct entry *e = id ? find(c, hier, id) : NULL;

	return e && e->path != UNNAMED ? (const char *)c->strs.data + e->path : NULL;
}

const struct cgroup_paths_stats *cgroup_paths_stats(const struct cgroup_paths *c)
{
	return &c->stats;
}

void cgroup_paths_free(struct cgroup_paths *c)
{
	if (!c)
		return;
	free(c->e);
	free(c->wait);
	hmap_free(&c->map);
	buf_free(&c->strs);
	free(c);
}
