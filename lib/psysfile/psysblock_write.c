/* Blocks: building and sealing; see psysblock.h for the API and
 * docs/FORMAT.md for the bytes. Decoding is in psysblock_read.c. */
#include "psysfile/psysblock.h"
#include "psysfile/psysblock_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

struct bthread {
	uint32_t pid, tid, comm;	/* comm: offset in strs */
	uint64_t cg2, cg1;		/* cgroup ids, 0: none */
};

struct psysblock_builder {
	uint32_t cpu, n;
	uint64_t unit, period, next_unit, next_period, period_steps;
	uint64_t base, first_ns;
	int64_t last_q;

	struct bthread *threads;
	uint32_t nthreads;
	size_t threads_cap;
	struct hmap thread_map;
	struct buf strs;		/* comms and user names, NUL-terminated */

	uint64_t *frames;
	size_t nframes, frames_cap;
	uint32_t *stack_off, *stack_len;
	uint32_t nstacks;
	size_t stack_off_cap, stack_len_cap;
	struct hmap stack_map;

	uint32_t *ustr;			/* offsets in strs */
	uint32_t nustr;
	size_t ustr_cap;
	struct hmap ustr_map;
	uint32_t *uids;
	size_t nuids, uids_cap;
	uint32_t *ustack_off, *ustack_len;
	uint32_t nustacks;
	size_t ustack_off_cap, ustack_len_cap;
	struct hmap ustack_map;

	/* The previous sample's thread and stack (id + 1): a busy CPU repeats
	 * both, and checking them costs less than hashing. */
	uint32_t last_thread, last_stack;
	int has_cgroups;		/* a thread has a cgroup id */
	uint32_t *pair_of;		/* sealing: thread -> cgroup pair */
	size_t pair_cap;
	struct buf col[NCOLS], raw;
	int nonzero[NCOLS];		/* a column holds a value other than 0 */
};

struct psysblock_builder *psysblock_builder_new(uint32_t cpu)
{
	struct psysblock_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->cpu = cpu;
	b->unit = b->next_unit = PSYSFILE_TIME_UNIT;
	for (int c = 0; c < COL_FLAGS; c++)
		b->nonzero[c] = 1;
	return b;
}

void psysblock_set_period(struct psysblock_builder *b, uint64_t ns)
{
	b->next_period = ns <= 1000000000ull ? ns : 0;
	if (!b->n)
		b->period = b->next_period;
}

void psysblock_set_time_unit(struct psysblock_builder *b, uint64_t ns)
{
	if (ns < 1 || ns > 1000000)
		return;
	b->next_unit = ns;
	if (!b->n)
		b->unit = ns;
}

uint32_t psysblock_count(const struct psysblock_builder *b)
{
	return b->n;
}

uint64_t psysblock_first_ns(const struct psysblock_builder *b)
{
	return b->n ? b->first_ns : 0;
}

size_t psysblock_builder_bytes(const struct psysblock_builder *b)
{
	size_t n = sizeof(*b) + b->threads_cap * sizeof(*b->threads) + b->strs.cap +
		   b->frames_cap * 8 + (b->stack_off_cap + b->stack_len_cap) * 4 +
		   b->ustr_cap * 4 + b->uids_cap * 4 +
		   (b->ustack_off_cap + b->ustack_len_cap) * 4 + b->raw.cap;
	const struct hmap *m[] = { &b->thread_map, &b->stack_map, &b->ustr_map,
				   &b->ustack_map };

	for (int i = 0; i < NCOLS; i++)
		n += b->col[i].cap;
	for (int i = 0; i < 4; i++)
		n += m[i]->cap * 12;
	return n;
}

static const char *bstr(const struct psysblock_builder *b, uint32_t off)
{
	return (const char *)b->strs.data + off;
}

/* Appends the string S (N bytes) and a NUL to strs; its offset in *OFF. */
static int put_str(struct psysblock_builder *b, const char *s, size_t n, uint32_t *off)
{
	if (b->strs.len + n + 1 > UINT32_MAX)
		return -ENOMEM;
	*off = (uint32_t)b->strs.len;
	buf_put(&b->strs, s, n);
	buf_put_u8(&b->strs, 0);
	return b->strs.err;
}

/* A thread is its pid, tid, comm and cgroups: a thread that renames
 * itself or moves to another cgroup is another entry, so every sample
 * keeps what was true when it was taken. */
struct thread_key {
	const struct psysblock_builder *b;
	uint32_t pid, tid;
	const char *comm;
	uint64_t cg2, cg1;
};

