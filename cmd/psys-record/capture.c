/* The recorder and its captures; see capture.h. */
#include "capture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zstd.h>

#include "base/buf.h"
#include "psys.h"
#include "psysfile/header.h"
#include "psysfile/psysfile.h"
#include "privs.h"
#include "base/ptime.h"
#include "watch/trigger.h"
#include "symbols/usyms.h"
#include "base/utf8.h"

#define PROG "psys-record"
#define BLOCK_NS NSEC			/* a capture's block spans at most this */
/* While no capture wants a CPU, its blocks span longer: their tables are
 * shared by more samples, so the ring holds fewer bytes per sample. */
#define RING_BLOCK_NS (4 * NSEC)
#define BLOCK_LEVEL 3			/* zstd level of blocks */
#define DRAIN_BUSY_NS (100 * 1000000LL)	/* capturing: drain this often */
#define DRAIN_IDLE_NS (250 * 1000000LL)	/* waiting: the rings have room */
#define RETAIN_DEFAULT_NS (20 * NSEC)	/* pre-trigger ring: -i up to 10 s */
#define PEAK_LEAD_NS (NSEC / 2)		/* the peak rule's capture starts this
					 * long before the burst (--pre) */

struct capture {
	struct psysfile_writer *w;
	char path[PATH_MAX];
	struct cpulist cpus;		/* hot CPUs captured */
	int64_t start_mono, start_wall;	/* the window starts here... */
	int64_t end_mono, limit_mono;	/* ...ends here, at the latest there */
	int64_t want_start_mono;	/* where the pre-window should start */
	int64_t next_sync;
	int dirty;			/* records written since the last sync */
	struct psys_trigger_rec *trig;	/* every trigger line, as taken */
	size_t ntrig, trig_cap;
	struct sampler_counts at_start;
	int err;
	/* -o -: the file, unlinked, read back and copied to standard output
	 * as records are completed; STREAMED bytes of it went out. */
	int tee_fd;
	uint64_t streamed;
};

int capture_is_file_name(const char *p)
{
	size_t n = strlen(p);

	return n > 5 && strcmp(p + n - 5, ".psys") == 0;
}

void recorder_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

/* The header of capture C, filled as a psys_header (psysfile/header.h). */
static json_t *build_header(const struct recorder *r, const struct capture *c)
{
	struct utsname u;
	char boot_id[64], cpus[4096], hot[4096], online[4096], when[64];
	struct cpulist on = { 0 };
	const struct ksym *ref[8], *etext;
	struct psys_ref_symbol refs[9];
	struct psys_header h = {
		.format = "psys", .version = PSYSFILE_VERSION_MAJOR,
		.tool = PROG " " PSYS_VERSION, .clock = "CLOCK_MONOTONIC",
		.freq_hz = r->freq, .duration_s = r->duration_ns / 1e9,
		.start_wall_ns = c->start_wall, .start_mono_ns = c->start_mono,
		.mode = r->triggered ? "triggered" : "now",
		.symbols = r->no_symbols ? "none" : "embedded",
		.user_stacks = r->user_stacks, .idle_stacks = r->idle_stacks,
		.stack_max = PSYS_MAX_FRAMES, .ref_symbols = refs,
	};
	size_t n = r->ksyms ? ksyms_pick_refs(r->ksyms, ref, 8) : 0;

	uname(&u);
	recorder_read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	cpulist_format(&r->cpus, cpus, sizeof(cpus));
	cpulist_format(&c->cpus, hot, sizeof(hot));
	online[0] = '\0';
	if (cpulist_online(NULL, &on) == 0)
		cpulist_format(&on, online, sizeof(online));
	cpulist_free(&on);
	ptime_iso(c->start_wall, when, sizeof(when));
	h.host = u.nodename;
	h.kernel_release = u.release;
	h.kernel_version = u.version;
	h.kernel_machine = u.machine;
	h.boot_id = boot_id;
	h.ncpus = sysconf(_SC_NPROCESSORS_CONF);
	h.cpus_online = online;
	/* cpus: what the file holds samples of; sampled: what was sampled. */
	h.cpus = hot;
	h.sampled_cpus = cpus;
	h.start_wall = when;
	h.has = (PSYS_BIT(PSYS_H_NFIELDS) - 1) & ~(PSYS_BIT(PSYS_H_HOT_CPUS) | PSYS_BIT(PSYS_H_TRIGGER) |
			  PSYS_BIT(PSYS_H_PEAK_WINDOW_S) | PSYS_BIT(PSYS_H_PEAK_THRESHOLD) |
			  PSYS_BIT(PSYS_H_PRE_S) | PSYS_BIT(PSYS_H_PRE_WANTED_S));
	if (r->triggered) {
		h.hot_cpus = hot;
		PSYS_SET(&h, PSYS_H_HOT_CPUS);
		if (c->ntrig) {
			h.trigger = c->trig[0];
			PSYS_SET(&h, PSYS_H_TRIGGER);
		}
		if (r->peak) {
			h.peak_window_s = r->peak_window_ns / 1e9;
			h.peak_threshold = r->peak_threshold;
			h.has |= PSYS_BIT(PSYS_H_PEAK_WINDOW_S) | PSYS_BIT(PSYS_H_PEAK_THRESHOLD);
		}
		h.pre_s = (c->end_mono - c->start_mono - r->duration_ns) / 1e9;
		PSYS_SET(&h, PSYS_H_PRE_S);
		/* The lead asked for, when sampling had not reached that far
		 * back (the recorder had just started). */
		if (c->want_start_mono < c->start_mono) {
			h.pre_wanted_s = (c->end_mono - c->want_start_mono - r->duration_ns) / 1e9;
			PSYS_SET(&h, PSYS_H_PRE_WANTED_S);
		}
	}
	for (size_t i = 0; i < n; i++)
		refs[h.nref_symbols++] = (struct psys_ref_symbol){ ref[i]->name, ref[i]->addr };
	/* The end of the core text too: a reader tells "past the end of
	 * text" from "unknown" with it. */
	if (r->ksyms && (etext = ksyms_find(r->ksyms, "_etext")))
		refs[h.nref_symbols++] = (struct psys_ref_symbol){ "_etext", etext->addr };
	return psys_header_to_json(&h);
}

