/* The damage oracle, shared by tests/unit/test_damage.c and the
 * fuzz_damage harness: a synthetic capture whose threads and stacks change
 * over time, folded clean and folded damaged (per CPU, per pid, in two
 * time windows), and the property that must hold whatever the damage: no
 * process and no stack gains samples. A damaged fold's line must be a
 * clean line with at most its count; frames may read [unknown] only when
 * a symbols record was damaged, and then only where the clean line had a
 * name; likewise a cgroup may read "cgroup id N" only when a cgroups
 * record was damaged, and only where the clean line named cgroup N.
 * Threads move between cgroups mid-capture, so a sample folded under a
 * cgroup it was not in would show. Header-only: each user includes it
 * once. */
#ifndef PSYS_DAMAGE_ORACLE_H
#define PSYS_DAMAGE_ORACLE_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fold/fold.h"
#include "psysfile/psysfile.h"
#include "../tests/unit/rng.h"

#define DMG_FUNCS 40
#define DMG_T0 5000000000ull
#define DMG_SECONDS 6
#define DMG_PERIOD 8000000ull	/* 125 Hz */

static uint64_t dmg_rng = 0x2545f4914f6cdd1dull;
static uint64_t dmg_rand(void)
{
	return xorshift64(&dmg_rng);
}

static uint64_t dmg_addr(int func, int off)
{
	return 0xffffffff81000000ull + (uint64_t)func * 0x1000 + 0x10 + (uint64_t)off;
}

/* Kernel symbols for every function the synthetic stacks use. */
static struct ksyms *dmg_ksyms(void)
{
	struct ksyms *ks = ksyms_new();
	char name[32];

	for (int f = 0; f < DMG_FUNCS; f++) {
		snprintf(name, sizeof(name), "kfunc_%02d", f);
		ksyms_add(ks, dmg_addr(f, -0x10), dmg_addr(f + 1, -0x10), name, strlen(name),
			  f >= 35 ? "somemod" : NULL, f >= 35 ? 7 : 0, 't');
	}
	ksyms_finish(ks);
	return ks;
}

/* Stack K (of 20): 3 to 12 frames; stacks 0-9 are the first phase's and
 * use functions 0-19, stacks 10-19 the second's and functions 20-39, so
 * the second phase needs symbols and stacks defined mid-file. */
static uint32_t dmg_stack(int k, uint64_t *frames)
{
	uint32_t n = 3 + (uint32_t)(k * 7 % 10);
	int base = k < 10 ? 0 : 20;

	for (uint32_t i = 0; i < n; i++)
		frames[i] = dmg_addr(base + (k * 3 + (int)i * 5) % 20, (int)(i * 13 + k) % 200);
	return n;
}

/* Cgroup ids of the synthetic threads, in v2 and v1, and their paths. */
#define DMG_CG(k) ((k) == 4 ? 1u : 7000u + (k))	/* 4: the root, id 1 */
static const char *dmg_cgpath(uint64_t id)
{
	static const char *const p[] = {
		"/system.slice/alpha.service", "/docker/beta", "/kubepods/gamma",
		"/system.slice/alpha-moved.service",
	};
	return id == 1 ? "/" : id >= 7000 && id < 7004 ? p[id - 7000] : NULL;
}

static const char *dmg_cgname(void *ctx, int hier, uint64_t id)
{
	(void)ctx;
	(void)hier;
	return dmg_cgpath(id);
}

/* Writes the synthetic capture to a temporary file and reads it into
 * *OUT (malloc'd). Returns 0 or a negative errno. */
