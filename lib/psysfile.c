/* The .psys container: writer and reader. See psysfile.h for the API and
 * docs/FORMAT.md for the bytes. */
#include "psysfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "hmap.h"

static const unsigned char file_magic[8] = { 0x89, 'P', 'S', 'Y', 'S', '\r', '\n', 0x1a };
#define FILE_HDR_SIZE 16
static const unsigned char rec_sync[4] = { 'P', 'S', 'Y', 'R' };
#define REC_HDR_SIZE 20
enum { REC_HEADER = 1, REC_DATA = 2, REC_TRAILER = 3 };
#define REC_ZSTD 0x1
#define MAX_PAYLOAD (64u << 20)
#define MAX_RAW (256u << 20)
enum { SEC_THREADS = 1, SEC_SYMBOLS = 2, SEC_STACKS = 3, SEC_SAMPLES = 4,
       SEC_USTRINGS = 5, SEC_USTACKS = 6 };
enum { COL_TIME, COL_CPU, COL_THREAD, COL_STACK, COL_FLAGS, COL_USTACK, NCOLS };
/* Columns every samples section has; later ones are optional. */
#define NCOLS_V1_0 5
/* A record holds at most this many samples, so memory stays bounded even
 * when the caller flushes late. */
#define FLUSH_SAMPLES 65536
#define MAX_CPU 65535

static void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static uint16_t get_le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The record header checks itself (bytes 0-5 and 8-19, low 16 bits of a
 * CRC-32), so a damaged length is caught before it is trusted. */
static uint16_t rec_hdr_check(const unsigned char *h)
{
	uLong c = crc32(0, h, 6);

	return (uint16_t)crc32(c, h + 8, REC_HDR_SIZE - 8);
}

/* Room for NEED entries in a stack table's offset and length arrays,
 * which share one capacity: growing both from the same capacity gives
 * them the same new one. Returns 0 or -ENOMEM. */
static int grow_stacks(uint64_t **off, uint32_t **len, size_t *cap, size_t need)
{
	size_t c = *cap;

	if (buf_grow((void **)off, &c, need, sizeof(**off)))
		return -ENOMEM;
	return buf_grow((void **)len, cap, need, sizeof(**len));
}

/* ---------------------------------------------------------------- writer */

struct thread {
	uint32_t pid, tid;
	char *comm;
};

struct psysfile_writer {
	int fd, dirfd, sync, level, finished;
	uint64_t offset;	/* end of the last complete record */
	const struct ksyms *ksyms;
	ZSTD_CCtx *cctx;

	struct thread *threads;
	uint32_t nthreads, threads_new;
	size_t threads_cap;
	struct hmap thread_map;

	uint64_t *frames;	/* every stack's frames, end to end */
	size_t nframes, frames_cap;
	uint64_t *stack_off;
	uint32_t *stack_len;
	uint32_t nstacks, stacks_new;
	size_t stacks_cap;
	struct hmap stack_map;

	struct hmap sym_done;	/* symbol start address -> emitted */
	uint64_t nsymbols;

	/* User stacks: interned frame names, and stacks of name ids. */
	char **ustr;
	uint32_t nustr, ustr_new;
	size_t ustr_cap;
	struct hmap ustr_map;
	uint32_t *uids;		/* every user stack's name ids, end to end */
	size_t nuids, uids_cap;
	uint64_t *ustack_off;
	uint32_t *ustack_len;
	uint32_t nustacks, ustacks_new;
	size_t ustacks_cap;
	struct hmap ustack_map;

	struct buf col[NCOLS];
	uint32_t npending;
	uint64_t base_time;
	uint64_t time_unit;	/* ns per stored time step */
	uint64_t period;	/* expected step between a CPU's samples, ns */
	uint64_t period_steps;	/* ...in time units, for the record being built */
	int64_t *cpu_last;	/* per CPU: its previous sample, in steps */
	uint32_t *cpu_gen;	/* ...valid when equal to gen */
	/* Per CPU: the thread and kernel stack of its previous sample (id +
	 * 1, 0 for none). A busy CPU repeats both often, and checking them
	 * costs less than hashing and probing. */
	uint32_t *cpu_thread, *cpu_stack;
	size_t ncpu;
	uint32_t gen;

	struct buf raw, sec, out;
	uint64_t samples, bytes;
};

void psysfile_set_level(struct psysfile_writer *w, int level)
{
	w->level = level;
}

void psysfile_set_sync(struct psysfile_writer *w, int on)
{
	w->sync = on;
}

void psysfile_set_period(struct psysfile_writer *w, uint64_t ns)
{
	w->period = ns <= 1000000000ull ? ns : 0;
}

void psysfile_set_time_unit(struct psysfile_writer *w, uint64_t ns)
{
	/* Takes effect at the next record, which carries its own unit. */
	if (ns >= 1 && ns <= 1000000)
		w->time_unit = ns;
}

uint64_t psysfile_samples(const struct psysfile_writer *w)
{
	return w->samples - w->npending;
}

uint64_t psysfile_discard(struct psysfile_writer *w)
{
	uint64_t n = w->npending;

	for (int c = 0; c < NCOLS; c++)
		buf_reset(&w->col[c]);
	w->samples -= n;
	w->npending = 0;
	w->gen++;
	return n;
}

uint64_t psysfile_bytes(const struct psysfile_writer *w)
{
	return w->bytes;
}

uint64_t psysfile_stacks(const struct psysfile_writer *w)
{
	return w->nstacks;
}

uint64_t psysfile_symbols(const struct psysfile_writer *w)
{
	return w->nsymbols;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t k = write(fd, s, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		s += k;
		n -= k;
	}
	return 0;
}

/* Appends one record. On failure cuts the file back to the last complete
 * record, so a full disk never leaves half a record behind. */