/* -o -: the capture writer makes files by name in a directory, so the
 * capture is written into a folder of our own, made 0700 in $TMPDIR (or
 * /tmp), where nobody else can reach it; the file is unlinked and the
 * folder removed as soon as the capture starts (open_file), and what the
 * writer completes is copied from the unlinked file to standard output
 * (capture_stream). Prints its own error. */
static int open_private_dir(struct recorder *r)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (!tmp || *tmp != '/')
		tmp = "/tmp";
	snprintf(r->tmpdir, sizeof(r->tmpdir), "%s/psys-record.XXXXXX", tmp);
	if (!mkdtemp(r->tmpdir)) {
		fprintf(stderr, PROG ": cannot make a temporary folder in '%s' (for -o -): %s\n",
			tmp, strerror(errno));
		r->tmpdir[0] = '\0';
		return -errno;
	}
	r->dirfd = open(r->tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* Ours and private, not one put in its place meanwhile. */
	if (r->dirfd < 0 || fstat(r->dirfd, &st) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		int err = r->dirfd < 0 ? -errno : -EPERM;
		fprintf(stderr, PROG ": cannot use temporary folder '%s': %s\n", r->tmpdir,
			strerror(-err));
		if (r->dirfd >= 0)
			close(r->dirfd);
		r->dirfd = -1;
		return err;
	}
	return 0;
}

static void remove_private_dir(struct recorder *r)
{
	if (r->tmpdir[0] && rmdir(r->tmpdir) && errno != ENOENT)
		fprintf(stderr, PROG ": warning: cannot remove '%s': %s\n", r->tmpdir,
			strerror(errno));
	r->tmpdir[0] = '\0';
}

/* Opens (making it 0700 if missing) the output directory once, for every
 * capture and for retention: later renames of the path cannot redirect
 * us. Refused: a symlink as the directory itself, and a directory anyone
 * may write to without the sticky bit (anyone could then replace our
 * files). Prints its own error. */
int recorder_open_dir(struct recorder *r)
{
	const char *dir = r->output;
	char parent[PATH_MAX];
	struct stat st;

	if (r->to_stdout)
		return open_private_dir(r);
	if (capture_is_file_name(r->output)) {
		/* FILE.psys: its directory must pass the same checks. */
		snprintf(parent, sizeof(parent), "%s", r->output);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		else
			snprintf(parent, sizeof(parent), "%s", slash ? "/" : ".");
		dir = parent;
	} else if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, PROG ": cannot make directory '%s': %s\n", dir, strerror(errno));
		return -errno;
	}
	r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->dirfd < 0) {
		int err = -errno;
		fprintf(stderr, PROG ": cannot open directory '%s': %s\n", dir,
			err == -ELOOP || err == -ENOTDIR ? "not a directory (a symlink?)" :
			strerror(-err));
		return err;
	}
	if (fstat(r->dirfd, &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		fprintf(stderr, PROG ": refusing to write into '%s': anyone may write there "
			"and it has no sticky bit\n", dir);
		close(r->dirfd);
		r->dirfd = -1;
		return -EPERM;
	}
	return 0;
}

/* Creates the file for capture C: r->output is FILE.psys, or a directory
 * where the name is the local time of NAME_NS with _1, _2... when taken. */