static int dmg_make_capture(unsigned char **out, size_t *len)
{
	char dir[] = "/tmp/psys-dmg-XXXXXX", path[64];
	struct ksyms *ks = dmg_ksyms();
	json_t *hdr = json_pack("{s:s, s:i}", "host", "oracle", "freq_hz", 250);
	json_t *trl = json_pack("{s:i}", "samples", 0);
	struct psysfile_writer *w = NULL;
	static const char *unames[] = { "main", "run_loop", "do_read", "[libc.so.6]" };
	uint64_t frames[16];
	int err;

	if (!mkdtemp(dir))
		return -errno;
	snprintf(path, sizeof(path), "%s/c.psys", dir);
	if ((err = psysfile_create(AT_FDCWD, path, hdr, ks, &w)))
		goto out;
	psysfile_set_sync(w, 0);
	psysfile_set_period(w, DMG_PERIOD);
	struct psysfile_cgroup_names cgn = { NULL, dmg_cgname };
	psysfile_set_cgroup_names(w, &cgn);
	for (uint64_t t = 0; t < DMG_SECONDS * 1000000000ull; t += DMG_PERIOD) {
		for (uint32_t cpu = 0; cpu < 4; cpu++) {
			struct psysfile_sample s = { 0 };
			double sec = t / 1e9;
			int k;

			s.time_ns = DMG_T0 + t + cpu * 1000 + dmg_rand() % 3000;
			s.cpu = cpu;
			if (cpu == 3 && sec < 4) {
				s.pid = 0;	/* idle */
				s.comm = "swapper/3";
				s.flags = PSYSFILE_IDLE_NOSTACK;
			} else if (sec < 2 || (cpu == 0 && sec < 4)) {
				s.pid = s.tid = 100;
				s.comm = sec < 3 ? "alpha" : "alpha-renamed";
				/* alpha moves to another cgroup at 1.5 s. */
				s.cgroup_id = DMG_CG(sec < 1.5 ? 0 : 3);
				s.cgroup1_id = DMG_CG(4);
				k = (int)(dmg_rand() % 10);
				s.nframes = dmg_stack(k, frames);
			} else if (sec < 4) {
				s.pid = 200;
				s.tid = 200 + cpu;
				s.comm = "beta";
				/* beta: in the root of v2, a container in v1. */
				s.cgroup_id = DMG_CG(4);
				s.cgroup1_id = DMG_CG(1);
				k = 10 + (int)(dmg_rand() % 10);
				s.nframes = dmg_stack(k, frames);
				if (dmg_rand() % 50 == 0) {
					s.nframes = 0;
					s.flags = PSYSFILE_STACK_ERR;
				}
			} else {
				s.pid = s.tid = 300 + cpu % 2;
				s.comm = "gamma";
				/* One of gamma's threads in a cgroup never named. */
				s.cgroup_id = cpu % 2 ? DMG_CG(2) : 99999;
				k = (int)(dmg_rand() % 20);
				s.flags = dmg_rand() % 3 == 0 ? PSYSFILE_USER : 0;
				s.nframes = s.flags ? 0 : dmg_stack(k, frames);
				s.nuframes = 1 + k % 4;
				s.uframes = unames;
			}
			s.frames = frames;
			if ((err = psysfile_add(w, &s)))
				goto out;
		}
		/* Records of half a second, as if flushed by the recorder. */
		if ((t + DMG_PERIOD) % 500000000ull < DMG_PERIOD && (err = psysfile_flush(w)))
			goto out;
	}
	if ((err = psysfile_finish(w, trl)))
		goto out;
	FILE *f = fopen(path, "rb");
	if (!f) {
		err = -errno;
		goto out;
	}
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	*out = malloc(*len);
	if (!*out || fread(*out, 1, *len, f) != *len)
		err = -EIO;
	fclose(f);
out:
	psysfile_writer_free(w);
	unlink(path);
	rmdir(dir);
	ksyms_free(ks);
	json_decref(hdr);
	json_decref(trl);
	return err;
}

/* A fold: "window|stack" lines with counts, sorted. */
struct dmg_fold {
	char **line;
	uint64_t *count;
	size_t n;
};

static void dmg_fold_free(struct dmg_fold *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->line[i]);
	free(d->line);
	free(d->count);
	memset(d, 0, sizeof(*d));
}

static int dmg_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Folds IMG (per CPU, per pid, user and idle samples kept) in two
 * windows, the capture's halves. Returns 0, or -1 if the image does not
 * open (which the oracle accepts: nothing is attributed). */