static int write_record(struct psysfile_writer *w, int type, int flags,
			const void *payload, size_t len, size_t raw_len)
{
	unsigned char h[REC_HDR_SIZE];
	int err;

	memcpy(h, rec_sync, 4);
	h[4] = type;
	h[5] = flags;
	put_le32(h + 8, len);
	put_le32(h + 12, raw_len);
	put_le32(h + 16, crc32(0, payload, len));
	put_le16(h + 6, rec_hdr_check(h));
	if ((err = write_all(w->fd, h, sizeof(h))) ||
	    (err = write_all(w->fd, payload, len))) {
		if (ftruncate(w->fd, w->offset) == 0)
			lseek(w->fd, w->offset, SEEK_SET);
		return err;
	}
	w->offset += sizeof(h) + len;
	w->bytes = w->offset;
	if (w->sync && fdatasync(w->fd))
		return -errno;
	return 0;
}

static int write_json(struct psysfile_writer *w, int type, const json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	int err;

	if (!s)
		return -ENOMEM;
	err = write_record(w, type, 0, s, strlen(s), strlen(s));
	free(s);
	return err;
}

int psysfile_create(int dirfd, const char *path, const json_t *header,
		    const struct ksyms *ksyms, struct psysfile_writer **out)
{
	struct psysfile_writer *w = calloc(1, sizeof(*w));
	unsigned char fh[FILE_HDR_SIZE] = { 0 };
	int err;

	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->sync = 1;
	/* Level 3: the benchmark found zstd a fifth of the recorder's CPU at
	 * 6, for about 2% of the size. */
	w->level = 3;
	w->time_unit = PSYSFILE_TIME_UNIT;
	w->ksyms = ksyms;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx) {
		err = -ENOMEM;
		goto fail;
	}
	/* Kernel addresses defeat KASLR: owner-only, and never through a
	 * link someone planted. */
	w->fd = openat(dirfd, path,
		       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		err = -errno;
		goto fail;
	}
	memcpy(fh, file_magic, 8);
	put_le16(fh + 8, PSYSFILE_VERSION_MAJOR);
	put_le16(fh + 10, PSYSFILE_VERSION_MINOR);
	if ((err = write_all(w->fd, fh, sizeof(fh))))
		goto fail_unlink;
	w->offset = sizeof(fh);
	if ((err = write_json(w, REC_HEADER, header)))
		goto fail_unlink;
	*out = w;
	return 0;

fail_unlink:
	/* Nothing worth keeping was written: do not leave a stub behind. */
	unlinkat(dirfd, path, 0);
fail:
	psysfile_writer_free(w);
	return err;
}

struct thread_key {
	const struct psysfile_writer *w;
	uint32_t pid, tid;
	const char *comm;
};

static int thread_eq(const void *ctx, uint32_t id)
{
	const struct thread_key *k = ctx;
	const struct thread *t = &k->w->threads[id];

	return t->pid == k->pid && t->tid == k->tid && strcmp(t->comm, k->comm) == 0;
}

static int64_t thread_id(struct psysfile_writer *w, const struct psysfile_sample *s)
{
	const char *comm = s->comm ? s->comm : "";
	struct thread_key k = { w, s->pid, s->tid, comm };
	uint64_t h = hash_bytes(comm, strlen(comm), (uint64_t)s->pid << 32 | s->tid);
	uint32_t id = hmap_get(&w->thread_map, h, thread_eq, &k);

	if (id != HMAP_NONE)
		return id;
	if (buf_grow((void **)&w->threads, &w->threads_cap, w->nthreads + 1,
		     sizeof(*w->threads)))
		return -ENOMEM;
	struct thread *t = &w->threads[w->nthreads];
	t->pid = s->pid;
	t->tid = s->tid;
	t->comm = strdup(comm);
	if (!t->comm || hmap_put(&w->thread_map, h, w->nthreads)) {
		free(t->comm);
		return -ENOMEM;
	}
	return w->nthreads++;
}

struct stack_key {
	const struct psysfile_writer *w;
	const uint64_t *frames;
	uint32_t n;
};

static int stack_eq(const void *ctx, uint32_t id)
{
	const struct stack_key *k = ctx;

	return k->w->stack_len[id] == k->n &&
	       memcmp(k->w->frames + k->w->stack_off[id], k->frames,
		      k->n * sizeof(uint64_t)) == 0;
}

static int64_t stack_id(struct psysfile_writer *w, const uint64_t *frames, uint32_t n)
{
	struct stack_key k = { w, frames, n };
	uint64_t h = hash_u64s(frames, n, 0);
	uint32_t id = hmap_get(&w->stack_map, h, stack_eq, &k);

	if (id != HMAP_NONE)
		return id;
	if (grow_stacks(&w->stack_off, &w->stack_len, &w->stacks_cap, w->nstacks + 1))
		return -ENOMEM;
	if (buf_grow((void **)&w->frames, &w->frames_cap, w->nframes + n, sizeof(*w->frames)))
		return -ENOMEM;
	memcpy(w->frames + w->nframes, frames, n * sizeof(uint64_t));
	w->stack_off[w->nstacks] = w->nframes;
	w->stack_len[w->nstacks] = n;
	if (hmap_put(&w->stack_map, h, w->nstacks))
		return -ENOMEM;
	w->nframes += n;
	return w->nstacks++;
}

struct ustr_key {
	const struct psysfile_writer *w;
	const char *s;
};

static int ustr_eq(const void *ctx, uint32_t id)
{
	const struct ustr_key *k = ctx;

	return strcmp(k->w->ustr[id], k->s) == 0;
}