static int open_file(struct recorder *r, struct capture *c, const json_t *header,
		     int64_t name_ns)
{
	char stamp[32], name[64];
	int err;
	const struct ksyms *ks = r->no_symbols ? NULL : r->ksyms;

	if (r->to_stdout) {
		static const char tmpname[] = "capture.psys";

		snprintf(c->path, sizeof(c->path), "standard output");
		if ((err = psysfile_create(r->dirfd, tmpname, header, ks, &c->w)))
			return err;
		/* A temporary file: a sync per record would only cost. */
		psysfile_set_sync(c->w, 0);
		c->tee_fd = openat(r->dirfd, tmpname, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		err = c->tee_fd < 0 ? -errno : 0;
		unlinkat(r->dirfd, tmpname, 0);
		remove_private_dir(r);
		return err;
	}
	if (capture_is_file_name(r->output)) {
		const char *base = strrchr(r->output, '/');
		snprintf(c->path, sizeof(c->path), "%s", r->output);
		return psysfile_create(r->dirfd, base ? base + 1 : r->output, header, ks, &c->w);
	}
	ptime_stamp(name_ns, stamp, sizeof(stamp));
	err = -EEXIST;
	for (int i = 0; i < 1000 && err == -EEXIST; i++) {
		if (i)
			snprintf(name, sizeof(name), "%s_%d.psys", stamp, i);
		else
			snprintf(name, sizeof(name), "%s.psys", stamp);
		err = psysfile_create(r->dirfd, name, header, ks, &c->w);
	}
	snprintf(c->path, sizeof(c->path), "%s%s%s", r->output,
		 r->output[strlen(r->output) - 1] == '/' ? "" : "/", name);
	return err;
}

/* Keeps trigger line REC (moved into C: REC is emptied) in C's list. */
static int capture_take_trigger(struct capture *c, struct psys_trigger_rec *rec)
{
	if (buf_grow((void **)&c->trig, &c->trig_cap, c->ntrig + 1, sizeof(*c->trig)))
		return -ENOMEM;
	c->trig[c->ntrig++] = *rec;
	memset(rec, 0, sizeof(*rec));
	return 0;
}

static void capture_free(struct capture *c)
{
	if (!c)
		return;
	if (c->tee_fd >= 0)
		close(c->tee_fd);
	psysfile_writer_free(c->w);
	cpulist_free(&c->cpus);
	for (size_t i = 0; i < c->ntrig; i++) {
		trigger_free(&c->trig[i].t);
		json_decref(c->trig[i].line);
	}
	free(c->trig);
	free(c);
}

/* ---- samples ---- */

/* Names the user frames of S into NAMES; returns how many. */
static uint32_t name_user_frames(struct recorder *r, const struct psys_sample *s,
				 const char **names)
{
	uint64_t h = hash_bytes(s->comm, strnlen(s->comm, PSYS_COMM_LEN), 0) >> 1;
	uint32_t seen = hmap_get(&r->comm_of, s->pid, NULL, NULL);

	/* A new comm for a pid means exec (or a recycled pid): its maps
	 * changed. 31 bits of the hash are kept: a miss only costs a reload. */
	if (seen != (uint32_t)(h & 0x7fffffff)) {
		if (seen != HMAP_NONE)
			usyms_forget(r->usyms, s->pid);
		hmap_set(&r->comm_of, s->pid, (uint32_t)(h & 0x7fffffff));
	}
	for (uint32_t i = 0; i < s->nuframes; i++) {
		names[i] = usyms_name(r->usyms, s->pid, s->frames[s->nframes + i], i > 0);
		if (!names[i])
			names[i] = "[unknown]";
	}
	return s->nuframes;
}

static int wanted(const struct capture *c, const struct psys_sample *s)
{
	return !c->err && (int64_t)s->time_ns >= c->start_mono &&
	       (int64_t)s->time_ns < c->end_mono && cpulist_has(&c->cpus, s->cpu);
}

/* Writes block B, or the part of it in C's window, to C's file when B is
 * of one of C's CPUs. */
static void capture_block(struct recorder *r, struct capture *c, const struct psysblock *b)
{
	struct psysblock *t;

	if (c->err || !cpulist_has(&c->cpus, b->cpu) ||
	    (int64_t)b->last_ns < c->start_mono || (int64_t)b->first_ns >= c->end_mono)
		return;
	if ((int64_t)b->first_ns >= c->start_mono && (int64_t)b->last_ns < c->end_mono) {
		c->err = psysfile_write_block(c->w, b);
	} else if (!(c->err = psysblock_trim(b, c->start_mono, c->end_mono, r->cctx, r->dctx,
					     BLOCK_LEVEL, &t)) && t) {
		c->err = psysfile_write_block(c->w, t);
		free(t);
	}
	c->dirty = 1;
}

/* Seals the block of builder BB: into the capture where it is wanted,
 * then into the ring, which keeps it. */
static void seal(struct recorder *r, struct psysblock_builder *bb)
{
	struct psysblock *b;
	int err = psysblock_seal(bb, r->cctx, BLOCK_LEVEL, &b);

	if (err) {
		if (r->cur && !r->cur->err)
			r->cur->err = err;
		psysblock_reset(bb);
		return;
	}
	if (!b)
		return;
	if (r->cur)
		capture_block(r, r->cur, b);
	if (r->ring)
		pring_push(r->ring, b);
	else
		free(b);
}

static struct psysblock_builder *builder_for(struct recorder *r, uint32_t cpu)
{
	if (cpu >= r->nbld) {
		size_t cap = r->nbld;

		if (buf_grow((void **)&r->bld, &cap, (size_t)cpu + 1, sizeof(*r->bld)))
			return NULL;
		memset(r->bld + r->nbld, 0, (cap - r->nbld) * sizeof(*r->bld));
		r->nbld = cap;
	}
	if (!r->bld[cpu] && (r->bld[cpu] = psysblock_builder_new(cpu)))
		psysblock_set_period(r->bld[cpu], NSEC / r->freq);
	return r->bld[cpu];
}

/* How long CPU's open block may span: a second when a capture takes it
 * (what SIGKILL may cost the file), longer otherwise. */
static int64_t block_span(const struct recorder *r, uint32_t cpu)
{
	return r->cur && cpulist_has(&r->cur->cpus, (int)cpu) ? BLOCK_NS : RING_BLOCK_NS;
}

/* Seals the blocks whose span is up by NOW (or all of CPUS' blocks when
 * CPUS is given, as a capture ends). */
static void seal_due(struct recorder *r, int64_t now, const struct cpulist *cpus)
{
	for (size_t i = 0; i < r->nbld; i++) {
		struct psysblock_builder *bb = r->bld[i];

		if (!bb || !psysblock_count(bb))
			continue;
		if (cpus ? cpulist_has(cpus, (int)i)
			 : (int64_t)psysblock_first_ns(bb) + block_span(r, (uint32_t)i) <= now)
			seal(r, bb);
	}
}

static int on_sample(void *ctx, const struct psys_sample *s)
{
	struct recorder *r = ctx;
	char comm[PSYS_COMM_LEN + 1];
	struct psysfile_sample fs;
	const char *unames[PSYS_MAX_FRAMES];
	struct psysblock_builder *bb;

	/* The peak rule sees every sample: sys time is kernel mode, not the
	 * idle task, nor this recorder (its start, its captures being
	 * written must not trigger more). What fires is taken after the
	 * drain (recorder_tick). */
	if (r->peak) {
		struct peak_fire f;
		int fired = peak_sample(r->peak, s->cpu, (int64_t)s->time_ns,
					s->pid != 0 && s->pid != r->self_pid &&
					!(s->flags & PSYS_SAMPLE_USER), &f);
		if (fired == 1 && (r->nfires < r->fires_cap ||
				   !buf_grow((void **)&r->fires, &r->fires_cap, r->nfires + 1,
					     sizeof(*r->fires))))
			r->fires[r->nfires++] = f;
	}
	/* Without a ring, only the capture's window is kept. */
	if (!r->ring && !(r->cur && wanted(r->cur, s)))
		return 0;
	if (!(bb = builder_for(r, s->cpu))) {
		if (r->cur && !r->cur->err)
			r->cur->err = -ENOMEM;
		return 0;
	}
	if (psysblock_count(bb) &&
	    (int64_t)(s->time_ns - psysblock_first_ns(bb)) >= block_span(r, s->cpu))
		seal(r, bb);
	memcpy(comm, s->comm, PSYS_COMM_LEN);
	comm[PSYS_COMM_LEN] = '\0';
	fs.time_ns = s->time_ns;
	fs.cpu = s->cpu;
	fs.pid = s->pid;
	fs.tid = s->tid;
	fs.flags = s->flags;
	fs.comm = comm;
	fs.nframes = s->nframes;
	fs.frames = (const uint64_t *)s->frames;
	fs.nuframes = r->usyms && s->nuframes ? name_user_frames(r, s, unames) : 0;
	fs.uframes = unames;
	int err = psysblock_add(bb, &fs);
	if (err == -E2BIG) {
		seal(r, bb);
		err = psysblock_add(bb, &fs);
	}
	if (err && r->cur && !r->cur->err)
		r->cur->err = err;
	return 0;
}

struct backfill {
	struct recorder *r;
	struct capture *c;
	int cpu;		/* -1: every CPU of the capture */
	uint64_t n;
};

static int backfill_one(void *ctx, const struct psysblock *b)
{
	struct backfill *f = ctx;

	if (f->cpu < 0 || (int)b->cpu == f->cpu) {
		capture_block(f->r, f->c, b);
		f->n += b->nsamples;
	}
	return f->c->err;
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

/* Deletes the oldest captures in the output directory (and the .svg made
 * from each) until at most max_files - RESERVE remain and they fit in
 * max_bytes. Only files named as psys-record names them are touched; the
 * newest is always kept. RESERVE 1 makes room for a capture about to
 * start, so that the folder never holds more than max_files. */
static void enforce_retention(struct recorder *r, unsigned long reserve)
{
	int fd = dup(r->dirfd);
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
		if (n == cap) {
			struct kept *p = realloc(k, (cap = cap ? cap * 2 : 64) * sizeof(*p));
			if (!p)
				break;
			k = p;
		}
		snprintf(k[n].name, sizeof(k[n].name), "%s", e->d_name);
		k[n].size = st.st_size;
		k[n].mtime = st.st_mtim;
		total += st.st_size;
		n++;
	}
	if (n)	/* qsort wants a non-NULL array even for none */
		qsort(k, n, sizeof(*k), cmp_kept);
	unsigned long keep = r->max_files > reserve ? r->max_files - reserve : 1;
	for (size_t i = 0; i + 1 < n && (n - i > keep || total > r->max_bytes); i++) {
		char svg[270];

		if (unlinkat(dirfd(d), k[i].name, 0) == 0) {
			total -= k[i].size;
			snprintf(svg, sizeof(svg), "%.*s.svg", (int)(strlen(k[i].name) - 5), k[i].name);
			unlinkat(dirfd(d), svg, 0);
			if (r->verbose)
				fprintf(stderr, PROG ": retention: deleted %s/%s\n", r->output, k[i].name);
		} else {
			fprintf(stderr, PROG ": cannot delete '%s/%s': %s\n", r->output,
				k[i].name, strerror(errno));
		}
	}
	free(k);
	closedir(d);
}

/* ---- -o -: standard output ---- */

/* Copies what the writer has completed since the last call from the
 * unlinked file to standard output, and gives the disk space of what went
 * out back (the file keeps its size, holes where the data was). Returns 0
 * or a negative errno; -EPIPE when the reader has gone. */
static int capture_stream(struct capture *c)
{
	uint64_t done = psysfile_bytes(c->w);
	char buf[65536];

	while (c->streamed < done) {
		size_t want = done - c->streamed < sizeof(buf) ? done - c->streamed : sizeof(buf);
		ssize_t n = pread(c->tee_fd, buf, want, (off_t)c->streamed);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (ssize_t off = 0; off < n;) {
			ssize_t k = write(STDOUT_FILENO, buf + off, n - off);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -errno;
			off += k;
		}
		c->streamed += n;
	}
	/* Whole 64 KiB blocks only; a file system without holes keeps them. */
	off_t punch = (off_t)(c->streamed & ~(uint64_t)0xffff);
	if (punch > 0)
		fallocate(c->tee_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, punch);
	return 0;
}

/* Streams C if it goes to standard output; a failure ends the capture:
 * a reader that left (EPIPE) quietly, anything else as a write error. */
static void capture_stream_or_stop(struct recorder *r, struct capture *c)
{
	int err;

	if (c->tee_fd < 0 || c->err || r->pipe_gone)
		return;
	if (!(err = capture_stream(c)))
		return;
	if (err == -EPIPE)
		r->pipe_gone = 1;
	c->err = err;
}

int recorder_pipe_gone(const struct recorder *r)
{
	return r->pipe_gone;
}

/* ---- capture lifecycle ---- */

static void drain(struct recorder *r)
{
	if (sampler_drain(r->sampler) < 0 && r->cur && !r->cur->err)
		r->cur->err = -EBADMSG;
}

/* Starts a capture of CPUS over [START, END); TRIG is the trigger line
 * (NULL in standalone mode), moved into the capture; NAME_NS names the
 * file. */
static int capture_start(struct recorder *r, const struct cpulist *cpus, int64_t want_start,
			 int64_t end, struct psys_trigger_rec *trig, int64_t name_ns)
{
	struct capture *c = calloc(1, sizeof(*c));
	json_t *header = NULL;
	int64_t now = ptime_now(CLOCK_MONOTONIC);
	int err = -ENOMEM;

	if (!c)
		goto fail;
	c->tee_fd = -1;
	for (int i = 0; i < cpus->n; i++)
		if (cpulist_add(&c->cpus, cpus->cpus[i]))
			goto fail;
	if (trig && capture_take_trigger(c, trig))
		goto fail;
	if (r->usyms)
		usyms_mappings_begin(r->usyms);
	c->want_start_mono = want_start;
	/* Never twice the same samples: a new capture starts where the
	 * previous one ended at the earliest. And never before what was
	 * sampled: not before the sampler started, nor before what the ring
	 * still holds whole. The header then claims only what the file can
	 * hold. */
	int64_t floor = r->last_end_mono > r->sampling_since ? r->last_end_mono
							    : r->sampling_since;
	if (r->ring) {
		struct pring_stats ps;
		pring_stats(r->ring, &ps);
		if ((int64_t)ps.complete_since > floor)
			floor = (int64_t)ps.complete_since;
	}
	c->start_mono = want_start > floor ? want_start : floor;
	c->start_wall = ptime_now(CLOCK_REALTIME) - (now - c->start_mono);
	c->end_mono = end;
	c->limit_mono = c->start_mono + (r->triggered ? r->max_ns : end - c->start_mono);
	if (c->end_mono > c->limit_mono)
		c->end_mono = c->limit_mono;
	c->next_sync = now + NSEC;
	header = build_header(r, c);
	if (!header)
		goto fail;
	if (r->triggered && !capture_is_file_name(r->output))
		enforce_retention(r, 1);
	if ((err = open_file(r, c, header, name_ns ? name_ns : c->start_wall))) {
		fprintf(stderr, PROG ": cannot create '%s': %s\n", c->path, strerror(-err));
		goto fail;
	}
	capture_stream_or_stop(r, c);
	sampler_counts(r->sampler, NULL, &c->at_start);
	r->cur = c;
	if (r->ring) {
		struct backfill b = { r, c, -1, 0 };
		pring_each(r->ring, c->start_mono, backfill_one, &b);
		if (r->verbose) {
			char hot[4096];
			cpulist_format(&c->cpus, hot, sizeof(hot));
			fprintf(stderr, PROG ": capture %s: cpu %s, %llu samples from before the "
				"trigger\n", c->path, hot, (unsigned long long)b.n);
		}
	}
	json_decref(header);
	return 0;
fail:
	json_decref(header);
	capture_free(c);
	r->failures++;
	return err;
}

/* The files whose symbols named this capture's user frames, one entry
 * per process and file, with the build-id that tells which build it was;
 * the caller frees the array. */
static struct psys_user_mapping *user_mappings(const struct usyms *u, size_t *n)
{
	struct psys_user_mapping *a = NULL;
	const struct usyms_mapping *m;
	size_t it = 0, cap = 0;

	*n = 0;
	while ((m = usyms_mapping_next(u, &it))) {
		if (buf_grow((void **)&a, &cap, *n + 1, sizeof(*a)))
			break;
		a[(*n)++] = (struct psys_user_mapping){ m->pid, m->start, m->end, m->file,
							m->build_id, m->symbols };
	}
	return a;
}

static void capture_end(struct recorder *r, const char *reason)
{
	struct capture *c = r->cur;
	struct sampler_counts now;
	json_t *trailer;
	char when[64], cpus[4096];
	int64_t end_mono = ptime_now(CLOCK_MONOTONIC), end_wall = ptime_now(CLOCK_REALTIME);

	if (end_mono > c->end_mono) {
		end_wall -= end_mono - c->end_mono;
		end_mono = c->end_mono;
	}
	sampler_counts(r->sampler, NULL, &now);
	ptime_iso(end_wall, when, sizeof(when));
	cpulist_format(&c->cpus, cpus, sizeof(cpus));
	/* Write what is queued before counting; if that fails (disk full),
	 * drop it so the trailer, which says so, may still fit. */
	uint64_t dropped = 0;
	if (!c->err)
		c->err = psysfile_flush(c->w);
	if (c->err)
		dropped = psysfile_discard(c->w);
	uint64_t written = psysfile_samples(c->w);
	/* How much of the window asked for the pre-trigger ring no longer
	 * had (it started recently, or memory ran short). */
	struct pring_stats ps = { 0 };
	if (r->ring)
		pring_stats(r->ring, &ps);
	struct psys_trailer t = {
		.end_wall = when, .end_wall_ns = end_wall, .end_mono_ns = end_mono,
		.samples = written,
		/* Counted on every sampled CPU while the capture ran. */
		.lost = now.lost - c->at_start.lost,
		.stack_errors = now.stack_err - c->at_start.stack_err,
		.bpf_misses = now.bpf_misses - c->at_start.bpf_misses,
		.stacks = psysfile_stacks(c->w), .symbols = psysfile_symbols(c->w),
		.hot_cpus = cpus, .end_reason = c->err ? "write error" : reason,
		.triggers = c->trig, .ntriggers = c->ntrig,
		.pre_ring_evicted_full = ps.evicted_full, .dropped = dropped,
	};
	struct psys_user_mapping *maps = NULL;
	/* Every capture's fields, END_WALL to TRIGGERS; then the others. */
	t.has = PSYS_BIT(PSYS_T_PRE_RING_EVICTED_FULL) - 1;
	if (r->ring)
		PSYS_SET(&t, PSYS_T_PRE_RING_EVICTED_FULL);
	if (r->usyms) {
		t.user_mappings = maps = user_mappings(r->usyms, &t.nuser_mappings);
		PSYS_SET(&t, PSYS_T_USER_MAPPINGS);
	}
	if (c->err) {
		t.write_error = strerror(-c->err);
		t.has |= PSYS_BIT(PSYS_T_WRITE_ERROR) | PSYS_BIT(PSYS_T_DROPPED);
	}
	trailer = psys_trailer_to_json(&t);
	free(maps);
	if (!r->pipe_gone && !c->err) {
		c->err = psysfile_finish(c->w, trailer);
		capture_stream_or_stop(r, c);
		if (c->err && !r->pipe_gone) {
			fprintf(stderr, PROG ": cannot finish '%s': %s\n", c->path,
				strerror(-c->err));
			r->failures++;
		}
	} else if (!r->pipe_gone) {
		fprintf(stderr, PROG ": cannot write '%s': %s; the file holds what was "
			"written before the error\n", c->path, strerror(-c->err));
		psysfile_finish(c->w, trailer);	/* it may still fit */
		if (c->tee_fd >= 0)
			capture_stream(c);
		r->failures++;
	}
	if (r->pipe_gone || c->err) {
		/* Said above; or nobody reads the capture any more: nothing
		 * to finish, nothing to say. */
	} else {
		uint64_t bytes = psysfile_bytes(c->w);
		fprintf(stderr, PROG ": %s: %llu samples (%llu lost, %llu stack errors) on cpu %s "
			"over %.3f s, %llu bytes (%.2f B/sample)\n", c->path,
			(unsigned long long)written,
			(unsigned long long)(now.lost - c->at_start.lost),
			(unsigned long long)(now.stack_err - c->at_start.stack_err), cpus,
			(end_mono - c->start_mono) / 1e9, (unsigned long long)bytes,
			written ? (double)bytes / written : 0.0);
		if (r->to_stdout) {
			/* The capture itself went to stdout: no path to print. */
		} else if (printf("%s\n", c->path) < 0 || fflush(stdout)) {
			/* The reader of the paths has gone (| head): the file is
			 * finished, and we end quietly, as a filter does. */
			if (errno == EPIPE)
				r->pipe_gone = 1;
			else if (!r->stdout_broken)
				fprintf(stderr, PROG ": cannot write the path to stdout: %s; "
					"recording goes on\n", strerror(errno));
			r->stdout_broken = 1;
			clearerr(stdout);
		}
		r->captures++;
	}
	json_decref(trailer);
	r->last_end_mono = end_mono;
	r->cur = NULL;
	capture_free(c);
	if (r->triggered && !capture_is_file_name(r->output))
		enforce_retention(r, 0);
}

/* ---- the recorder ---- */

int recorder_open(struct recorder *r, int triggered)
{
	struct sampler_opts so = {
		.cpus = &r->cpus, .freq = r->freq, .ring_bytes = r->ring_bytes,
		.verbose = r->verbose, .user_stacks = r->user_stacks,
		.idle_stacks = r->idle_stacks,
	};
	char err[256];
	int ret;

	r->triggered = triggered;
	if (r->user_stacks && (!(r->usyms = usyms_new()) ||
			       usyms_set_debug_dirs(r->usyms, r->debug_dirs))) {
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	r->cctx = ZSTD_createCCtx();
	r->dctx = ZSTD_createDCtx();
	if (!r->cctx || !r->dctx) {
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	/* Debug files come from the local folders only: no download from a
	 * debuginfod server in the middle of a capture, whatever the
	 * environment of the shell that started us says. */
	unsetenv("DEBUGINFOD_URLS");
	if (triggered) {
		/* It holds the time it must cover, as sealed blocks: what the
		 * samples take, at most --pre-memory. */
		r->retain_ns = r->pre_ns >= 0 ? r->pre_ns + NSEC : RETAIN_DEFAULT_NS;
		r->self_pid = (uint32_t)getpid();
		if (r->peak_window_ns > 0) {
			struct peak_opts po = { r->peak_window_ns, r->peak_threshold, r->freq };
			if (!(r->peak = peak_new(&po))) {
				fprintf(stderr, PROG ": cannot set up the peak rule: %s\n",
					strerror(errno));
				return -ENOMEM;
			}
		}
		r->ring = pring_new(r->pre_memory);
		if (!r->ring) {
			fprintf(stderr, PROG ": cannot make the pre-trigger ring: %s\n",
				strerror(errno));
			return -ENOMEM;
		}
		if (r->verbose) {
			char cpus[4096];
			cpulist_format(&r->cpus, cpus, sizeof(cpus));
			fprintf(stderr, PROG ": waiting for triggers; sampling cpu %s at %u Hz; "
				"pre-trigger ring for %.1f s, at most %.1f MiB\n", cpus, r->freq,
				r->retain_ns / 1e9, r->pre_memory / 1048576.0);
			if (r->peak)
				fprintf(stderr, PROG ": peak rule: %g%% sys over %g s on a CPU "
					"triggers\n", r->peak_threshold, r->peak_window_ns / 1e9);
		}
	}
	if ((ret = sampler_open(&so, on_sample, r, &r->sampler, err, sizeof(err)))) {
		fprintf(stderr, PROG ": %s\n", err);
		return ret;
	}
	r->sampling_since = ptime_now(CLOCK_MONOTONIC);
	/* From here on the program runs with only what it still needs: the
	 * BPF program is attached, kallsyms read, the directory open. */
	uint64_t keep = 0;
	struct stat st;
	/* Files are made in the output directory: no override needed if we
	 * own it and may write to it, as when we made it. */
	if (fstat(r->dirfd, &st) || st.st_uid != geteuid() || !(st.st_mode & S_IWUSR))
		keep |= PRIVS_CAP(CAP_DAC_OVERRIDE);
	/* --user-stacks reads other users' /proc/PID/maps, their files
	 * through /proc/PID/root and the vDSO (or a deleted file) from
	 * their memory: ptrace access; and the binaries they map. */
	if (r->user_stacks)
		keep |= PRIVS_CAP(CAP_SYS_PTRACE) | PRIVS_CAP(CAP_DAC_READ_SEARCH);
	if ((ret = privs_drop(keep)))
		fprintf(stderr, PROG ": warning: cannot drop capabilities: %s\n", strerror(-ret));
	else if (r->verbose)
		fprintf(stderr, PROG ": capabilities now %#llx\n",
			(unsigned long long)privs_effective());
	r->next_drain = ptime_now(CLOCK_MONOTONIC);
	return 0;
}

int recorder_start_now(struct recorder *r)
{
	int64_t now = ptime_now(CLOCK_MONOTONIC);

	return capture_start(r, &r->cpus, now, now + r->duration_ns, NULL, 0);
}

void recorder_bad_line(struct recorder *r, const char *why)
{
	if (r->bad_lines++ == 0 || r->verbose)
		fprintf(stderr, PROG ": skipping an input line that is not a trigger (%s)%s\n",
			why, r->verbose ? "" : "; further ones are skipped silently");
}

void recorder_line(struct recorder *r, const char *line, size_t len)
{
	struct psys_trigger_rec rec = { 0 };
	struct trigger *t = &rec.t;
	struct cpulist hot = { 0 };
	char why[160];
	int64_t now = ptime_now(CLOCK_MONOTONIC);

	if (len == 0)
		return;
	if (trigger_parse(line, len, t, why, sizeof(why))) {
		recorder_bad_line(r, why);
		return;
	}
	/* Kept as sent; and when it reached us: its latency after the poll
	 * that found the heat (mono_ns) is part of the record. */
	rec.line = json_loadb(line, len, 0, NULL);
	rec.received_mono_ns = now;
	for (int i = 0; i < t->nhot; i++)
		if (cpulist_has(&r->cpus, t->hot[i].cpu))
			cpulist_add(&hot, t->hot[i].cpu);
	if (hot.n == 0) {
		/* Said once even without -v: a pipeline whose -C lists differ
		 * would otherwise wait in silence. */
		if (r->ignored_triggers++ == 0 || r->verbose)
			fprintf(stderr, PROG ": ignoring a trigger for CPUs not sampled here "
				"(see -C)%s\n", r->verbose ? "" : "; further ones silently");
		goto out;
	}
	/* The trigger's own clock reading anchors the window; a line from the
	 * future, or one older than the ring reaches, is anchored now. */
	int64_t anchor = t->mono_ns;
	if (anchor > now || anchor < now - r->retain_ns)
		anchor = now;
	int64_t pre = r->pre_ns >= 0 ? r->pre_ns : (int64_t)(2 * t->interval * 1e9);
	/* The kernel counts CPU time in 10 ms ticks: reach one tick further. */
	if (pre > 0)
		pre += 10 * 1000000LL;
	int64_t want_start = anchor - pre;
	/* The peak rule names where the burst began (its first sys sample):
	 * the lead is counted from there. */
	if (trigger_is_peak(t) && anchor == t->mono_ns)
		want_start = t->mono_start_ns - (r->pre_ns >= 0 ? r->pre_ns : PEAK_LEAD_NS);
	int64_t end = anchor + r->duration_ns;

	/* Samples taken so far must be in the ring before it is read. */
	drain(r);
	struct capture *c = r->cur;
	if (c) {
		if (end > c->end_mono)
			c->end_mono = end < c->limit_mono ? end : c->limit_mono;
		for (int i = 0; i < hot.n; i++) {
			if (cpulist_has(&c->cpus, hot.cpus[i]))
				continue;
			cpulist_add(&c->cpus, hot.cpus[i]);
			struct backfill b = { r, c, hot.cpus[i], 0 };
			if (r->ring)
				pring_each(r->ring, c->start_mono, backfill_one, &b);
		}
		capture_take_trigger(c, &rec);
		if (r->verbose)
			fprintf(stderr, PROG ": trigger extends %s to +%.3f s\n", c->path,
				(c->end_mono - c->start_mono) / 1e9);
	} else {
		capture_start(r, &hot, want_start, end, &rec, t->wall_ns);
	}
out:
	json_decref(rec.line);
	cpulist_free(&hot);
	trigger_free(t);
}

/* Hands what the peak rule fired on to recorder_line, as trigger lines:
 * the same path, the same record in the capture. */
static void take_fires(struct recorder *r)
{
	/* recorder_line drains: more may fire meanwhile, and are taken too. */
	for (size_t i = 0; i < r->nfires; i++) {
		const struct peak_fire fire = r->fires[i], *f = &fire;
		struct trigger t = { 0 };
		char *line = NULL;
		int64_t now = ptime_now(CLOCK_MONOTONIC);

		t.wall_ns = ptime_now(CLOCK_REALTIME) - (now - f->end_ns);
		t.mono_ns = f->end_ns;
		/* The burst's first sys sample; a window of one sample
		 * still spans something. */
		t.mono_start_ns = f->start_ns < f->end_ns ? f->start_ns : f->end_ns - 1;
		t.gate = r->peak_threshold;
		snprintf(t.rule, sizeof(t.rule), TRIGGER_RULE_PEAK);
		t.window = r->peak_window_ns / 1e9;
		r->peak_fires++;
		if (r->verbose)
			fprintf(stderr, PROG ": peak rule: cpu %u at %.1f%% sys (%u of %u samples) "
				"over %g s\n", f->cpu, f->share, f->sys, f->n, t.window);
		if (!trigger_add_cpu(&t, (int)f->cpu, f->share) && !trigger_format(&t, &line))
			recorder_line(r, line, strlen(line));
		free(line);
		trigger_free(&t);
	}
	r->nfires = 0;
}

void recorder_tick(struct recorder *r, int64_t now, int stopping)
{
	if (now >= r->next_drain || stopping || (r->cur && now >= r->cur->end_mono)) {
		drain(r);
		r->next_drain = now + (r->cur ? DRAIN_BUSY_NS : DRAIN_IDLE_NS);
		/* A block spans at most about a second: what a capture loses
		 * to SIGKILL or a power cut. */
		seal_due(r, now, NULL);
		if (r->ring)
			pring_expire(r->ring, now > r->retain_ns ? now - r->retain_ns : 0);
	}
	if (r->nfires && !stopping)
		take_fires(r);
	struct capture *c = r->cur;
	if (!c)
		return;
	if (stopping && now < c->end_mono)
		c->end_mono = now;
	if (now >= c->end_mono || c->err) {
		/* Everything up to the end must be in before the trailer. */
		sampler_drain(r->sampler);
		seal_due(r, now, &c->cpus);
		capture_end(r, stopping == SIGINT ? "SIGINT" : stopping == SIGTERM ? "SIGTERM" :
			       c->end_mono >= c->limit_mono && r->triggered ? "max-seconds" : "duration");
		return;
	}
	if (now >= c->next_sync) {
		if (c->dirty)
			c->err = psysfile_sync_now(c->w);
		c->dirty = 0;
		c->next_sync = now + NSEC;
	}
	/* Records the writer completed by itself count too. */
	capture_stream_or_stop(r, c);
}

int64_t recorder_next_wake(const struct recorder *r, int64_t now)
{
	int64_t t = r->next_drain;

	if (r->cur) {
		if (r->cur->next_sync < t)
			t = r->cur->next_sync;
		if (r->cur->end_mono < t)
			t = r->cur->end_mono;
	}
	return t > now ? t : now;
}

int recorder_capturing(const struct recorder *r)
{
	return r->cur != NULL;
}

void recorder_finish(struct recorder *r, int stopping)
{
	if (r->cur)
		recorder_tick(r, ptime_now(CLOCK_MONOTONIC), stopping ? stopping : SIGTERM);
}

int recorder_failed(const struct recorder *r)
{
	return r->failures != 0;
}

/* What the pre-trigger ring holds now, for -v and the benchmark. */
static void ring_report(const struct recorder *r)
{
	struct pring_stats ps;
	size_t building = 0;
	uint64_t open = 0;

	pring_stats(r->ring, &ps);
	for (size_t i = 0; i < r->nbld; i++)
		if (r->bld[i]) {
			building += psysblock_builder_bytes(r->bld[i]);
			open += psysblock_count(r->bld[i]);
		}
	fprintf(stderr, PROG ": pre-trigger ring: %llu samples in %zu bytes (%.2f B/sample), "
		"%llu blocks; %llu samples being built in %zu bytes\n",
		(unsigned long long)ps.samples, ps.bytes,
		ps.samples ? (double)ps.bytes / ps.samples : 0.0, (unsigned long long)ps.blocks,
		(unsigned long long)open, building);
}

void recorder_close(struct recorder *r)
{
	if (r->ring && r->verbose)
		ring_report(r);
	if (r->cur)
		capture_free(r->cur);
	r->cur = NULL;
	sampler_close(r->sampler);
	r->sampler = NULL;
	pring_free(r->ring);
	r->ring = NULL;
	peak_free(r->peak);
	r->peak = NULL;
	free(r->fires);
	r->fires = NULL;
	r->nfires = r->fires_cap = 0;
	for (size_t i = 0; i < r->nbld; i++)
		psysblock_builder_free(r->bld[i]);
	free(r->bld);
	r->bld = NULL;
	r->nbld = 0;
	ZSTD_freeCCtx(r->cctx);
	ZSTD_freeDCtx(r->dctx);
	r->cctx = r->dctx = NULL;
	usyms_free(r->usyms);
	r->usyms = NULL;
	if (r->dirfd >= 0)
		close(r->dirfd);
	r->dirfd = -1;
	remove_private_dir(r);
	hmap_free(&r->comm_of);
}
