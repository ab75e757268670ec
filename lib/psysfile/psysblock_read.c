/* Blocks: decoding, and trimming a sealed block to a time range; see
 * psysblock.h for the API and docs/FORMAT.md for the bytes. */
#include "psysfile/psysblock.h"
#include "psysfile/psysblock_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

int psysblock_inflate(void *dctx, const void *data, size_t len, size_t raw_len,
		      struct buf *raw)
{
	buf_reset(raw);
	if (buf_reserve(raw, raw_len ? raw_len : 1))
		return -ENOMEM;
	if (ZSTD_getFrameContentSize(data, len) != raw_len)
		return -EBADMSG;
	size_t n = ZSTD_decompressDCtx(dctx, raw->data, raw_len, data, len);
	if (ZSTD_isError(n) || n != raw_len)
		return -EBADMSG;
	raw->len = raw_len;
	return 0;
}

/* Indexes into v->caps for each growable array of the view. */
enum { CAP_TIME, CAP_THREAD, CAP_STACK, CAP_USTACK, CAP_FLAGS, CAP_THREADS,
       CAP_STACK_OFF, CAP_STACK_LEN, CAP_FRAMES, CAP_USTR, CAP_USTACK_OFF,
       CAP_USTACK_LEN, CAP_UFRAMES, CAP_CGPAIRS, NCAPS };

static int grow(void **p, struct psysblock_view *v, int which, size_t need, size_t size)
{
	return buf_grow(p, &v->caps[which], need, size) ? -ENOMEM : 0;
}

static int decode_threads(struct psysblock_view *v, struct cursor *c)
{
	uint64_t count, pid, tid;
	const unsigned char *p;
	size_t n;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	if (grow((void **)&v->threads, v, CAP_THREADS, count, sizeof(*v->threads)))
		return -ENOMEM;
	for (uint64_t i = 0; i < count; i++) {
		if (cursor_varint(c, &pid) || cursor_varint(c, &tid) ||
		    cursor_bytes(c, &p, &n) || pid > UINT32_MAX || tid > UINT32_MAX)
			return -EBADMSG;
		/* A comm is a C string: an embedded NUL ends it. */
		const unsigned char *nul = memchr(p, 0, n);
		if (nul)
			n = nul - p;
		v->threads[i].pid = (uint32_t)pid;
		v->threads[i].tid = (uint32_t)tid;
		v->threads[i].cgroup_id = v->threads[i].cgroup1_id = 0;
		/* The pointer is set once strs stops moving. */
		v->threads[i].comm = (const char *)(uintptr_t)v->strs.len;
		buf_put(&v->strs, p, n);
		buf_put_u8(&v->strs, 0);
	}
	v->nthreads = (uint32_t)count;
	return v->strs.err;
}

/* The cgroups of every thread of the thread table before it (a block
 * whose threads had none has no such section). */
static int decode_cgroups(struct psysblock_view *v, struct cursor *c)
{
	uint64_t count, k, p2 = 0, p1 = 0;
	int64_t d2, d1;
	uint32_t npairs = 0;

	if (cursor_varint(c, &count) || count != v->nthreads)
		return -EBADMSG;
	if (grow((void **)&v->cg_pairs, v, CAP_CGPAIRS, count * 2, sizeof(*v->cg_pairs)))
		return -ENOMEM;
	for (uint64_t i = 0; i < count; i++) {
		struct psysblock_thread *t = &v->threads[i];

		if (cursor_varint(c, &k))
			return -EBADMSG;
		if (!k) {
			/* A new (v2, v1) pair, as steps from the last new one. */
			if (cursor_svarint(c, &d2) || cursor_svarint(c, &d1))
				return -EBADMSG;
			p2 += (uint64_t)d2;
			p1 += (uint64_t)d1;
			v->cg_pairs[2 * npairs] = p2;
			v->cg_pairs[2 * npairs + 1] = p1;
			k = ++npairs;
		} else if (k > npairs) {
			return -EBADMSG;
		}
		t->cgroup_id = v->cg_pairs[2 * (k - 1)];
		t->cgroup1_id = v->cg_pairs[2 * (k - 1) + 1];
	}
	return cursor_left(c) ? -EBADMSG : 0;
}