static int64_t ustr_id(struct psysfile_writer *w, const char *name)
{
	struct ustr_key k = { w, name };
	uint64_t h = hash_bytes(name, strlen(name), 0x75);
	uint32_t id = hmap_get(&w->ustr_map, h, ustr_eq, &k);

	if (id != HMAP_NONE)
		return id;
	if (buf_grow((void **)&w->ustr, &w->ustr_cap, w->nustr + 1, sizeof(*w->ustr)))
		return -ENOMEM;
	w->ustr[w->nustr] = strdup(name);
	if (!w->ustr[w->nustr] || hmap_put(&w->ustr_map, h, w->nustr)) {
		free(w->ustr[w->nustr]);
		return -ENOMEM;
	}
	return w->nustr++;
}

struct ustack_key {
	const struct psysfile_writer *w;
	const uint32_t *ids;
	uint32_t n;
};

static int ustack_eq(const void *ctx, uint32_t id)
{
	const struct ustack_key *k = ctx;

	return k->w->ustack_len[id] == k->n &&
	       memcmp(k->w->uids + k->w->ustack_off[id], k->ids, k->n * sizeof(uint32_t)) == 0;
}

static int64_t ustack_id(struct psysfile_writer *w, const char *const *names, uint32_t n)
{
	uint32_t ids[PSYSFILE_MAX_FRAMES];

	for (uint32_t i = 0; i < n; i++) {
		int64_t id = ustr_id(w, names[i] ? names[i] : "[unknown]");
		if (id < 0)
			return id;
		ids[i] = (uint32_t)id;
	}
	struct ustack_key k = { w, ids, n };
	uint64_t h = hash_bytes(ids, n * sizeof(uint32_t), 0x5u);
	uint32_t id = hmap_get(&w->ustack_map, h, ustack_eq, &k);
	if (id != HMAP_NONE)
		return id;
	if (grow_stacks(&w->ustack_off, &w->ustack_len, &w->ustacks_cap, w->nustacks + 1))
		return -ENOMEM;
	if (buf_grow((void **)&w->uids, &w->uids_cap, w->nuids + n, sizeof(*w->uids)))
		return -ENOMEM;
	memcpy(w->uids + w->nuids, ids, n * sizeof(uint32_t));
	w->ustack_off[w->nustacks] = w->nuids;
	w->ustack_len[w->nustacks] = n;
	if (hmap_put(&w->ustack_map, h, w->nustacks))
		return -ENOMEM;
	w->nuids += n;
	return w->nustacks++;
}

/* Nearest multiple of UNIT to D, counted in UNITs (D may be negative:
 * the ring buffer does not order samples of different CPUs exactly). */
static int64_t steps(int64_t d, uint64_t unit)
{
	int64_t u = (int64_t)unit;

	return d >= 0 ? (d + u / 2) / u : -((-d + u / 2) / u);
}

int psysfile_add(struct psysfile_writer *w, const struct psysfile_sample *s)
{
	int64_t tid, sid = -1, uid = -1, q, prev;
	int err;

	if (s->cpu > MAX_CPU || s->nframes > PSYSFILE_MAX_FRAMES ||
	    s->nuframes > PSYSFILE_MAX_FRAMES)
		return -EINVAL;
	if (s->cpu >= w->ncpu) {
		size_t n = s->cpu + 1;
		int64_t *last = realloc(w->cpu_last, n * sizeof(*last));
		if (!last)
			return -ENOMEM;
		w->cpu_last = last;
		uint32_t *gen = realloc(w->cpu_gen, n * sizeof(*gen));
		if (!gen)
			return -ENOMEM;
		memset(gen + w->ncpu, 0xff, (n - w->ncpu) * sizeof(*gen));
		w->cpu_gen = gen;
		uint32_t *ct = realloc(w->cpu_thread, n * sizeof(*ct));
		if (!ct)
			return -ENOMEM;
		w->cpu_thread = ct;
		uint32_t *cs = realloc(w->cpu_stack, n * sizeof(*cs));
		if (!cs)
			return -ENOMEM;
		w->cpu_stack = cs;
		memset(ct + w->ncpu, 0, (n - w->ncpu) * sizeof(*ct));
		memset(cs + w->ncpu, 0, (n - w->ncpu) * sizeof(*cs));
		w->ncpu = n;
	}
	/* The CPU's previous thread and stack first, then the tables. */
	uint32_t ct = w->cpu_thread[s->cpu], cs = w->cpu_stack[s->cpu];
	const char *comm = s->comm ? s->comm : "";
	if (ct && w->threads[ct - 1].pid == s->pid && w->threads[ct - 1].tid == s->tid &&
	    strcmp(w->threads[ct - 1].comm, comm) == 0)
		tid = ct - 1;
	else if ((tid = thread_id(w, s)) < 0)
		return (int)tid;
	if (!s->nframes)
		sid = -1;
	else if (cs && w->stack_len[cs - 1] == s->nframes &&
		 memcmp(w->frames + w->stack_off[cs - 1], s->frames,
			s->nframes * sizeof(uint64_t)) == 0)
		sid = cs - 1;
	else if ((sid = stack_id(w, s->frames, s->nframes)) < 0)
		return (int)sid;
	if (s->nuframes && (uid = ustack_id(w, s->uframes, s->nuframes)) < 0)
		return (int)uid;
	w->cpu_thread[s->cpu] = (uint32_t)tid + 1;
	if (sid >= 0)
		w->cpu_stack[s->cpu] = (uint32_t)sid + 1;

	if (w->npending == 0) {
		w->base_time = s->time_ns;
		w->period_steps = (w->period + w->time_unit / 2) / w->time_unit;
	}
	/* Times as the step from the same CPU's previous sample: each CPU
	 * ticks at the sampling period, so steps repeat and compress. Steps
	 * are whole time units: finer digits are timer jitter (microseconds
	 * on a VM), which costs bytes and says nothing. */
	q = steps((int64_t)(s->time_ns - w->base_time), w->time_unit);
	prev = w->cpu_gen[s->cpu] == w->gen ? w->cpu_last[s->cpu] : 0;
	w->cpu_gen[s->cpu] = w->gen;
	w->cpu_last[s->cpu] = q;
	/* Less the sampling period: what is left is timer jitter, small
	 * numbers of one byte rather than ~period-sized ones of two. */
	buf_put_svarint(&w->col[COL_TIME], q - prev - (int64_t)w->period_steps);
	buf_put_varint(&w->col[COL_CPU], s->cpu);
	buf_put_varint(&w->col[COL_THREAD], (uint64_t)tid);
	/* The stack and the low flag bits share a column: "user mode" and
	 * "no kernel stack" come together, and one column of their pairs
	 * compresses better than two columns. */
	buf_put_varint(&w->col[COL_STACK], (uint64_t)(sid + 1) << 3 | (s->flags & 7));
	buf_put_varint(&w->col[COL_FLAGS], s->flags >> 3);
	buf_put_varint(&w->col[COL_USTACK], (uint64_t)(uid + 1));
	for (int c = 0; c < NCOLS; c++)
		if (w->col[c].err)
			return w->col[c].err;
	w->npending++;
	w->samples++;
	if (w->npending >= FLUSH_SAMPLES && (err = psysfile_flush(w)))
		return err;
	return 0;
}

