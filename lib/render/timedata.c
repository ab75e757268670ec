/* The time view's data in an SVG: see timedata.h. */
#include "render/timedata.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hmap.h"

/* The digits of the data the script reads: printable ASCII but for the
 * three characters an attribute value cannot hold as they are. The first
 * TDIG end a number, the other CDIG continue it (see put_num). */
#define TDIG 64
#define CDIG 27
static char alpha[TDIG + CDIG];

static void alpha_init(void)
{
	int n = 0;

	for (int c = 0x21; c < 0x7f && n < TDIG + CDIG; c++)
		if (c != '"' && c != '&' && c != '<')
			alpha[n++] = (char)c;
}

/* V (below 2^53, which the script's numbers hold exactly) as 1 to 11
 * digits: numbers below TDIG take one, below TDIG + TDIG*CDIG two, and so
 * on; the last digit is a TDIG one, those before it CDIG ones, most
 * significant first. */
static void put_num(struct buf *b, uint64_t v)
{
	uint64_t span = TDIG, rest;
	char d[16];
	int n = 0;

	while (v >= span) {
		v -= span;
		span *= CDIG;
	}
	d[n++] = alpha[v % TDIG];
	for (rest = v / TDIG; span > TDIG; span /= CDIG, rest /= CDIG)
		d[n++] = alpha[TDIG + rest % CDIG];
	while (n)
		buf_put_u8(b, (uint8_t)d[--n]);
}

/* The number of digits put_num writes for V. */
static int num_len(uint64_t v)
{
	uint64_t span = TDIG;
	int n = 1;

	while (v >= span) {
		v -= span;
		span *= CDIG;
		n++;
	}
	return n;
}

static uint64_t zigzag(int64_t v)
{
	return v >= 0 ? (uint64_t)v << 1 : ((uint64_t)(-(v + 1)) << 1) | 1;
}