static int decode_stacks(struct psysblock_view *v, struct cursor *c)
{
	uint64_t count, own, ref, shared, nframes = 0, first = 0;
	int64_t delta;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	if (grow((void **)&v->stack_off, v, CAP_STACK_OFF, count, 4) ||
	    grow((void **)&v->stack_len, v, CAP_STACK_LEN, count, 4))
		return -ENOMEM;
	for (uint64_t id = 0; id < count; id++) {
		shared = 0;
		if (cursor_varint(c, &own) || cursor_varint(c, &ref) || ref > id ||
		    own > PSYSFILE_MAX_FRAMES || own > cursor_left(c) ||
		    (ref && (cursor_varint(c, &shared) || shared < 1 ||
			     shared > v->stack_len[ref - 1])))
			return -EBADMSG;
		uint64_t n = own + shared;
		if (n == 0 || n > PSYSFILE_MAX_FRAMES)
			return -EBADMSG;
		if (grow((void **)&v->frames, v, CAP_FRAMES, nframes + n, 8))
			return -ENOMEM;
		uint64_t prev = first;
		for (uint64_t i = 0; i < own; i++) {
			if (cursor_svarint(c, &delta))
				return -EBADMSG;
			prev += (uint64_t)delta;
			v->frames[nframes + i] = prev;
		}
		if (ref) {
			const uint64_t *g = v->frames + v->stack_off[ref - 1] +
					    v->stack_len[ref - 1] - shared;
			memcpy(v->frames + nframes + own, g, shared * 8);
		}
		v->stack_off[id] = (uint32_t)nframes;
		v->stack_len[id] = (uint32_t)n;
		first = v->frames[nframes];
		nframes += n;
	}
	v->nstacks = (uint32_t)count;
	return 0;
}

static int decode_ustrings(struct psysblock_view *v, struct cursor *c, uint32_t *nustr)
{
	uint64_t count;
	const unsigned char *p;
	size_t n;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	if (grow((void **)&v->ustr_off, v, CAP_USTR, count, 4))
		return -ENOMEM;
	for (uint64_t i = 0; i < count; i++) {
		if (cursor_bytes(c, &p, &n) || memchr(p, 0, n) || v->strs.len > UINT32_MAX)
			return -EBADMSG;
		v->ustr_off[i] = (uint32_t)v->strs.len;
		buf_put(&v->strs, p, n);
		buf_put_u8(&v->strs, 0);
	}
	*nustr = (uint32_t)count;
	return v->strs.err;
}

static int decode_ustacks(struct psysblock_view *v, struct cursor *c, uint32_t nustr)
{
	uint64_t count, n, id, total = 0;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	if (grow((void **)&v->ustack_off, v, CAP_USTACK_OFF, count, 4) ||
	    grow((void **)&v->ustack_len, v, CAP_USTACK_LEN, count, 4))
		return -ENOMEM;
	for (uint64_t k = 0; k < count; k++) {
		if (cursor_varint(c, &n) || n == 0 || n > PSYSFILE_MAX_FRAMES ||
		    n > cursor_left(c))
			return -EBADMSG;
		if (grow((void **)&v->uframes, v, CAP_UFRAMES, total + n, sizeof(*v->uframes)))
			return -ENOMEM;
		for (uint64_t i = 0; i < n; i++) {
			/* Names must be defined before the stacks using them. */
			if (cursor_varint(c, &id) || id >= nustr)
				return -EBADMSG;
			/* An offset for now; a pointer once strs stops moving. */
			v->uframes[total + i] = (const char *)(uintptr_t)v->ustr_off[id];
		}
		v->ustack_off[k] = (uint32_t)total;
		v->ustack_len[k] = (uint32_t)n;
		total += n;
	}
	v->nustacks = (uint32_t)count;
	return 0;
}