/* Appends section TAG with the body in w->sec to w->raw. */
static void put_section(struct psysfile_writer *w, int tag)
{
	buf_put_varint(&w->raw, tag);
	buf_put_bytes(&w->raw, w->sec.data, w->sec.len);
	if (w->sec.err)
		w->raw.err = w->sec.err;
	buf_reset(&w->sec);
}

/* The symbols that the stacks new in this record are the first to use. */
static int encode_symbols(struct psysfile_writer *w)
{
	uint64_t count = 0, prev = 0;
	struct buf body = { 0 };

	if (!w->ksyms)
		return 0;
	for (uint32_t id = w->stacks_new; id < w->nstacks; id++) {
		const uint64_t *f = w->frames + w->stack_off[id];

		for (uint32_t i = 0; i < w->stack_len[id]; i++) {
			/* Callers are return addresses: look up the call. */
			const struct ksym *k = ksyms_lookup(w->ksyms, f[i] - (i > 0));

			if (!k || hmap_get(&w->sym_done, k->addr, NULL, NULL) != HMAP_NONE)
				continue;
			if (hmap_put(&w->sym_done, k->addr, 0)) {
				buf_free(&body);
				return -ENOMEM;
			}
			buf_put_svarint(&body, (int64_t)(k->addr - prev));
			buf_put_varint(&body, k->end - k->addr);
			buf_put_bytes(&body, k->name, strlen(k->name));
			buf_put_bytes(&body, k->module ? k->module : "",
				      k->module ? strlen(k->module) : 0);
			buf_put_u8(&body, (uint8_t)k->type);
			prev = k->addr;
			count++;
		}
	}
	if (count) {
		buf_put_varint(&w->sec, count);
		buf_put(&w->sec, body.data, body.len);
		if (body.err)
			w->sec.err = body.err;
		put_section(w, SEC_SYMBOLS);
		w->nsymbols += count;
	}
	buf_free(&body);
	return w->raw.err;
}

int psysfile_flush(struct psysfile_writer *w)
{
	int err;

	if (w->npending == 0)
		return 0;
	if (w->fd < 0)
		return -EBADF;
	buf_reset(&w->raw);
	if (w->threads_new < w->nthreads) {
		buf_put_varint(&w->sec, w->nthreads - w->threads_new);
		for (uint32_t i = w->threads_new; i < w->nthreads; i++) {
			buf_put_varint(&w->sec, w->threads[i].pid);
			buf_put_varint(&w->sec, w->threads[i].tid);
			buf_put_bytes(&w->sec, w->threads[i].comm,
				      strlen(w->threads[i].comm));
		}
		put_section(w, SEC_THREADS);
	}
	if ((err = encode_symbols(w)))
		return err;
	if (w->stacks_new < w->nstacks) {
		buf_put_varint(&w->sec, w->nstacks - w->stacks_new);
		for (uint32_t id = w->stacks_new; id < w->nstacks; id++) {
			const uint64_t *f = w->frames + w->stack_off[id];
			uint64_t prev = 0;

			buf_put_varint(&w->sec, w->stack_len[id]);
			for (uint32_t i = 0; i < w->stack_len[id]; i++) {
				buf_put_svarint(&w->sec, (int64_t)(f[i] - prev));
				prev = f[i];
			}
		}
		put_section(w, SEC_STACKS);
	}
	if (w->ustr_new < w->nustr) {
		buf_put_varint(&w->sec, w->nustr - w->ustr_new);
		for (uint32_t i = w->ustr_new; i < w->nustr; i++)
			buf_put_bytes(&w->sec, w->ustr[i], strlen(w->ustr[i]));
		put_section(w, SEC_USTRINGS);
	}
	if (w->ustacks_new < w->nustacks) {
		buf_put_varint(&w->sec, w->nustacks - w->ustacks_new);
		for (uint32_t id = w->ustacks_new; id < w->nustacks; id++) {
			buf_put_varint(&w->sec, w->ustack_len[id]);
			for (uint32_t i = 0; i < w->ustack_len[id]; i++)
				buf_put_varint(&w->sec, w->uids[w->ustack_off[id] + i]);
		}
		put_section(w, SEC_USTACKS);
	}
	buf_put_varint(&w->sec, w->npending);
	buf_put_varint(&w->sec, w->base_time);
	buf_put_varint(&w->sec, w->time_unit);
	for (int c = 0; c < NCOLS; c++)
		buf_put_bytes(&w->sec, w->col[c].data, w->col[c].len);
	/* Added after the columns so that readers without it still read the
	 * record; absent means 0. */
	buf_put_varint(&w->sec, w->period_steps);
	put_section(w, SEC_SAMPLES);
	if (w->raw.err)
		return w->raw.err;

	size_t bound = ZSTD_compressBound(w->raw.len);
	buf_reset(&w->out);
	if ((err = buf_reserve(&w->out, bound)))
		return err;
	ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_and_parameters);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 0);
	size_t n = ZSTD_compress2(w->cctx, w->out.data, bound, w->raw.data, w->raw.len);
	if (ZSTD_isError(n))
		return -EIO;
	if ((err = write_record(w, REC_DATA, REC_ZSTD, w->out.data, n, w->raw.len)))
		return err;

	/* Only now are the new threads and stacks on disk. */
	w->threads_new = w->nthreads;
	w->stacks_new = w->nstacks;
	w->ustr_new = w->nustr;
	w->ustacks_new = w->nustacks;
	for (int c = 0; c < NCOLS; c++)
		buf_reset(&w->col[c]);
	w->npending = 0;
	w->gen++;
	return 0;
}