static int dmg_fold(const unsigned char *img, size_t len, struct dmg_fold *d)
{
	const uint64_t mid = DMG_T0 + DMG_SECONDS * 500000000ull;
	size_t cap = 0;

	memset(d, 0, sizeof(*d));
	for (int w = 0; w < 2; w++) {
		struct fold_opts o = { .idle = 1, .user = 1, .per_cpu = 1, .per_pid = 1,
				       .per_cgroup = 1 };
		struct fold_input in = { .from_ns = w ? mid : 0, .to_ns = w ? UINT64_MAX : mid };
		struct psysfile_reader *r;
		struct fold *f = fold_new(&o);

		if (psysfile_open_mem(img, len, &r)) {
			fold_free(f);
			return -1;
		}
		if (fold_add(f, r, &in) || fold_sort(f))
			abort();
		for (size_t i = 0; i < fold_nlines(f); i++) {
			uint64_t c;
			const char *l = fold_line(f, i, &c);
			if (d->n == cap) {
				cap = cap ? cap * 2 : 256;
				d->line = realloc(d->line, cap * sizeof(*d->line));
				d->count = realloc(d->count, cap * sizeof(*d->count));
			}
			if (asprintf(&d->line[d->n], "%d|%s", w, l) < 0)
				abort();
			d->count[d->n++] = c;
		}
		fold_free(f);
		psysfile_reader_free(r);
	}
	/* Sort lines and counts together. */
	for (size_t i = 0; i < d->n; i++) {
		char *l;
		if (asprintf(&l, "%s\t%llu", d->line[i], (unsigned long long)d->count[i]) < 0)
			abort();
		free(d->line[i]);
		d->line[i] = l;
	}
	if (d->n)
		qsort(d->line, d->n, sizeof(*d->line), dmg_cmp);
	for (size_t i = 0; i < d->n; i++) {
		char *tab = strrchr(d->line[i], '\t');
		d->count[i] = strtoull(tab + 1, NULL, 10);
		*tab = '\0';
	}
	return 0;
}

/* Whether frame L (LN bytes) is "cgroup id N" where frame C (CN bytes)
 * is "cgroup PATH" and N's path is PATH. */
static int dmg_unnamed_cgroup(const char *l, size_t ln, const char *c, size_t cn)
{
	char buf[64], want[128];
	const char *path;

	/* The first frame carries the window: "W|cgroup ...". */
	if (ln > 2 && cn > 2 && l[1] == '|' && c[1] == '|') {
		if (l[0] != c[0])
			return 0;
		l += 2, ln -= 2, c += 2, cn -= 2;
	}
	if (ln < 11 || ln >= sizeof(buf) || memcmp(l, "cgroup id ", 10) != 0)
		return 0;
	memcpy(buf, l + 10, ln - 10);
	buf[ln - 10] = '\0';
	if (!(path = dmg_cgpath(strtoull(buf, NULL, 10))))
		return 0;
	snprintf(want, sizeof(want), "cgroup %s", path);
	return cn == strlen(want) && memcmp(c, want, cn) == 0;
}

/* What damage may excuse in a damaged line (dmg_check's ALLOW). */
#define DMG_UNKNOWN 1	/* [unknown] frames: a symbols record was hit */
#define DMG_UNNAMED 2	/* "cgroup id N": a cgroups record was hit */

/* Does damaged line L fit clean line C, with ALLOW's excuses? */
static int dmg_fits(const char *l, const char *c, int allow)
{
	for (;;) {
		const char *le = strchr(l, ';'), *ce = strchr(c, ';');
		size_t ln = le ? (size_t)(le - l) : strlen(l), cn = ce ? (size_t)(ce - c) : strlen(c);

		if (!(ln == cn && memcmp(l, c, ln) == 0) &&
		    !((allow & DMG_UNKNOWN) && ln == 9 && memcmp(l, "[unknown]", 9) == 0) &&
		    !((allow & DMG_UNNAMED) && dmg_unnamed_cgroup(l, ln, c, cn)))
			return 0;
		if (!le || !ce)
			return !le && !ce;
		l = le + 1;
		c = ce + 1;
	}
}

/* The process key of line L (its first 5 frames: window and cgroup,
 * cpu, pid, comm) in OUT; with DMG_UNNAMED in ALLOW, "cgroup id N" of a
 * known N is written as N's path. Returns OUT. */