static int thread_is(const struct psysblock_builder *b, uint32_t id,
		     const struct thread_key *k)
{
	const struct bthread *t = &b->threads[id];

	return t->pid == k->pid && t->tid == k->tid && t->cg2 == k->cg2 &&
	       t->cg1 == k->cg1 && strcmp(bstr(b, t->comm), k->comm) == 0;
}

static int thread_eq(const void *ctx, uint32_t id)
{
	const struct thread_key *k = ctx;

	return thread_is(k->b, id, k);
}

static int64_t thread_id(struct psysblock_builder *b, const struct psysfile_sample *s)
{
	uint32_t last = b->last_thread;
	const char *comm = s->comm ? s->comm : "";
	struct thread_key k = { b, s->pid, s->tid, comm, s->cgroup_id, s->cgroup1_id };

	if (last && thread_is(b, last - 1, &k))
		return last - 1;

	size_t n = strlen(comm);
	uint64_t h = hash_bytes(comm, n, ((uint64_t)s->pid << 32 | s->tid) ^
					 s->cgroup_id * 0x9e3779b97f4a7c15ull ^ s->cgroup1_id);
	uint32_t id = hmap_get(&b->thread_map, h, thread_eq, &k);

	if (id != HMAP_NONE)
		return id;
	if (buf_grow((void **)&b->threads, &b->threads_cap, b->nthreads + 1,
		     sizeof(*b->threads)))
		return -ENOMEM;
	struct bthread *t = &b->threads[b->nthreads];
	size_t mark = b->strs.len;
	t->pid = s->pid;
	t->tid = s->tid;
	t->cg2 = s->cgroup_id;
	t->cg1 = s->cgroup1_id;
	if (put_str(b, comm, n, &t->comm) || hmap_put(&b->thread_map, h, b->nthreads)) {
		b->strs.len = mark;
		b->strs.err = 0;
		return -ENOMEM;
	}
	b->has_cgroups |= t->cg2 || t->cg1;
	return b->nthreads++;
}

/* Room for one more entry in a table kept as an offset and a length
 * array. Returns 0 or -ENOMEM. */
static int grow_pair(uint32_t **off, size_t *off_cap, uint32_t **len, size_t *len_cap,
		     size_t need)
{
	if (buf_grow((void **)off, off_cap, need, sizeof(**off)))
		return -ENOMEM;
	return buf_grow((void **)len, len_cap, need, sizeof(**len));
}

struct stack_key {
	const struct psysblock_builder *b;
	const uint64_t *frames;
	uint32_t n;
};

static int stack_eq(const void *ctx, uint32_t id)
{
	const struct stack_key *k = ctx;

	return k->b->stack_len[id] == k->n &&
	       memcmp(k->b->frames + k->b->stack_off[id], k->frames, k->n * 8) == 0;
}

static int64_t stack_id(struct psysblock_builder *b, const uint64_t *frames, uint32_t n)
{
	uint32_t last = b->last_stack;

	if (last && b->stack_len[last - 1] == n &&
	    memcmp(b->frames + b->stack_off[last - 1], frames, n * 8) == 0)
		return last - 1;

	struct stack_key k = { b, frames, n };
	uint64_t h = hash_u64s(frames, n, 0);
	uint32_t id = hmap_get(&b->stack_map, h, stack_eq, &k);

	if (id != HMAP_NONE)
		return id;
	if (grow_pair(&b->stack_off, &b->stack_off_cap, &b->stack_len, &b->stack_len_cap,
		      b->nstacks + 1) ||
	    buf_grow((void **)&b->frames, &b->frames_cap, b->nframes + n, sizeof(*b->frames)) ||
	    hmap_put(&b->stack_map, h, b->nstacks))
		return -ENOMEM;
	memcpy(b->frames + b->nframes, frames, n * 8);
	b->stack_off[b->nstacks] = (uint32_t)b->nframes;
	b->stack_len[b->nstacks] = n;
	b->nframes += n;
	return b->nstacks++;
}

struct ustr_key {
	const struct psysblock_builder *b;
	const char *s;
};

static int ustr_eq(const void *ctx, uint32_t id)
{
	const struct ustr_key *k = ctx;

	return strcmp(bstr(k->b, k->b->ustr[id]), k->s) == 0;
}