int psysfile_finish(struct psysfile_writer *w, const json_t *trailer)
{
	int err;

	if ((err = psysfile_flush(w)) || (err = write_json(w, REC_TRAILER, trailer)))
		return err;
	if (fsync(w->fd))
		return -errno;
	err = close(w->fd) ? -errno : 0;
	w->fd = -1;
	w->finished = 1;
	return err;
}

void psysfile_writer_free(struct psysfile_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	for (uint32_t i = 0; i < w->nthreads; i++)
		free(w->threads[i].comm);
	free(w->threads);
	hmap_free(&w->thread_map);
	free(w->frames);
	free(w->stack_off);
	free(w->stack_len);
	hmap_free(&w->stack_map);
	hmap_free(&w->sym_done);
	for (uint32_t i = 0; i < w->nustr; i++)
		free(w->ustr[i]);
	free(w->ustr);
	hmap_free(&w->ustr_map);
	free(w->uids);
	free(w->ustack_off);
	free(w->ustack_len);
	hmap_free(&w->ustack_map);
	for (int c = 0; c < NCOLS; c++)
		buf_free(&w->col[c]);
	free(w->cpu_last);
	free(w->cpu_gen);
	free(w->cpu_thread);
	free(w->cpu_stack);
	buf_free(&w->raw);
	buf_free(&w->sec);
	buf_free(&w->out);
	free(w);
}

/* ---------------------------------------------------------------- reader */

struct rthread {
	uint32_t pid, tid;
	size_t comm;		/* offset in strings */
};

struct psysfile_reader {
	unsigned char *data;
	size_t len, pos;

	json_t *header, *trailer;
	struct ksyms *ksyms;
	int ksyms_dirty;
	ZSTD_DCtx *dctx;

	struct rthread *threads;
	uint32_t nthreads;
	size_t threads_cap;
	struct buf strings;
	uint64_t *frames;
	size_t nframes, frames_cap;
	uint64_t *stack_off;
	uint32_t *stack_len;
	uint32_t nstacks;
	size_t stacks_cap;

	char **ustr;		/* user frame names, each its own allocation */
	uint32_t nustr;
	size_t ustr_cap;
	const char **uptr;	/* every user stack's names, end to end */
	size_t nuptr, uptr_cap;
	uint64_t *ustack_off;
	uint32_t *ustack_len;
	uint32_t nustacks;
	size_t ustacks_cap;

	/* The data record being read. */
	struct buf rec;
	struct cursor col[NCOLS];
	uint64_t left, base_time, time_unit, period_steps;
	int64_t *cpu_last;
	uint32_t *cpu_gen;
	size_t ncpu;
	uint32_t gen;

	struct psysfile_stats stats;
};

static int add_thread(struct psysfile_reader *r, uint32_t pid, uint32_t tid,
		      const unsigned char *comm, size_t n)
{
	if (buf_grow((void **)&r->threads, &r->threads_cap, r->nthreads + 1,
		     sizeof(*r->threads)))
		return -ENOMEM;
	/* A comm is a C string: an embedded NUL ends it. */
	const unsigned char *nul = memchr(comm, 0, n);
	if (nul)
		n = nul - comm;
	r->threads[r->nthreads].pid = pid;
	r->threads[r->nthreads].tid = tid;
	r->threads[r->nthreads].comm = r->strings.len;
	buf_put(&r->strings, comm, n);
	buf_put_u8(&r->strings, 0);
	if (r->strings.err)
		return r->strings.err;
	r->nthreads++;
	return 0;
}

static int parse_threads(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t count, pid, tid;
	const unsigned char *comm;
	size_t n;
	int err;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	while (count--) {
		if (cursor_varint(c, &pid) || cursor_varint(c, &tid) ||
		    cursor_bytes(c, &comm, &n) || pid > UINT32_MAX || tid > UINT32_MAX)
			return -EBADMSG;
		if ((err = add_thread(r, pid, tid, comm, n)))
			return err;
	}
	return 0;
}