static char *dmg_key(const char *l, int allow, char *out, size_t len)
{
	const char *e = l, *path;
	for (int k = 0; k < 4 && e; k++)
		e = strchr(e + 1, ';');
	size_t kl = e ? (size_t)(e - l) : strlen(l);
	unsigned long long id;
	int at;

	if ((allow & DMG_UNNAMED) && sscanf(l, "%*c|cgroup id %llu%n", &id, &at) == 1 &&
	    (path = dmg_cgpath(id)) && (size_t)at <= kl)
		snprintf(out, len, "%c|cgroup %s%.*s", l[0], path, (int)(kl - at), l + at);
	else
		snprintf(out, len, "%.*s", (int)kl, l);
	return out;
}

/* The property. Returns NULL, or a description of the first violation
 * (static). ALLOW (DMG_UNKNOWN, DMG_UNNAMED): what was damaged, so frames
 * may be [unknown], or cgroups "cgroup id N", where the clean fold named
 * them. */
static const char *dmg_check(const struct dmg_fold *clean, const struct dmg_fold *got,
			     int allow)
{
	static char why[1024];

	for (size_t i = 0; i < got->n; i++) {
		const char *l = got->line[i];
		uint64_t have = 0;
		int excused = ((allow & DMG_UNKNOWN) && strstr(l, "[unknown]")) ||
			      ((allow & DMG_UNNAMED) && strstr(l, "|cgroup id "));

		if (excused) {
			/* The counts of every clean line it may stand for. */
			for (size_t j = 0; j < clean->n; j++)
				if (dmg_fits(l, clean->line[j], allow))
					have += clean->count[j];
		} else {
			char **p = bsearch(&l, clean->line, clean->n, sizeof(char *), dmg_cmp);
			if (p)
				have = clean->count[p - clean->line];
		}
		if (got->count[i] > have) {
			snprintf(why, sizeof(why), "'%s': %llu samples, clean fold %llu", l,
				 (unsigned long long)got->count[i], (unsigned long long)have);
			return why;
		}
	}
	/* Per process (window, cgroup, cpu, pid, comm): totals never grow.
	 * With DMG_UNNAMED, a cgroup unnamed by damage counts as the cgroup
	 * it stands for: keys are compared with "cgroup id N" read as its
	 * path. */
	char k1[512], k2[512];
	for (size_t i = 0; i < got->n; i++) {
		dmg_key(got->line[i], allow, k1, sizeof(k1));
		uint64_t g = 0, c = 0;

		for (size_t j = 0; j < got->n; j++)
			if (!strcmp(dmg_key(got->line[j], allow, k2, sizeof(k2)), k1))
				g += got->count[j];
		for (size_t j = 0; j < clean->n; j++)
			if (!strcmp(dmg_key(clean->line[j], 0, k2, sizeof(k2)), k1))
				c += clean->count[j];
		if (g > c) {
			snprintf(why, sizeof(why), "process '%s': %llu samples, clean fold %llu", k1,
				 (unsigned long long)g, (unsigned long long)c);
			return why;
		}
	}
	return NULL;
}

/* The records of a capture image: offset, size and type of each. */
struct dmg_rec {
	size_t off, size;
	int type;
};

static size_t dmg_records(const unsigned char *img, size_t len, struct dmg_rec *rec, size_t max)
{
	size_t n = 0, p = 16;

	while (p + 28 <= len && n < max) {
		uint32_t plen = (uint32_t)img[p + 8] | (uint32_t)img[p + 9] << 8 |
				(uint32_t)img[p + 10] << 16 | (uint32_t)img[p + 11] << 24;
		rec[n].off = p;
		rec[n].size = 28 + plen;
		rec[n].type = img[p + 4];
		n++;
		p += 28 + plen;
	}
	return n;
}

/* What bytes [FROM, TO) of the clean image touch: DMG_UNKNOWN for a
 * symbols record, DMG_UNNAMED for a cgroups record. */
static inline int dmg_hits(const struct dmg_rec *rec, size_t n, size_t from, size_t to)
{
	int hit = 0;

	for (size_t i = 0; i < n; i++)
		if (from < rec[i].off + rec[i].size && to > rec[i].off)
			hit |= rec[i].type == 4 ? DMG_UNKNOWN : rec[i].type == 5 ? DMG_UNNAMED : 0;
	return hit;
}

#endif
