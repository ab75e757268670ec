/* Folding samples into stacks; see fold.h. */
#include "fold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hmap.h"

/* Pseudo stack ids for samples that have no kernel stack to name. */
#define KEY_USER	0xfffffffeu
#define KEY_STACK_ERR	0xfffffffdu

struct entry {
	uint64_t key;		/* thread id << 32 | stack id (or KEY_*) */
	uint64_t count;
};

struct line {
	size_t off;		/* in lines_text */
	uint64_t count;
};

struct fold {
	struct fold_opts o;
	struct fold_counts c;
	struct buf text;	/* every distinct line, NUL-terminated */
	struct line *lines;
	uint32_t nlines, lines_cap;
	struct hmap line_map;
};

struct fold *fold_new(const struct fold_opts *o)
{
	struct fold *f = calloc(1, sizeof(*f));

	if (f)
		f->o = *o;
	return f;
}

const struct fold_counts *fold_counts(const struct fold *f)
{
	return &f->c;
}

char *fold_clean(const char *s, char *out, size_t len)
{
	size_t i = 0;

	for (; *s && i + 1 < len; s++) {
		unsigned char ch = (unsigned char)*s;
		out[i++] = ch == ';' ? ':' : (ch < 0x20 || ch == 0x7f) ? '?' : ch;
	}
	out[i] = '\0';
	return out;
}

struct line_key {
	const struct fold *f;
	const char *s;
};

static int line_eq(const void *ctx, uint32_t id)
{
	const struct line_key *k = ctx;

	return strcmp((const char *)k->f->text.data + k->f->lines[id].off, k->s) == 0;
}