static int parse_symbols(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t count, size, prev = 0;
	int64_t delta;
	const unsigned char *name, *mod;
	size_t name_len, mod_len;
	int err;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	while (count--) {
		if (cursor_svarint(c, &delta) || cursor_varint(c, &size) ||
		    cursor_bytes(c, &name, &name_len) ||
		    cursor_bytes(c, &mod, &mod_len) || cursor_left(c) < 1)
			return -EBADMSG;
		char type = (char)*c->p++;
		uint64_t addr = prev + (uint64_t)delta;
		prev = addr;
		/* A symbol needs a name and an extent that does not wrap;
		 * names with NUL bytes would be cut, so they are refused. */
		if (!name_len || !size || addr + size < addr ||
		    memchr(name, 0, name_len) || memchr(mod, 0, mod_len))
			return -EBADMSG;
		if ((err = ksyms_add(r->ksyms, addr, addr + size, (const char *)name,
				     name_len, mod_len ? (const char *)mod : NULL,
				     mod_len, type)))
			return err;
		r->ksyms_dirty = 1;
	}
	return 0;
}

static int parse_stacks(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t count, n;
	int64_t delta;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	while (count--) {
		uint64_t prev = 0;

		if (cursor_varint(c, &n) || n == 0 || n > PSYSFILE_MAX_FRAMES ||
		    n > cursor_left(c))
			return -EBADMSG;
		if (grow_stacks(&r->stack_off, &r->stack_len, &r->stacks_cap, r->nstacks + 1))
			return -ENOMEM;
		if (buf_grow((void **)&r->frames, &r->frames_cap, r->nframes + n, sizeof(*r->frames)))
			return -ENOMEM;
		for (uint64_t i = 0; i < n; i++) {
			if (cursor_svarint(c, &delta))
				return -EBADMSG;
			prev += (uint64_t)delta;
			r->frames[r->nframes + i] = prev;
		}
		r->stack_off[r->nstacks] = r->nframes;
		r->stack_len[r->nstacks] = n;
		r->nframes += n;
		r->nstacks++;
	}
	return 0;
}

static int parse_ustrings(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t count;
	const unsigned char *p;
	size_t n;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	while (count--) {
		if (cursor_bytes(c, &p, &n) || memchr(p, 0, n))
			return -EBADMSG;
		if (buf_grow((void **)&r->ustr, &r->ustr_cap, r->nustr + 1, sizeof(*r->ustr)))
			return -ENOMEM;
		if (!(r->ustr[r->nustr] = strndup((const char *)p, n)))
			return -ENOMEM;
		r->nustr++;
	}
	return 0;
}

static int parse_ustacks(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t count, n, id;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	while (count--) {
		if (cursor_varint(c, &n) || n == 0 || n > PSYSFILE_MAX_FRAMES ||
		    n > cursor_left(c))
			return -EBADMSG;
		if (grow_stacks(&r->ustack_off, &r->ustack_len, &r->ustacks_cap, r->nustacks + 1))
			return -ENOMEM;
		if (buf_grow((void **)&r->uptr, &r->uptr_cap, r->nuptr + n, sizeof(*r->uptr)))
			return -ENOMEM;
		for (uint64_t i = 0; i < n; i++) {
			/* Names must be defined before the stacks using them. */
			if (cursor_varint(c, &id) || id >= r->nustr)
				return -EBADMSG;
			r->uptr[r->nuptr + i] = r->ustr[id];
		}
		r->ustack_off[r->nustacks] = r->nuptr;
		r->ustack_len[r->nustacks] = n;
		r->nuptr += n;
		r->nustacks++;
	}
	return 0;
}

static int parse_samples(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t n, base, unit;

	if (cursor_varint(c, &n) || cursor_varint(c, &base) ||
	    cursor_varint(c, &unit) || unit < 1 || unit > 1000000)
		return -EBADMSG;
	for (int i = 0; i < NCOLS; i++) {
		const unsigned char *p = NULL;
		size_t len = 0;

		/* Columns added after 1.0 may be missing: read as zeros. */
		if (i >= NCOLS_V1_0 && !cursor_left(c)) {
			r->col[i].p = r->col[i].end = NULL;
			continue;
		}
		if (cursor_bytes(c, &p, &len))
			return -EBADMSG;
		r->col[i].p = p;
		r->col[i].end = p + len;
	}
	/* Then, optionally, the sampling period in time units, taken off
	 * each time step by the writer. */
	r->period_steps = 0;
	if (cursor_left(c) && (cursor_varint(c, &r->period_steps) ||
			       r->period_steps > 1000000000ull / unit))
		return -EBADMSG;
	/* Every sample takes at least one byte in each column. */
	if (n > (size_t)(r->col[COL_FLAGS].end - r->col[COL_FLAGS].p))
		return -EBADMSG;
	r->left = n;
	r->base_time = base;
	r->time_unit = unit;
	r->gen++;
	return 0;
}

static int parse_data(struct psysfile_reader *r)
{
	struct cursor c = { r->rec.data, r->rec.data + r->rec.len };
	int err, have_samples = 0;

	while (cursor_left(&c)) {
		uint64_t tag;
		struct cursor sec;
		const unsigned char *p;
		size_t n;

		if (cursor_varint(&c, &tag) || cursor_bytes(&c, &p, &n))
			return -EBADMSG;
		sec.p = p;
		sec.end = p + n;
		switch (tag) {
		case SEC_THREADS: err = parse_threads(r, &sec); break;
		case SEC_SYMBOLS: err = parse_symbols(r, &sec); break;
		case SEC_STACKS: err = parse_stacks(r, &sec); break;
		case SEC_USTRINGS: err = parse_ustrings(r, &sec); break;
		case SEC_USTACKS: err = parse_ustacks(r, &sec); break;
		case SEC_SAMPLES:
			/* One per record; a second would be a writer bug. */
			err = have_samples ? -EBADMSG : parse_samples(r, &sec);
			have_samples = 1;
			break;
		default: err = 0; break;	/* newer section: skip */
		}
		if (err)
			return err;
	}
	return 0;
}