static int64_t ustr_id(struct psysblock_builder *b, const char *name)
{
	struct ustr_key k = { b, name };
	size_t n = strlen(name);
	uint64_t h = hash_bytes(name, n, 0x75);
	uint32_t id = hmap_get(&b->ustr_map, h, ustr_eq, &k);
	size_t mark = b->strs.len;

	if (id != HMAP_NONE)
		return id;
	if (buf_grow((void **)&b->ustr, &b->ustr_cap, b->nustr + 1, sizeof(*b->ustr)))
		return -ENOMEM;
	if (put_str(b, name, n, &b->ustr[b->nustr]) || hmap_put(&b->ustr_map, h, b->nustr)) {
		b->strs.len = mark;
		b->strs.err = 0;
		return -ENOMEM;
	}
	return b->nustr++;
}

struct ustack_key {
	const struct psysblock_builder *b;
	const uint32_t *ids;
	uint32_t n;
};

static int ustack_eq(const void *ctx, uint32_t id)
{
	const struct ustack_key *k = ctx;

	return k->b->ustack_len[id] == k->n &&
	       memcmp(k->b->uids + k->b->ustack_off[id], k->ids, k->n * 4) == 0;
}

static int64_t ustack_id(struct psysblock_builder *b, const char *const *names, uint32_t n)
{
	uint32_t ids[PSYSFILE_MAX_FRAMES];

	for (uint32_t i = 0; i < n; i++) {
		int64_t id = ustr_id(b, names[i] ? names[i] : "[unknown]");
		if (id < 0)
			return id;
		ids[i] = (uint32_t)id;
	}
	struct ustack_key k = { b, ids, n };
	uint64_t h = hash_bytes(ids, n * 4, 0x5u);
	uint32_t id = hmap_get(&b->ustack_map, h, ustack_eq, &k);

	if (id != HMAP_NONE)
		return id;
	if (grow_pair(&b->ustack_off, &b->ustack_off_cap, &b->ustack_len,
		      &b->ustack_len_cap, b->nustacks + 1) ||
	    buf_grow((void **)&b->uids, &b->uids_cap, b->nuids + n, sizeof(*b->uids)) ||
	    hmap_put(&b->ustack_map, h, b->nustacks))
		return -ENOMEM;
	memcpy(b->uids + b->nuids, ids, n * 4);
	b->ustack_off[b->nustacks] = (uint32_t)b->nuids;
	b->ustack_len[b->nustacks] = n;
	b->nuids += n;
	return b->nustacks++;
}

/* Nearest multiple of UNIT to D, counted in UNITs (D may be negative:
 * the ring buffer does not order samples exactly). */
static int64_t steps(int64_t d, uint64_t unit)
{
	uint64_t m = d >= 0 ? (uint64_t)d : -(uint64_t)d;
	int64_t k = (int64_t)((m + unit / 2) / unit);

	return d >= 0 ? k : -k;
}

int psysblock_add(struct psysblock_builder *b, const struct psysfile_sample *s)
{
	int64_t tid, sid = -1, uid = -1, q;
	size_t mark[NCOLS];

	if (s->nframes > PSYSFILE_MAX_FRAMES || s->nuframes > PSYSFILE_MAX_FRAMES)
		return -EINVAL;
	if (b->n >= BLOCK_MAX_SAMPLES)
		return -E2BIG;
	if ((tid = thread_id(b, s)) < 0)
		return (int)tid;
	if (s->nframes && (sid = stack_id(b, s->frames, s->nframes)) < 0)
		return (int)sid;
	if (s->nuframes && (uid = ustack_id(b, s->uframes, s->nuframes)) < 0)
		return (int)uid;
	if (b->n == 0) {
		b->unit = b->next_unit;
		b->period = b->next_period;
		b->base = b->first_ns = s->time_ns;
		b->last_q = 0;
		b->period_steps = (b->period + b->unit / 2) / b->unit;
	}
	/* Times as the step from the previous sample: the CPU ticks at the
	 * sampling period, so what is left after taking the period off is
	 * timer jitter, mostly one byte. Finer than the unit is jitter too. */
	q = steps((int64_t)(s->time_ns - b->base), b->unit);
	for (int c = 0; c < NCOLS; c++)
		mark[c] = b->col[c].len;
	buf_put_svarint(&b->col[COL_TIME],
			(int64_t)((uint64_t)q - (uint64_t)b->last_q - b->period_steps));
	buf_put_varint(&b->col[COL_THREAD], (uint64_t)tid);
	/* The stack and the low flag bits share a column: "user mode" and
	 * "no kernel stack" come together, and one column of their pairs
	 * compresses better than two. */
	buf_put_varint(&b->col[COL_STACK], (uint64_t)(sid + 1) << 3 | (s->flags & 7));
	buf_put_varint(&b->col[COL_FLAGS], s->flags >> 3);
	buf_put_varint(&b->col[COL_USTACK], (uint64_t)(uid + 1));
	b->nonzero[COL_FLAGS] |= s->flags >> 3 != 0;
	b->nonzero[COL_USTACK] |= uid >= 0;
	for (int c = 0; c < NCOLS; c++)
		if (b->col[c].err) {
			for (int k = 0; k < NCOLS; k++) {
				b->col[k].len = mark[k];
				b->col[k].err = 0;
			}
			return -ENOMEM;
		}
	b->last_q = q;
	b->last_thread = (uint32_t)tid + 1;
	if (sid >= 0)
		b->last_stack = (uint32_t)sid + 1;
	b->n++;
	return 0;
}

