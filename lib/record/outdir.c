/* The output directory of psys-record; see outdir.h. */
#include "record/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/ptime.h"

#define TMPNAME "capture.psys"	/* -o -: the file in the private folder */

int outdir_is_file_name(const char *p)
{
	size_t n = strlen(p);

	return n > 5 && strcmp(p + n - 5, ".psys") == 0;
}

void outdir_init(struct outdir *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->path = path;
	o->to_stdout = strcmp(path, "-") == 0;
	o->fd = -1;
}

/* -o -: the capture writer makes files by name in a directory, so the
 * capture is written into a folder of our own, made 0700 in $TMPDIR (or
 * /tmp), where nobody else can reach it; the file is unlinked and the
 * folder removed as soon as the capture starts (outdir_create), and what
 * the writer completes is copied from the unlinked file to standard output
 * (outdir_stream). */
static int open_private_dir(struct outdir *o, char *why, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	int err;

	if (!tmp || *tmp != '/')
		tmp = "/tmp";
	snprintf(o->tmpdir, sizeof(o->tmpdir), "%s/psys-record.XXXXXX", tmp);
	if (!mkdtemp(o->tmpdir)) {
		err = -errno;
		snprintf(why, len, "cannot make a temporary folder in '%s' (for -o -): %s", tmp,
			 strerror(-err));
		o->tmpdir[0] = '\0';
		return err;
	}
	o->fd = open(o->tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* Ours and private, not one put in its place meanwhile. */
	if (o->fd < 0 || fstat(o->fd, &st) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		err = o->fd < 0 ? -errno : -EPERM;
		snprintf(why, len, "cannot use temporary folder '%s': %s", o->tmpdir,
			 strerror(-err));
		if (o->fd >= 0)
			close(o->fd);
		o->fd = -1;
		return err;
	}
	return 0;
}

static void remove_private_dir(struct outdir *o, const struct diag *d)
{
	if (o->tmpdir[0] && rmdir(o->tmpdir) && errno != ENOENT)
		diag_say(d, "warning: cannot remove '%s': %s", o->tmpdir,
			strerror(errno));
	o->tmpdir[0] = '\0';
}

int outdir_open(struct outdir *o, char *why, size_t len)
{
	const char *dir = o->path;
	char parent[PATH_MAX];
	struct stat st;
	int err;

	if (o->to_stdout)
		return open_private_dir(o, why, len);
	if (outdir_is_file_name(o->path)) {
		/* FILE.psys: its directory must pass the same checks. */
		snprintf(parent, sizeof(parent), "%s", o->path);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		else
			snprintf(parent, sizeof(parent), "%s", slash ? "/" : ".");
		dir = parent;
	} else if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		snprintf(why, len, "cannot make directory '%s': %s", dir, strerror(-err));
		return err;
	}
	o->fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (o->fd < 0) {
		err = -errno;
		snprintf(why, len, "cannot open directory '%s': %s", dir,
			 err == -ELOOP || err == -ENOTDIR ? "not a directory (a symlink?)" :
			 strerror(-err));
		return err;
	}
	if (fstat(o->fd, &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		snprintf(why, len, "refusing to write into '%s': anyone may write there and "
			 "it has no sticky bit", dir);
		close(o->fd);
		o->fd = -1;
		return -EPERM;
	}
	return 0;
}

int outdir_create(struct outdir *o, int64_t name_ns, const json_t *header,
		  const struct ksyms *ks, const struct psysfile_io *io,
		  struct psysfile_writer **w, int *tee_fd,
		  char *path, size_t pathlen, const struct diag *d)
{
	char stamp[32], name[64];
	int err;

	if (o->to_stdout) {
		snprintf(path, pathlen, "standard output");
		if ((err = psysfile_create_io(o->fd, TMPNAME, header, ks, io, w)))
			return err;
		/* A temporary file: a sync per record would only cost. */
		psysfile_set_sync(*w, 0);
		*tee_fd = openat(o->fd, TMPNAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		err = *tee_fd < 0 ? -errno : 0;
		unlinkat(o->fd, TMPNAME, 0);
		remove_private_dir(o, d);
		return err;
	}
	if (outdir_is_file_name(o->path)) {
		const char *base = strrchr(o->path, '/');
		snprintf(path, pathlen, "%s", o->path);
		return psysfile_create_io(o->fd, base ? base + 1 : o->path, header, ks, io, w);
	}
	ptime_stamp(name_ns, stamp, sizeof(stamp));
	err = -EEXIST;
	for (int i = 0; i < 1000 && err == -EEXIST; i++) {
		if (i)
			snprintf(name, sizeof(name), "%s_%d.psys", stamp, i);
		else
			snprintf(name, sizeof(name), "%s.psys", stamp);
		err = psysfile_create_io(o->fd, name, header, ks, io, w);
	}
	snprintf(path, pathlen, "%s%s%s", o->path,
		 o->path[strlen(o->path) - 1] == '/' ? "" : "/", name);
	return err;
}

int outdir_stream(int tee_fd, uint64_t *done, uint64_t upto, int out_fd)
{
	char buf[65536];

	while (*done < upto) {
		size_t want = upto - *done < sizeof(buf) ? upto - *done : sizeof(buf);
		ssize_t n = pread(tee_fd, buf, want, (off_t)*done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (ssize_t off = 0; off < n;) {
			ssize_t k = write(out_fd, buf + off, n - off);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -errno;
			off += k;
		}
		*done += n;
	}
	/* Whole 64 KiB blocks only; a file system without holes keeps them. */
	off_t punch = (off_t)(*done & ~(uint64_t)0xffff);
	if (punch > 0)
		fallocate(tee_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, punch);
	return 0;
}

/* ---- retention ---- */

struct kept {
	char name[256];
	off_t size;
	struct timespec mtime;
};

static int is_capture_name(const char *n)
{
	/* YYYYMMDD_HHMMSS.psys or YYYYMMDD_HHMMSS_N.psys */
	for (int i = 0; i < 15; i++)
		if (i == 8 ? n[i] != '_' : (n[i] < '0' || n[i] > '9'))
			return 0;
	n += 15;
	if (*n == '_') {
		n++;
		if (*n < '0' || *n > '9')
			return 0;
		while (*n >= '0' && *n <= '9')
			n++;
	}
	return strcmp(n, ".psys") == 0;
}

static int cmp_kept(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

void outdir_retain(const struct outdir *o, unsigned long max_files, uint64_t max_bytes,
		   unsigned long reserve, int verbose, const struct diag *msg)
{
	int fd = dup(o->fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct kept *k = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		struct stat st;

		if (!is_capture_name(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (buf_grow((void **)&k, &cap, n + 1, sizeof(*k)))
			break;
		snprintf(k[n].name, sizeof(k[n].name), "%s", e->d_name);
		k[n].size = st.st_size;
		k[n].mtime = st.st_mtim;
		total += st.st_size;
		n++;
	}
	if (n)	/* qsort wants a non-NULL array even for none */
		qsort(k, n, sizeof(*k), cmp_kept);
	unsigned long keep = max_files > reserve ? max_files - reserve : 1;
	for (size_t i = 0; i + 1 < n && (n - i > keep || total > max_bytes); i++) {
		char svg[270];

		if (unlinkat(dirfd(d), k[i].name, 0) == 0) {
			total -= k[i].size;
			snprintf(svg, sizeof(svg), "%.*s.svg", (int)(strlen(k[i].name) - 5), k[i].name);
			unlinkat(dirfd(d), svg, 0);
			if (verbose)
				diag_say(msg, "retention: deleted %s/%s", o->path, k[i].name);
		} else {
			diag_say(msg, "cannot delete '%s/%s': %s", o->path, k[i].name,
				 strerror(errno));
		}
	}
	free(k);
	closedir(d);
}

void outdir_close(struct outdir *o, const struct diag *d)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	remove_private_dir(o, d);
}