/* Finds the next record start after a damaged spot, or the end. */
static void resync(struct psysfile_reader *r, size_t from)
{
	size_t p = from;

	while (p + 4 <= r->len && memcmp(r->data + p, rec_sync, 4) != 0) {
		const unsigned char *q = memchr(r->data + p + 1, rec_sync[0],
						r->len - p - 1);
		p = q ? (size_t)(q - r->data) : r->len;
	}
	if (p + 4 > r->len)
		p = r->len;
	r->stats.skipped_bytes += p - r->pos;
	r->pos = p;
}

/* Reads records until one leaves samples to return; 0 at the end. */
static int load_record(struct psysfile_reader *r)
{
	while (r->pos < r->len) {
		const unsigned char *h = r->data + r->pos;
		size_t avail = r->len - r->pos;

		if (avail < REC_HDR_SIZE) {
			if (memcmp(h, rec_sync, avail < 4 ? avail : 4) == 0) {
				r->stats.truncated_bytes += avail;
				r->pos = r->len;
			} else {
				resync(r, r->pos + 1);
			}
			continue;
		}
		if (memcmp(h, rec_sync, 4) || get_le16(h + 6) != rec_hdr_check(h)) {
			resync(r, r->pos + 1);
			continue;
		}
		uint32_t len = get_le32(h + 8), raw_len = get_le32(h + 12);
		int type = h[4], flags = h[5];

		if (len > MAX_PAYLOAD || raw_len > MAX_RAW ||
		    (!(flags & REC_ZSTD) && raw_len != len)) {
			r->stats.bad_records++;
			resync(r, r->pos + 1);
			continue;
		}
		if (len > avail - REC_HDR_SIZE) {
			/* A sound header whose payload runs past the end: the
			 * writer was stopped while writing it. */
			r->stats.truncated_bytes += avail;
			r->pos = r->len;
			continue;
		}
		const unsigned char *payload = h + REC_HDR_SIZE;
		r->pos += REC_HDR_SIZE + len;
		if (crc32(0, payload, len) != get_le32(h + 16)) {
			r->stats.bad_records++;
			continue;
		}
		buf_reset(&r->rec);
		if (buf_reserve(&r->rec, raw_len ? raw_len : 1))
			return -ENOMEM;
		if (flags & REC_ZSTD) {
			unsigned long long fcs = ZSTD_getFrameContentSize(payload, len);
			size_t n;

			if (fcs != raw_len) {
				r->stats.bad_records++;
				continue;
			}
			n = ZSTD_decompressDCtx(r->dctx, r->rec.data, raw_len, payload, len);
			if (ZSTD_isError(n) || n != raw_len) {
				r->stats.bad_records++;
				continue;
			}
		} else {
			memcpy(r->rec.data, payload, len);
		}
		r->rec.len = raw_len;

		int err = 0;
		json_t **slot = type == REC_HEADER ? &r->header
			      : type == REC_TRAILER ? &r->trailer : NULL;
		if (slot) {
			json_t *j = json_loadb((const char *)r->rec.data, r->rec.len,
					       JSON_REJECT_DUPLICATES, NULL);
			if (!j || !json_is_object(j)) {
				json_decref(j);
				r->stats.bad_records++;
				continue;
			}
			/* The first one counts; a repeat is ignored. */
			if (*slot)
				json_decref(j);
			else
				*slot = j;
		} else if (type == REC_DATA) {
			r->left = 0;
			err = parse_data(r);
			if (err == -ENOMEM)
				return err;
			if (err) {
				r->left = 0;
				r->stats.bad_records++;
				continue;
			}
		}
		r->stats.records++;
		if (r->left)
			return 1;
	}
	return 0;
}

static int read_all_fd(int fd, unsigned char **out, size_t *out_len)
{
	struct buf b = { 0 };

	for (;;) {
		if (buf_reserve(&b, 1 << 16))
			break;
		ssize_t n = read(fd, b.data + b.len, b.cap - b.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;
			buf_free(&b);
			return err;
		}
		if (n == 0) {
			*out = b.data;
			*out_len = b.len;
			return 0;
		}
		b.len += n;
	}
	buf_free(&b);
	return -ENOMEM;
}

static int reader_init(struct psysfile_reader *r)
{
	if (r->len < FILE_HDR_SIZE || memcmp(r->data, file_magic, 8) != 0)
		return -EPROTO;
	if (get_le16(r->data + 8) > PSYSFILE_VERSION_MAJOR)
		return -EPROTONOSUPPORT;
	r->pos = FILE_HDR_SIZE;
	r->dctx = ZSTD_createDCtx();
	r->ksyms = ksyms_new();
	if (!r->dctx || !r->ksyms)
		return -ENOMEM;
	/* Read up to the first data record now, so the header is there
	 * before the first sample is asked for. */
	return load_record(r) < 0 ? -ENOMEM : 0;
}

int psysfile_open_mem(const void *data, size_t len, struct psysfile_reader **out)
{
	struct psysfile_reader *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->data = malloc(len ? len : 1);
	if (!r->data) {
		free(r);
		return -ENOMEM;
	}
	memcpy(r->data, data, len);
	r->len = len;
	if ((err = reader_init(r))) {
		psysfile_reader_free(r);
		return err;
	}
	*out = r;
	return 0;
}

int psysfile_open(const char *path, struct psysfile_reader **out)
{
	struct psysfile_reader *r;
	int fd = 0, err;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(fd);
			return -EISDIR;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		err = -ENOMEM;
	} else if (!(err = read_all_fd(fd, &r->data, &r->len))) {
		err = reader_init(r);
	}
	if (fd > 0)
		close(fd);
	if (err) {
		psysfile_reader_free(r);
		return err;
	}
	*out = r;
	return 0;
}