void psysblock_reset(struct psysblock_builder *b)
{
	b->n = 0;
	b->nthreads = b->nstacks = b->nustr = b->nustacks = 0;
	b->nframes = b->nuids = 0;
	b->last_thread = b->last_stack = 0;
	b->has_cgroups = 0;
	buf_reset(&b->strs);
	hmap_clear(&b->thread_map);
	hmap_clear(&b->stack_map);
	hmap_clear(&b->ustr_map);
	hmap_clear(&b->ustack_map);
	for (int c = 0; c < NCOLS; c++) {
		buf_reset(&b->col[c]);
		b->nonzero[c] = c < COL_FLAGS;
	}
}

/* Appends section TAG with body SEC to RAW. */
static void put_section(struct buf *raw, int tag, struct buf *sec)
{
	buf_put_varint(raw, tag);
	buf_put_bytes(raw, sec->data, sec->len);
	if (sec->err)
		raw->err = sec->err;
	buf_reset(sec);
}

static int encode(struct psysblock_builder *b, struct buf *raw)
{
	struct buf sec = { 0 };

	if (b->has_cgroups &&
	    buf_grow((void **)&b->pair_of, &b->pair_cap, b->nthreads, sizeof(*b->pair_of)))
		return -ENOMEM;

	buf_reset(raw);
	buf_put_varint(raw, b->cpu);
	buf_put_varint(raw, b->base);
	buf_put_varint(raw, b->unit);
	buf_put_varint(raw, b->period_steps);
	buf_put_varint(raw, b->n);
	buf_put_varint(&sec, b->nthreads);
	for (uint32_t i = 0; i < b->nthreads; i++) {
		const char *comm = bstr(b, b->threads[i].comm);

		buf_put_varint(&sec, b->threads[i].pid);
		buf_put_varint(&sec, b->threads[i].tid);
		buf_put_bytes(&sec, comm, strlen(comm));
	}
	put_section(raw, SEC_THREADS, &sec);
	if (b->has_cgroups) {
		/* Most threads share a few cgroups: each thread names a recent
		 * (v2, v1) pair by number, or gives a new one as steps from
		 * the last new one (siblings' ids are close). */
		uint64_t p2 = 0, p1 = 0;
		uint32_t *pair = b->pair_of;	/* thread -> pair number */
		uint32_t npairs = 0;

		buf_put_varint(&sec, b->nthreads);
		for (uint32_t i = 0; i < b->nthreads; i++) {
			const struct bthread *t = &b->threads[i];
			uint32_t k = 0;

			/* The 64 threads before it: the search stays short. */
			for (uint32_t j = i > 64 ? i - 64 : 0; j < i && !k; j++)
				if (b->threads[j].cg2 == t->cg2 && b->threads[j].cg1 == t->cg1)
					k = pair[j] + 1;
			buf_put_varint(&sec, k);
			if (k) {
				pair[i] = k - 1;
				continue;
			}
			buf_put_svarint(&sec, (int64_t)(t->cg2 - p2));
			buf_put_svarint(&sec, (int64_t)(t->cg1 - p1));
			p2 = t->cg2;
			p1 = t->cg1;
			pair[i] = npairs++;
		}
		put_section(raw, SEC_CGROUPS, &sec);
	}
	if (b->nstacks) {
		uint64_t first = 0;

		buf_put_varint(&sec, b->nstacks);
		for (uint32_t id = 0; id < b->nstacks; id++) {
			const uint64_t *f = b->frames + b->stack_off[id];
			uint32_t n = b->stack_len[id], ref = 0, shared = 0;

			/* Stacks share their callers: the root end is taken
			 * from the recent stack that shares most of it. */
			for (uint32_t j = id > 64 ? id - 64 : 0; j < id; j++) {
				const uint64_t *g = b->frames + b->stack_off[j];
				uint32_t m = b->stack_len[j], k = 0;

				while (k < n && k < m && f[n - 1 - k] == g[m - 1 - k])
					k++;
				if (k > shared) {
					shared = k;
					ref = j + 1;
				}
			}
			buf_put_varint(&sec, n - shared);
			buf_put_varint(&sec, ref);
			if (ref)
				buf_put_varint(&sec, shared);
			/* The rest, leaf first, each frame as the step from the
			 * one before (a caller sits near its callee); the first
			 * from the previous stack's first. */
			uint64_t prev = first;
			for (uint32_t i = 0; i < n - shared; i++) {
				buf_put_svarint(&sec, (int64_t)(f[i] - prev));
				prev = f[i];
			}
			first = f[0];
		}
		put_section(raw, SEC_STACKS, &sec);
	}
	if (b->nustr) {
		buf_put_varint(&sec, b->nustr);
		for (uint32_t i = 0; i < b->nustr; i++)
			buf_put_bytes(&sec, bstr(b, b->ustr[i]), strlen(bstr(b, b->ustr[i])));
		put_section(raw, SEC_USTRINGS, &sec);
		buf_put_varint(&sec, b->nustacks);
		for (uint32_t id = 0; id < b->nustacks; id++) {
			buf_put_varint(&sec, b->ustack_len[id]);
			for (uint32_t i = 0; i < b->ustack_len[id]; i++)
				buf_put_varint(&sec, b->uids[b->ustack_off[id] + i]);
		}
		put_section(raw, SEC_USTACKS, &sec);
	}
	/* Columns, not rows: each column on its own is regular, which is
	 * what zstd compresses well. A column of zeros is left empty. */
	for (int c = 0; c < NCOLS; c++)
		buf_put_bytes(&sec, b->col[c].data, b->nonzero[c] ? b->col[c].len : 0);
	put_section(raw, SEC_SAMPLES, &sec);
	buf_free(&sec);
	return raw->err;
}