/* Decodes one column of N varints into OUT, checking each against MAX. */
static int decode_column(const unsigned char *p, size_t len, uint32_t n, uint32_t *out,
			 uint64_t max)
{
	const unsigned char *end = p + len;
	uint32_t i = 0;

	if (!len) {
		/* Left empty: every value 0. */
		memset(out, 0, n * sizeof(*out));
		return 0;
	}
	/* Most values are one byte: a tight loop while there are. */
	while (i < n) {
		if (p < end && *p < 0x80 && *p <= max) {
			out[i++] = *p++;
			continue;
		}
		struct cursor c = { p, end };
		uint64_t v;
		if (cursor_varint(&c, &v) || v > max)
			return -EBADMSG;
		out[i++] = (uint32_t)v;
		p = c.p;
	}
	return p == end ? 0 : -EBADMSG;
}

static int decode_samples(struct psysblock_view *v, struct cursor *c, uint64_t base,
			  uint64_t unit, uint64_t period_steps)
{
	const unsigned char *col[NCOLS];
	size_t len[NCOLS];
	uint32_t n = v->n;
	int err;

	for (int i = 0; i < NCOLS; i++)
		if (cursor_bytes(c, &col[i], &len[i]))
			return -EBADMSG;
	/* Every sample takes at least a byte of the time column. */
	if (n > len[COL_TIME])
		return -EBADMSG;
	if (grow((void **)&v->time, v, CAP_TIME, n, 8) ||
	    grow((void **)&v->thread, v, CAP_THREAD, n, 4) ||
	    grow((void **)&v->stack, v, CAP_STACK, n, 4) ||
	    grow((void **)&v->ustack, v, CAP_USTACK, n, 4) ||
	    grow((void **)&v->flags, v, CAP_FLAGS, n, 4))
		return -ENOMEM;
	if (n && !v->nthreads)
		return -EBADMSG;
	if ((err = decode_column(col[COL_THREAD], len[COL_THREAD], n, v->thread,
				 v->nthreads ? v->nthreads - 1 : 0)) ||
	    (err = decode_column(col[COL_USTACK], len[COL_USTACK], n, v->ustack,
				 v->nustacks)) ||
	    (err = decode_column(col[COL_STACK], len[COL_STACK], n, v->stack,
				 ((uint64_t)v->nstacks << 3) | 7)) ||
	    (err = decode_column(col[COL_FLAGS], len[COL_FLAGS], n, v->flags,
				 UINT32_MAX >> 3)))
		return err;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = v->stack[i];

		v->flags[i] = v->flags[i] << 3 | (s & 7);
		v->stack[i] = (s >> 3) ? (s >> 3) - 1 : PSYSFILE_NO_STACK;
		v->ustack[i] = v->ustack[i] ? v->ustack[i] - 1 : PSYSFILE_NO_STACK;
	}
	struct cursor t = { col[COL_TIME], col[COL_TIME] + len[COL_TIME] };
	uint64_t q = 0;	/* wraps like the writer's signed steps */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t z;

		if (cursor_varint_fast(&t, &z))
			return -EBADMSG;
		q += ((z >> 1) ^ -(z & 1)) + period_steps;
		v->time[i] = base + q * unit;
	}
	return cursor_left(&t) ? -EBADMSG : 0;
}

int psysblock_decode(struct psysblock_view *v, const unsigned char *raw, size_t len)
{
	struct cursor c = { raw, raw + len };
	uint64_t cpu, base, unit, period, n;
	uint32_t nustr = 0;
	int err, have_samples = 0;

	v->n = v->nthreads = v->nstacks = v->nustacks = 0;
	buf_reset(&v->strs);
	if (cursor_varint(&c, &cpu) || cursor_varint(&c, &base) ||
	    cursor_varint(&c, &unit) || cursor_varint(&c, &period) ||
	    cursor_varint(&c, &n) || cpu > PSYSFILE_MAX_CPU || unit < 1 ||
	    unit > 1000000 || period > 1000000000ull / unit || n > BLOCK_MAX_SAMPLES)
		return -EBADMSG;
	v->cpu = (uint32_t)cpu;
	v->n = (uint32_t)n;
	v->unit_ns = unit;
	v->period_ns = period * unit;
	while (cursor_left(&c)) {
		uint64_t tag;
		struct cursor sec;
		const unsigned char *p;
		size_t k;

		if (cursor_varint(&c, &tag) || cursor_bytes(&c, &p, &k))
			return -EBADMSG;
		sec.p = p;
		sec.end = p + k;
		/* Tables come before the samples that use them. */
		switch (have_samples ? -1 : (int)(tag > 64 ? 64 : tag)) {
		case SEC_THREADS: err = decode_threads(v, &sec); break;
		case SEC_CGROUPS: err = decode_cgroups(v, &sec); break;
		case SEC_STACKS: err = decode_stacks(v, &sec); break;
		case SEC_USTRINGS: err = decode_ustrings(v, &sec, &nustr); break;
		case SEC_USTACKS: err = decode_ustacks(v, &sec, nustr); break;
		case SEC_SAMPLES:
			err = decode_samples(v, &sec, base, unit, period);
			have_samples = 1;
			break;
		default: err = 0; break;	/* a newer section: skip */
		}
		if (err)
			return err;
	}
	if (!have_samples && n)
		return -EBADMSG;
	/* strs no longer moves: offsets become pointers. */
	const char *s = (const char *)v->strs.data;
	for (uint32_t i = 0; i < v->nthreads; i++)
		v->threads[i].comm = s + (uintptr_t)v->threads[i].comm;
	for (uint32_t k = 0; k < v->nustacks; k++)
		for (uint32_t i = 0; i < v->ustack_len[k]; i++)
			v->uframes[v->ustack_off[k] + i] =
				s + (uintptr_t)v->uframes[v->ustack_off[k] + i];
	return 0;
}