int psysfile_next(struct psysfile_reader *r, struct psysfile_sample *s)
{
	for (;;) {
		uint64_t dt_u, cpu, thread, stack, stack_flags, flags, ustack = 0;
		int64_t dt;

		while (r->left == 0) {
			int k = load_record(r);
			if (k <= 0)
				return 0;
		}
		r->left--;
		if (cursor_varint_fast(&r->col[COL_TIME], &dt_u) ||
		    cursor_varint_fast(&r->col[COL_CPU], &cpu) ||
		    cursor_varint_fast(&r->col[COL_THREAD], &thread) ||
		    cursor_varint_fast(&r->col[COL_STACK], &stack_flags) ||
		    cursor_varint_fast(&r->col[COL_FLAGS], &flags) ||
		    (r->col[COL_USTACK].p && cursor_varint_fast(&r->col[COL_USTACK], &ustack)) ||
		    cpu > MAX_CPU || flags > UINT32_MAX >> 3) {
			/* The columns disagree with the count: the rest of this
			 * record cannot be trusted. */
			r->stats.bad_records++;
			r->left = 0;
			continue;
		}
		dt = (int64_t)(dt_u >> 1) ^ -(int64_t)(dt_u & 1);
		if (cpu >= r->ncpu) {
			size_t n = cpu + 1;
			int64_t *last = realloc(r->cpu_last, n * sizeof(*last));
			if (!last)
				return 0;
			r->cpu_last = last;
			uint32_t *gen = realloc(r->cpu_gen, n * sizeof(*gen));
			if (!gen)
				return 0;
			memset(gen + r->ncpu, 0, (n - r->ncpu) * sizeof(*gen));
			r->cpu_gen = gen;
			r->ncpu = n;
		}
		int64_t q = (r->cpu_gen[cpu] == r->gen ? r->cpu_last[cpu] : 0) + dt +
			    (int64_t)r->period_steps;
		r->cpu_gen[cpu] = r->gen;
		r->cpu_last[cpu] = q;
		s->time_ns = r->base_time + (uint64_t)q * r->time_unit;
		stack = stack_flags >> 3;
		if (thread >= r->nthreads || stack > r->nstacks || ustack > r->nustacks) {
			r->stats.unresolved++;
			continue;
		}
		const struct rthread *t = &r->threads[thread];
		s->cpu = cpu;
		s->pid = t->pid;
		s->tid = t->tid;
		s->flags = (uint32_t)(flags << 3 | (stack_flags & 7));
		s->comm = (const char *)r->strings.data + t->comm;
		s->thread_id = thread;
		if (stack) {
			s->stack_id = stack - 1;
			s->nframes = r->stack_len[s->stack_id];
			s->frames = r->frames + r->stack_off[s->stack_id];
		} else {
			s->stack_id = PSYSFILE_NO_STACK;
			s->nframes = 0;
			s->frames = NULL;
		}
		if (ustack) {
			s->ustack_id = ustack - 1;
			s->nuframes = r->ustack_len[s->ustack_id];
			s->uframes = r->uptr + r->ustack_off[s->ustack_id];
		} else {
			s->ustack_id = PSYSFILE_NO_STACK;
			s->nuframes = 0;
			s->uframes = NULL;
		}
		r->stats.samples++;
		return 1;
	}
}

json_t *psysfile_header(struct psysfile_reader *r)
{
	return r->header;
}

json_t *psysfile_trailer(struct psysfile_reader *r)
{
	return r->trailer;
}

const struct ksyms *psysfile_ksyms(struct psysfile_reader *r)
{
	if (r->ksyms_dirty) {
		if (ksyms_finish(r->ksyms))
			return NULL;
		r->ksyms_dirty = 0;
	}
	return r->ksyms;
}

const char *psysfile_thread_comm(const struct psysfile_reader *r, uint32_t id)
{
	return id < r->nthreads ? (const char *)r->strings.data + r->threads[id].comm : "";
}

const uint64_t *psysfile_stack(const struct psysfile_reader *r, uint32_t id,
			       uint32_t *nframes)
{
	if (id >= r->nstacks) {
		*nframes = 0;
		return NULL;
	}
	*nframes = r->stack_len[id];
	return r->frames + r->stack_off[id];
}

const char *const *psysfile_ustack(const struct psysfile_reader *r, uint32_t id,
				   uint32_t *nframes)
{
	if (id >= r->nustacks) {
		*nframes = 0;
		return NULL;
	}
	*nframes = r->ustack_len[id];
	return r->uptr + r->ustack_off[id];
}

uint32_t psysfile_nthreads(const struct psysfile_reader *r)
{
	return r->nthreads;
}

uint32_t psysfile_nstacks(const struct psysfile_reader *r)
{
	return r->nstacks;
}

const struct psysfile_stats *psysfile_stats(const struct psysfile_reader *r)
{
	struct psysfile_stats *st = (struct psysfile_stats *)&r->stats;

	st->has_header = r->header != NULL;
	st->has_trailer = r->trailer != NULL;
	return st;
}

void psysfile_reader_free(struct psysfile_reader *r)
{
	if (!r)
		return;
	free(r->data);
	json_decref(r->header);
	json_decref(r->trailer);
	ksyms_free(r->ksyms);
	ZSTD_freeDCtx(r->dctx);
	free(r->threads);
	buf_free(&r->strings);
	free(r->frames);
	free(r->stack_off);
	free(r->stack_len);
	for (uint32_t i = 0; i < r->nustr; i++)
		free(r->ustr[i]);
	free(r->ustr);
	free(r->uptr);
	free(r->ustack_off);
	free(r->ustack_len);
	buf_free(&r->rec);
	free(r->cpu_last);
	free(r->cpu_gen);
	free(r);
}
