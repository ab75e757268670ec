/* Version 1 data records (psys 0.1): threads, stacks and user stacks get
 * file-wide ids in the order they are defined, and a record may use ids
 * an earlier one defined. The reader stops at the first damaged record of
 * such a file (psysfile_read.c), so every id read here is the writer's. */
#include "psysfile/psysfile_read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { SEC_THREADS = 1, SEC_SYMBOLS = 2, SEC_STACKS = 3, SEC_SAMPLES = 4,
       SEC_USTRINGS = 5, SEC_USTACKS = 6 };
enum { COL_TIME, COL_CPU, COL_THREAD, COL_STACK, COL_FLAGS, COL_USTACK, NCOLS };
/* Columns every 1.0 samples section has; the user stack column is optional. */
#define NCOLS_V1_0 5

static int parse_threads(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t count, pid, tid;
	const unsigned char *comm;
	size_t n;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	while (count--) {
		if (cursor_varint(c, &pid) || cursor_varint(c, &tid) ||
		    cursor_bytes(c, &comm, &n) || pid > UINT32_MAX || tid > UINT32_MAX)
			return -EBADMSG;
		/* A comm is a C string: an embedded NUL ends it. */
		const unsigned char *nul = memchr(comm, 0, n);
		if (nul)
			n = nul - comm;
		if (reader_add_thread(r, pid, tid, (const char *)comm, n, 0, 0) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int parse_stacks(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t count, n, frames[PSYSFILE_MAX_FRAMES];
	int64_t delta;

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	while (count--) {
		uint64_t prev = 0;

		if (cursor_varint(c, &n) || n == 0 || n > PSYSFILE_MAX_FRAMES ||
		    n > cursor_left(c))
			return -EBADMSG;
		for (uint64_t i = 0; i < n; i++) {
			if (cursor_svarint(c, &delta))
				return -EBADMSG;
			prev += (uint64_t)delta;
			frames[i] = prev;
		}
		if (reader_add_stack(r, frames, (uint32_t)n) < 0)
			return -ENOMEM;
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
		/* Ids are positions: appended, never merged. */
		if (buf_grow((void **)&r->ustr, &r->ustr_cap, r->nustr + 1, sizeof(*r->ustr)) ||
		    !(r->ustr[r->nustr] = strndup((const char *)p, n)))
			return -ENOMEM;
		r->nustr++;
	}
	return 0;
}

static int parse_ustacks(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t count, n, id;
	const char *names[PSYSFILE_MAX_FRAMES];

	if (cursor_varint(c, &count) || count > cursor_left(c))
		return -EBADMSG;
	while (count--) {
		if (cursor_varint(c, &n) || n == 0 || n > PSYSFILE_MAX_FRAMES ||
		    n > cursor_left(c))
			return -EBADMSG;
		for (uint64_t i = 0; i < n; i++) {
			/* Names must be defined before the stacks using them. */
			if (cursor_varint(c, &id) || id >= r->nustr)
				return -EBADMSG;
			names[i] = r->ustr[id];
		}
		if (reader_add_ustack(r, names, (uint32_t)n) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int parse_samples(struct psysfile_reader *r, struct cursor *c)
{
	uint64_t n, base, unit, period = 0;
	struct cursor col[NCOLS] = { 0 };

	if (cursor_varint(c, &n) || cursor_varint(c, &base) ||
	    cursor_varint(c, &unit) || unit < 1 || unit > 1000000)
		return -EBADMSG;
	for (int i = 0; i < NCOLS; i++) {
		const unsigned char *p;
		size_t len;

		/* Columns added after 1.0 may be missing: read as zeros. */
		if (i >= NCOLS_V1_0 && !cursor_left(c))
			continue;
		if (cursor_bytes(c, &p, &len))
			return -EBADMSG;
		col[i].p = p;
		col[i].end = p + len;
	}
	/* Then, optionally, the sampling period in time units. */
	if (cursor_left(c) && (cursor_varint(c, &period) || period > 1000000000ull / unit))
		return -EBADMSG;
	/* Every sample takes at least one byte in each column. */
	if (n > cursor_left(&col[COL_FLAGS]))
		return -EBADMSG;
	if (reader_batch_room(r, n))
		return -ENOMEM;
	r->v1_gen++;
	uint32_t k = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t dt, cpu, thread, stack, flags, ustack = 0;

		if (cursor_varint_fast(&col[COL_TIME], &dt) ||
		    cursor_varint_fast(&col[COL_CPU], &cpu) ||
		    cursor_varint_fast(&col[COL_THREAD], &thread) ||
		    cursor_varint_fast(&col[COL_STACK], &stack) ||
		    cursor_varint_fast(&col[COL_FLAGS], &flags) ||
		    (col[COL_USTACK].p && cursor_varint_fast(&col[COL_USTACK], &ustack)) ||
		    cpu > PSYSFILE_MAX_CPU || flags > UINT32_MAX >> 3)
			return -EBADMSG;
		if (cpu >= r->v1_ncpu) {
			size_t c1 = r->v1_ncpu, c2 = r->v1_ncpu;
			if (buf_grow((void **)&r->v1_cpu_last, &c1, cpu + 1, 8) ||
			    buf_grow((void **)&r->v1_cpu_gen, &c2, cpu + 1, 4))
				return -ENOMEM;
			memset(r->v1_cpu_gen + r->v1_ncpu, 0, (c2 - r->v1_ncpu) * 4);
			r->v1_ncpu = c1 < c2 ? c1 : c2;
		}
		/* Time steps are per CPU within the record, less the period. */
		uint64_t q = (r->v1_cpu_gen[cpu] == r->v1_gen ? (uint64_t)r->v1_cpu_last[cpu] : 0) +
			     ((dt >> 1) ^ -(dt & 1)) + period;
		r->v1_cpu_gen[cpu] = r->v1_gen;
		r->v1_cpu_last[cpu] = (int64_t)q;
		uint64_t sref = stack >> 3;
		if (thread >= r->nthreads || sref > r->nstacks || ustack > r->nustacks) {
			r->stats.unresolved++;
			continue;
		}
		r->btime[k] = base + q * unit;
		r->bcpu[k] = (uint32_t)cpu;
		r->bthread[k] = (uint32_t)thread;
		r->bstack[k] = sref ? (uint32_t)sref - 1 : PSYSFILE_NO_STACK;
		r->bustack[k] = ustack ? (uint32_t)ustack - 1 : PSYSFILE_NO_STACK;
		r->bflags[k] = (uint32_t)(flags << 3 | (stack & 7));
		k++;
	}
	r->bn = k;
	r->bi = 0;
	r->ctime = r->btime;
	r->cflags = r->bflags;
	return 0;
}

int psysfile_v1_data(struct psysfile_reader *r)
{
	struct cursor c = { r->rec.data, r->rec.data + r->rec.len };
	int err, have_samples = 0;

	r->bn = 0;
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
		case SEC_SYMBOLS:
			err = psysfile_parse_symbols(r->ksyms, &sec);
			r->ksyms_dirty = 1;
			break;
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