/* Adds COUNT to the line S (NUL-terminated). */
static int add_line(struct fold *f, const char *s, size_t n, uint64_t count)
{
	struct line_key k = { f, s };
	uint64_t h = hash_bytes(s, n, 0);
	uint32_t id = hmap_get(&f->line_map, h, line_eq, &k);

	if (id != HMAP_NONE) {
		f->lines[id].count += count;
		return 0;
	}
	if (f->nlines == f->lines_cap) {
		uint32_t cap = f->lines_cap ? f->lines_cap * 2 : 1024;
		struct line *l = realloc(f->lines, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		f->lines = l;
		f->lines_cap = cap;
	}
	f->lines[f->nlines].off = f->text.len;
	f->lines[f->nlines].count = count;
	buf_put(&f->text, s, n + 1);
	if (f->text.err || hmap_put(&f->line_map, h, f->nlines))
		return -ENOMEM;
	f->nlines++;
	return 0;
}

/* Names of the addresses met in one file, each worked out once. */
struct names {
	struct hmap map;	/* address -> offset in text */
	struct buf text;
};

/* The name of frame ADDR; CALLER is set for every frame but the sampled
 * one: those hold return addresses, which point after the call and, for a
 * call that never returns, past the end of the calling function. So they
 * are looked up one byte back, inside the call instruction. */
static const char *name_of(struct fold *f, struct names *names, const struct ksyms *ks,
			   uint64_t addr, int caller)
{
	struct names *nm = &names[caller];
	uint32_t off = hmap_get(&nm->map, addr, NULL, NULL);
	char tmp[64], clean[1024];
	const struct ksym *k;

	if (off != HMAP_NONE)
		return (const char *)nm->text.data + off;
	off = nm->text.len;
	k = ks ? ksyms_lookup(ks, addr - caller) : NULL;
	if (!k) {
		f->c.unknown_frames++;
		if (f->o.addrs)
			snprintf(tmp, sizeof(tmp), "[unknown 0x%llx]", (unsigned long long)addr);
		else
			snprintf(tmp, sizeof(tmp), "[unknown]");
		buf_put(&nm->text, tmp, strlen(tmp));
	} else {
		fold_clean(k->name, clean, sizeof(clean));
		buf_put(&nm->text, clean, strlen(clean));
		if (f->o.addrs) {
			snprintf(tmp, sizeof(tmp), "+0x%llx", (unsigned long long)(addr - k->addr));
			buf_put(&nm->text, tmp, strlen(tmp));
		}
		if (k->module) {
			fold_clean(k->module, clean, sizeof(clean));
			buf_put(&nm->text, " [", 2);
			buf_put(&nm->text, clean, strlen(clean));
			buf_put(&nm->text, "]", 1);
		}
	}
	buf_put_u8(&nm->text, 0);
	if (nm->text.err || off > UINT32_MAX - 1 || hmap_put(&nm->map, addr, off))
		return NULL;
	return (const char *)nm->text.data + off;
}

int fold_add(struct fold *f, struct psysfile_reader *r, const struct ksyms *ks)
{
	struct hmap idx = { 0 };	/* key -> entry */
	struct entry *e = NULL;
	uint32_t ne = 0, cap = 0;
	struct psysfile_sample s;
	struct names nm[2] = { 0 };	/* sampled frames, callers */
	struct buf line = { 0 };
	int err = -ENOMEM;

	f->c.first_ns = f->c.last_ns = 0;
	while (psysfile_next(r, &s) == 1) {
		uint32_t sk;

		f->c.samples++;
		if (!f->c.first_ns || s.time_ns < f->c.first_ns)
			f->c.first_ns = s.time_ns;
		if (s.time_ns > f->c.last_ns)
			f->c.last_ns = s.time_ns;
		if (s.pid == 0 && !f->o.idle) {
			f->c.idle++;
			continue;
		}
		if (s.flags & PSYSFILE_USER) {
			if (!f->o.user) {
				f->c.user++;
				continue;
			}
			sk = KEY_USER;
		} else if (s.stack_id == PSYSFILE_NO_STACK) {
			f->c.stack_errors++;
			sk = KEY_STACK_ERR;
		} else {
			sk = s.stack_id;
		}
		uint64_t key = (uint64_t)s.thread_id << 32 | sk;
		uint32_t i = hmap_get(&idx, key, NULL, NULL);
		if (i == HMAP_NONE) {
			if (ne == cap) {
				cap = cap ? cap * 2 : 1024;
				struct entry *p = realloc(e, cap * sizeof(*p));
				if (!p)
					goto cleanup;
				e = p;
			}
			e[ne].key = key;
			e[ne].count = 0;
			if (hmap_put(&idx, key, ne))
				goto cleanup;
			i = ne++;
		}
		e[i].count++;
		f->c.folded++;
	}

	if (!ks)
		ks = psysfile_ksyms(r);
	for (uint32_t i = 0; i < ne; i++) {
		uint32_t tid = e[i].key >> 32, sk = (uint32_t)e[i].key, n = 0;
		char comm[64];
		const uint64_t *frames = NULL;

		buf_reset(&line);
		if (!f->o.no_comm) {
			fold_clean(psysfile_thread_comm(r, tid), comm, sizeof(comm));
			buf_put(&line, comm[0] ? comm : "[no comm]", strlen(comm[0] ? comm : "[no comm]"));
		}
		if (sk == KEY_USER || sk == KEY_STACK_ERR) {
			const char *fr = sk == KEY_USER ? "[user]" : "[stack error]";
			if (line.len)
				buf_put_u8(&line, ';');
			buf_put(&line, fr, strlen(fr));
		} else {
			frames = psysfile_stack(r, sk, &n);
		}
		/* Stacks are stored leaf first; folded lines read root first. */
		for (uint32_t j = n; j-- > 0;) {
			const char *name = name_of(f, nm, ks, frames[j], j > 0);
			if (!name)
				goto cleanup;
			if (line.len)
				buf_put_u8(&line, ';');
			buf_put(&line, name, strlen(name));
		}
		buf_put_u8(&line, 0);
		if (line.err)
			goto cleanup;
		/* A line must not look like a metadata line. */
		if (line.data[0] == '#')
			line.data[0] = '?';
		if ((err = add_line(f, (const char *)line.data, line.len - 1, e[i].count)))
			goto cleanup;
		err = -ENOMEM;
	}
	err = 0;
cleanup:
	hmap_free(&idx);
	free(e);
	for (int i = 0; i < 2; i++) {
		hmap_free(&nm[i].map);
		buf_free(&nm[i].text);
	}
	buf_free(&line);
	return err;
}

static const char *sort_text;

static int cmp_line(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	return strcmp(sort_text + x->off, sort_text + y->off);
}

int fold_write(struct fold *f, FILE *out)
{
	sort_text = (const char *)f->text.data;
	qsort(f->lines, f->nlines, sizeof(*f->lines), cmp_line);
	for (uint32_t i = 0; i < f->nlines; i++) {
		fputs((const char *)f->text.data + f->lines[i].off, out);
		fprintf(out, " %llu\n", (unsigned long long)f->lines[i].count);
	}
	/* Sorting moved the lines: rebuild the index before more are added. */
	hmap_free(&f->line_map);
	for (uint32_t i = 0; i < f->nlines; i++) {
		const char *s = (const char *)f->text.data + f->lines[i].off;
		if (hmap_put(&f->line_map, hash_bytes(s, strlen(s), 0), i))
			return -ENOMEM;
	}
	return ferror(out) ? -EIO : 0;
}

void fold_free(struct fold *f)
{
	if (!f)
		return;
	buf_free(&f->text);
	free(f->lines);
	hmap_free(&f->line_map);
	free(f);
}