/* Gives back the builder's memory: a builder per CPU waits most of the
 * time, and then holds only what its open block needs. */
static void release(struct psysblock_builder *b)
{
	free(b->threads);
	free(b->pair_of);
	b->threads = NULL;
	b->pair_of = NULL;
	b->threads_cap = b->pair_cap = 0;
	buf_free(&b->strs);
	free(b->frames);
	b->frames = NULL;
	b->frames_cap = 0;
	free(b->stack_off);
	free(b->stack_len);
	b->stack_off = b->stack_len = NULL;
	b->stack_off_cap = b->stack_len_cap = 0;
	free(b->ustr);
	b->ustr = NULL;
	b->ustr_cap = 0;
	free(b->uids);
	b->uids = NULL;
	b->uids_cap = 0;
	free(b->ustack_off);
	free(b->ustack_len);
	b->ustack_off = b->ustack_len = NULL;
	b->ustack_off_cap = b->ustack_len_cap = 0;
	hmap_free(&b->thread_map);
	hmap_free(&b->stack_map);
	hmap_free(&b->ustr_map);
	hmap_free(&b->ustack_map);
	for (int c = 0; c < NCOLS; c++)
		buf_free(&b->col[c]);
	buf_free(&b->raw);
}

int psysblock_seal(struct psysblock_builder *b, void *cctx, int level,
		   struct psysblock **out)
{
	struct psysblock *blk;
	int err;

	*out = NULL;
	if (!b->n)
		return 0;
	if ((err = encode(b, &b->raw)))
		return err;
	size_t bound = ZSTD_compressBound(b->raw.len);
	if (!(blk = malloc(sizeof(*blk) + bound)))
		return -ENOMEM;
	ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
	size_t n = ZSTD_compress2(cctx, blk->data, bound, b->raw.data, b->raw.len);
	if (ZSTD_isError(n)) {
		free(blk);
		return -EIO;
	}
	/* Held for long in the ring: give back the compression margin. */
	struct psysblock *fit = realloc(blk, sizeof(*blk) + n);
	if (fit)
		blk = fit;
	blk->cpu = b->cpu;
	blk->nsamples = b->n;
	blk->first_ns = b->first_ns;
	blk->last_ns = b->base + (uint64_t)b->last_q * b->unit;
	blk->raw_len = (uint32_t)b->raw.len;
	blk->len = (uint32_t)n;
	psysblock_reset(b);
	release(b);
	*out = blk;
	return 0;
}

void psysblock_builder_free(struct psysblock_builder *b)
{
	if (!b)
		return;
	release(b);
	free(b);
}