void psysblock_sample(const struct psysblock_view *v, uint32_t i, struct psysfile_sample *s)
{
	const struct psysblock_thread *t = &v->threads[v->thread[i]];

	s->time_ns = v->time[i];
	s->cpu = v->cpu;
	s->pid = t->pid;
	s->tid = t->tid;
	s->comm = t->comm;
	s->cgroup_id = t->cgroup_id;
	s->cgroup1_id = t->cgroup1_id;
	s->flags = v->flags[i];
	s->thread_id = v->thread[i];
	s->stack_id = v->stack[i];
	s->ustack_id = v->ustack[i];
	if (s->stack_id != PSYSFILE_NO_STACK) {
		s->nframes = v->stack_len[s->stack_id];
		s->frames = v->frames + v->stack_off[s->stack_id];
	} else {
		s->nframes = 0;
		s->frames = NULL;
	}
	if (s->ustack_id != PSYSFILE_NO_STACK) {
		s->nuframes = v->ustack_len[s->ustack_id];
		s->uframes = v->uframes + v->ustack_off[s->ustack_id];
	} else {
		s->nuframes = 0;
		s->uframes = NULL;
	}
}

void psysblock_view_free(struct psysblock_view *v)
{
	free(v->time);
	free(v->thread);
	free(v->stack);
	free(v->ustack);
	free(v->flags);
	free(v->threads);
	free(v->stack_off);
	free(v->stack_len);
	free(v->frames);
	free(v->ustack_off);
	free(v->ustack_len);
	free(v->uframes);
	free(v->ustr_off);
	free(v->cg_pairs);
	buf_free(&v->strs);
	memset(v, 0, sizeof(*v));
}

int psysblock_trim(const struct psysblock *b, uint64_t from, uint64_t to, void *cctx,
		   void *dctx, int level, struct psysblock **out)
{
	struct buf raw = { 0 };
	struct psysblock_view v = { 0 };
	struct psysblock_builder *nb = NULL;
	struct psysfile_sample s;
	int err;

	*out = NULL;
	if ((err = psysblock_inflate(dctx, b->data, b->len, b->raw_len, &raw)) ||
	    (err = psysblock_decode(&v, raw.data, raw.len)))
		goto out;
	if (!(nb = psysblock_builder_new(v.cpu))) {
		err = -ENOMEM;
		goto out;
	}
	psysblock_set_time_unit(nb, v.unit_ns);
	psysblock_set_period(nb, v.period_ns);
	for (uint32_t i = 0; i < v.n; i++) {
		if (v.time[i] < from || v.time[i] >= to)
			continue;
		psysblock_sample(&v, i, &s);
		if ((err = psysblock_add(nb, &s)))
			goto out;
	}
	err = psysblock_seal(nb, cctx, level, out);
out:
	psysblock_builder_free(nb);
	psysblock_view_free(&v);
	buf_free(&raw);
	return err;
}