struct rank {
	uint64_t n;
	uint32_t id;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void put_attr_buf(struct svg *w, const char *name, const struct buf *b)
{
	svg_puts(w, " ");
	svg_puts(w, name);
	svg_puts(w, "=\"");
	svg_put(w, (const char *)b->data, b->len);
	svg_puts(w, "\"");
}

/* Slots of a stream's sample numbers: at most this many, the last one
 * the escape (see write_samples). */
#define MAX_SLOTS 8
/* Values of a time code for whole periods: a sys sample often comes a
 * few periods after the previous one (user mode in between). */
#define KCODE 16

struct code_count {
	uint64_t code, n;
};

static int cmp_code_count(const void *a, const void *b)
{
	const struct code_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

/* The time code of each sample of one CPU (in time order: S[0..N) index
 * TL's samples) into CODE, and K (whole sampling periods) into KP. The
 * step from the previous sample is K periods plus J quanta; its code is
 * zigzag(J) x KCODE + min(K, KCODE - 1). The first sample's step is from
 * itself. */
static void time_codes(const struct timeline *tl, const uint32_t *s, size_t n,
		       double period, uint64_t *code, int64_t *kp)
{
	int64_t prev = 0;

	for (size_t k = 0; k < n; k++) {
		int64_t g = timedata_floor_div(tl->samples[s[k]].t_ns, TIMEVIEW_QUANTUM_NS), dt, j;

		if (k == 0)
			prev = g;
		dt = g - prev;
		prev = g;
		/* floor(x + 0.5): the script's Math.round. */
		kp[k] = (int64_t)floor((double)dt / period + 0.5);
		j = dt - (int64_t)floor((double)kp[k] * period + 0.5);
		code[k] = zigzag(j) * KCODE + (uint64_t)(kp[k] < KCODE - 1 ? kp[k] : KCODE - 1);
	}
}

/* One CPU's samples S[0..N) as a stream into B: its first time in
 * quanta, zig-zagged; M - 1 and the M - 1 most common time codes (the
 * slots); then per sample one number, its end frame's rank times M plus
 * its code's slot, or plus M - 1 followed by the code when the code has
 * none; then K - (KCODE - 1) when K >= KCODE - 1. M, from 1 to
 * MAX_SLOTS, is the one that makes the stream shortest: a regular
 * sampling period costs nothing beyond the factor M. */
static int write_stream(struct buf *b, const struct timeline *tl, const uint32_t *s,
			size_t n, const uint32_t *sample_end, const uint32_t *end_rank,
			double period)
{
	uint64_t *code = malloc((n ? n : 1) * sizeof(*code));
	int64_t *kp = malloc((n ? n : 1) * sizeof(*kp));
	struct code_count *cc = malloc((n ? n : 1) * sizeof(*cc));
	uint64_t top[MAX_SLOTS], best = UINT64_MAX;
	size_t ncodes = 0, m = 1;
	int err = -ENOMEM;

	if (!code || !kp || !cc)
		goto out;
	time_codes(tl, s, n, period, code, kp);
	/* The codes by how often they come, most first. */
	for (size_t k = 0; k < n; k++)
		cc[k] = (struct code_count){ code[k], 1 };
	if (n)
		qsort(cc, n, sizeof(*cc), cmp_code_count);
	for (size_t k = 0; k < n; k++) {
		if (ncodes && cc[ncodes - 1].code == cc[k].code)
			cc[ncodes - 1].n++;
		else
			cc[ncodes++] = cc[k];
	}
	qsort(cc, ncodes, sizeof(*cc), cmp_code_count);
	for (size_t mm = 1; mm <= MAX_SLOTS && mm <= ncodes + 1; mm++) {
		uint64_t len = 0;

		for (size_t k = 0; k < n; k++) {
			uint64_t r = end_rank[sample_end[s[k]]];
			size_t slot = 0;

			while (slot < mm - 1 && cc[slot].code != code[k])
				slot++;
			len += (uint64_t)num_len(r * mm + slot);
			if (slot == mm - 1)
				len += (uint64_t)num_len(code[k]);
		}
		if (len < best) {
			best = len;
			m = mm;
		}
	}
	for (size_t i = 0; i + 1 < m; i++)
		top[i] = cc[i].code;
	put_num(b, n ? zigzag(timedata_floor_div(tl->samples[s[0]].t_ns, TIMEVIEW_QUANTUM_NS)) : 0);
	put_num(b, m - 1);
	for (size_t i = 0; i + 1 < m; i++)
		put_num(b, top[i]);
	for (size_t k = 0; k < n; k++) {
		uint64_t r = end_rank[sample_end[s[k]]];
		size_t slot = 0;

		while (slot < m - 1 && top[slot] != code[k])
			slot++;
		put_num(b, r * m + slot);
		if (slot == m - 1)
			put_num(b, code[k]);
		if (kp[k] >= KCODE - 1)
			put_num(b, (uint64_t)(kp[k] - (KCODE - 1)));
	}
	err = 0;
out:
	free(code);
	free(kp);
	free(cc);
	return err;
}

static const struct timeline *sort_tl;

/* By CPU, then by index (time order). */
static int cmp_cpu_index(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	uint32_t ci = sort_tl->samples[i].cpu, cj = sort_tl->samples[j].cpu;

	if (ci != cj)
		return ci < cj ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Each CPU's samples as a stream (write_stream) into B, the CPU numbers
 * into the attribute being written. */
static int write_samples(struct svg *w, struct buf *b, const struct timeline *tl,
			 const uint32_t *sample_end, const uint32_t *end_rank)
{
	size_t n = tl->nsamples;
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	double period = tl->freq_hz ? 1e9 / (double)tl->freq_hz / TIMEVIEW_QUANTUM_NS : 1;
	int err = 0;

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	sort_tl = tl;
	if (n)
		qsort(order, n, sizeof(*order), cmp_cpu_index);
	for (size_t i = 0, j; i < n && !err; i = j) {
		uint32_t cpu = tl->samples[order[i]].cpu;

		for (j = i; j < n && tl->samples[order[j]].cpu == cpu; j++)
			;
		svg_printf(w, "%s%u", i ? "," : "", cpu);
		if (i)
			buf_put_u8(b, ' ');
		err = write_stream(b, tl, order + i, j - i, sample_end, end_rank, period);
	}
	free(order);
	return err;
}

/* The tree's numbers (write_tree): below TREE_PAIRS, two frames; from
 * there, one, with TREE_UP values for how far up its parent is. */
#define TREE_PAIRS 16
#define TREE_UP 4

struct tree_enc {
	const struct timeview_input *in;
	const uint32_t *name_rank;
	struct hmap place;	/* (parent's rank + 1) << 32 | rank -> place */
	uint32_t *nkids;	/* by parent's rank + 1: names placed */
	uint32_t *path;		/* by depth: rank + 1 of the frame there */
};

/* Frame I's name rank, its parent's rank + 1 (0: the root) and its
 * place among that parent name's children (HMAP_NONE: not yet one). */
static uint32_t tree_place(const struct tree_enc *t, size_t i, uint32_t *r,
			   uint32_t *pr)
{
	*r = t->name_rank[flame_name_id(t->in->fl, t->in->frames[i].node)];
	*pr = t->path[t->in->frames[i].depth - 1];
	return hmap_get(&t->place, (uint64_t)*pr << 32 | *r, NULL, NULL);
}

static int write_tree(struct buf *b, const struct timeview_input *in,
		      const uint32_t *name_rank, size_t nn)
{
	const struct flame_frame *f = in->frames;
	struct tree_enc t = { .in = in, .name_rank = name_rank };
	int err = -ENOMEM;

	t.nkids = calloc(nn + 1, sizeof(*t.nkids));
	t.path = malloc((in->nframes ? in->nframes : 1) * sizeof(*t.path));
	if (!t.nkids || !t.path)
		goto out;
	t.path[0] = 0;
	for (size_t i = 1; i < in->nframes; i++) {
		uint32_t d = f[i].depth, up = f[i - 1].depth + 1 - d, r, pr, r2, pr2;
		uint32_t at = tree_place(&t, i, &r, &pr), at2;
		int fresh;

		t.path[d] = r + 1;
		/* Two frames, each the child of the one before it, each
		 * among the first 4 children its parent's name has. */
		if (up == 0 && at < 4 && i + 1 < in->nframes && f[i + 1].depth == d + 1 &&
		    (at2 = tree_place(&t, i + 1, &r2, &pr2)) < 4) {
			put_num(b, at * 4 + at2);
			t.path[d + 1] = r2 + 1;
			i++;
			continue;
		}
		fresh = at == HMAP_NONE;
		if (fresh) {
			at = t.nkids[pr]++;
			if (hmap_set(&t.place, (uint64_t)pr << 32 | r, at))
				goto out;
		}
		put_num(b, TREE_PAIRS + (uint64_t)at * TREE_UP +
			   (up < TREE_UP - 1 ? up : TREE_UP - 1));
		if (up >= TREE_UP - 1)
			put_num(b, up - (TREE_UP - 1));
		if (fresh)
			put_num(b, r);
	}
	err = b->err;
out:
	hmap_free(&t.place);
	free(t.nkids);
	free(t.path);
	return err;
}

/* The tree (preorder, as the script lays it out), its names and colours,
 * and the samples: see docs/psys-svg.md. */
int timedata_write(struct svg *w, const struct timeview_input *in)
{
	const struct timeline *tl = in->tl;
	struct flame *fl = in->fl;
	size_t nn = flame_names(fl) + 1, nnodes = flame_nodes(fl);
	struct rank *names = calloc(nn, sizeof(*names));
	uint32_t *name_rank = malloc(nn * sizeof(*name_rank));
	uint32_t *name_node = malloc(nn * sizeof(*name_node));
	uint8_t *drawn = calloc(nn, 1);
	uint32_t *frame_of = malloc(nnodes * sizeof(*frame_of));
	struct rank *ends = calloc(in->nframes ? in->nframes : 1, sizeof(*ends));
	uint32_t *end_rank = malloc((in->nframes ? in->nframes : 1) * sizeof(*end_rank));
	uint32_t *sample_end = malloc((tl->nsamples ? tl->nsamples : 1) * sizeof(*sample_end));
	struct buf b = { 0 };
	int err = -ENOMEM;

	alpha_init();

	if (!names || !name_rank || !name_node || !drawn || !frame_of || !ends ||
	    !end_rank || !sample_end)
		goto out;
	for (size_t i = 1; i < in->ndrawn; i++)
		drawn[flame_name_id(fl, in->drawn[i].node)] = 1;
	/* Names by how many frames use them, most first: short numbers. */
	for (size_t i = 0; i < nn; i++)
		names[i].id = (uint32_t)i;
	for (size_t i = 1; i < in->nframes; i++) {
		uint32_t id = flame_name_id(fl, in->frames[i].node);

		if (!names[id].n++)
			name_node[id] = in->frames[i].node;
	}
	qsort(names, nn, sizeof(*names), cmp_rank);
	for (size_t i = 0; i < nn; i++)
		name_rank[names[i].id] = (uint32_t)i;

	memset(frame_of, 0xff, nnodes * sizeof(*frame_of));
	for (size_t i = 0; i < in->nframes; i++)
		frame_of[in->frames[i].node] = (uint32_t)i;
	for (size_t i = 0; i < in->nframes; i++)
		ends[i].id = (uint32_t)i;
	for (size_t i = 0; i < tl->nsamples; i++) {
		uint32_t node = in->line_node[tl->samples[i].line];

		sample_end[i] = node < nnodes ? frame_of[node] : UINT32_MAX;
		if (sample_end[i] == UINT32_MAX)
			sample_end[i] = 0;	/* not drawn: counts at the root */
		ends[sample_end[i]].n++;
	}
	qsort(ends, in->nframes, sizeof(*ends), cmp_rank);
	for (size_t i = 0; i < in->nframes; i++)
		end_rank[ends[i].id] = (uint32_t)i;

	/* Names, most used first; those of frames the SVG draws are left
	 * out: data-drawn says which, as lengths of alternate runs of ranks
	 * left in and left out, starting with one left in. */
	svg_puts(w, "<g id=\"timedata\" data-names=\"");
	for (size_t i = 0, k = 0; i < nn && names[i].n; i++) {
		size_t n;
		const char *s = flame_name(fl, name_node[names[i].id], &n);

		if (drawn[names[i].id])
			continue;
		if (k++)
			svg_put(w, ";", 1);
		svg_escape(w, s, n);
		/* Six bits a digit. */
		uint32_t c = in->colour[names[i].id];
		for (int d = 18; d >= 0; d -= 6)
			buf_put_u8(&b, (uint8_t)alpha[(c >> d) & 63]);
	}
	svg_puts(w, "\"");
	put_attr_buf(w, "data-colors", &b);
	buf_reset(&b);
	for (size_t i = 0, run = 0, want = 0; i <= nn; i++) {
		int end = i == nn || !names[i].n;

		if (end || drawn[names[i].id] != want) {
			put_num(&b, run);
			if (end)
				break;
			want = !want;
			run = 0;
		}
		run++;
	}
	put_attr_buf(w, "data-drawn", &b);

	/* The tree: each frame after the root as the place of its name
	 * among the names of the children seen so far of frames named as
	 * its parent is (a function calls few others), and how many levels
	 * further up than the frame before it its parent is (see
	 * write_tree); a place one past the list adds the name to it, and
	 * the name's rank follows. */
	buf_reset(&b);
	if ((err = write_tree(&b, in, name_rank, nn)))
		goto out;
	err = -ENOMEM;
	put_attr_buf(w, "data-nodes", &b);

	/* Frames where samples end, by number of samples, most first: in
	 * groups of equal numbers, each group's size, then its frames in
	 * order, each as the step from the one before it (from -1). */
	buf_reset(&b);
	for (size_t i = 0, j; i < in->nframes && ends[i].n; i = j) {
		for (j = i; j < in->nframes && ends[j].n == ends[i].n; j++)
			;
		put_num(&b, j - i);
		for (size_t k = i; k < j; k++)
			put_num(&b, ends[k].id - (k > i ? ends[k - 1].id + 1 : 0));
	}
	put_attr_buf(w, "data-ends", &b);

	/* The samples, CPU by CPU, each CPU's in time order. */
	buf_reset(&b);
	svg_puts(w, " data-cpus=\"");
	if ((err = write_samples(w, &b, tl, sample_end, end_rank)))
		goto out;
	err = -ENOMEM;
	svg_puts(w, "\"");
	put_attr_buf(w, "data-s", &b);
	svg_printf(w, " data-freq=\"%u\"/>\n", tl->freq_hz);
	err = b.err;
out:
	buf_free(&b);
	free(names);
	free(name_rank);
	free(name_node);
	free(drawn);
	free(frame_of);
	free(ends);
	free(end_rank);
	free(sample_end);
	return err;
}
