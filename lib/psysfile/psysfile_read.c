/* The .psys reader; see psysfile.h for the API and docs/FORMAT.md for the
 * bytes. Each intact data record of a version 2 file is a self-contained
 * block: its threads and stacks are interned into file-wide tables, so the
 * ids a caller sees are stable, dense and never depend on another record.
 * Version 1 records are read by psysfile_v1.c. */
#include "psysfile/psysfile_read.h"

#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

int psysfile_parse_symbols(struct ksyms *ks, struct cursor *c)
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
		if ((err = ksyms_add(ks, addr, addr + size, (const char *)name, name_len,
				     mod_len ? (const char *)mod : NULL, mod_len, type)))
			return err;
	}
	return 0;
}

/* ---- file-wide tables ---- */

int reader_add_thread(struct psysfile_reader *r, uint32_t pid, uint32_t tid,
		      const char *comm, size_t n, uint64_t cg2, uint64_t cg1)
{
	if (buf_grow((void **)&r->threads, &r->threads_cap, r->nthreads + 1,
		     sizeof(*r->threads)) ||
	    buf_grow((void **)&r->tpid, &r->tpid_cap, r->nthreads + 1, sizeof(*r->tpid)))
		return -ENOMEM;
	r->tpid[r->nthreads] = pid;
	r->threads[r->nthreads].pid = pid;
	r->threads[r->nthreads].tid = tid;
	r->threads[r->nthreads].cg2 = cg2;
	r->threads[r->nthreads].cg1 = cg1;
	r->threads[r->nthreads].comm = r->strings.len;
	buf_put(&r->strings, comm, n);
	buf_put_u8(&r->strings, 0);
	if (r->strings.err)
		return r->strings.err;
	return (int)r->nthreads++;
}

int reader_add_stack(struct psysfile_reader *r, const uint64_t *frames, uint32_t n)
{
	if (buf_grow((void **)&r->stack_off, &r->stack_off_cap, r->nstacks + 1, 8) ||
	    buf_grow((void **)&r->stack_len, &r->stack_len_cap, r->nstacks + 1, 4) ||
	    buf_grow((void **)&r->frames, &r->frames_cap, r->nframes + n, 8))
		return -ENOMEM;
	memcpy(r->frames + r->nframes, frames, n * 8);
	r->stack_off[r->nstacks] = r->nframes;
	r->stack_len[r->nstacks] = n;
	r->nframes += n;
	return (int)r->nstacks++;
}

int reader_add_ustack(struct psysfile_reader *r, const char *const *names, uint32_t n)
{
	if (buf_grow((void **)&r->ustack_off, &r->ustack_off_cap, r->nustacks + 1, 8) ||
	    buf_grow((void **)&r->ustack_len, &r->ustack_len_cap, r->nustacks + 1, 4) ||
	    buf_grow((void **)&r->uptr, &r->uptr_cap, r->nuptr + n, sizeof(*r->uptr)))
		return -ENOMEM;
	memcpy(r->uptr + r->nuptr, names, n * sizeof(*names));
	r->ustack_off[r->nustacks] = r->nuptr;
	r->ustack_len[r->nustacks] = n;
	r->nuptr += n;
	return (int)r->nustacks++;
}

struct ustr_key {
	const struct psysfile_reader *r;
	const char *s;
	size_t n;
};

static int ustr_eq(const void *ctx, uint32_t id)
{
	const struct ustr_key *k = ctx;
	const char *u = k->r->ustr[id];

	return strncmp(u, k->s, k->n) == 0 && u[k->n] == '\0';
}

/* A copy of NAME owned by the reader, the same pointer for equal names. */
const char *reader_intern_ustr(struct psysfile_reader *r, const char *name, size_t n)
{
	struct ustr_key k = { r, name, n };
	uint64_t h = hash_bytes(name, n, 0x75);
	uint32_t id = hmap_get(&r->ustr_map, h, ustr_eq, &k);

	if (id != HMAP_NONE)
		return r->ustr[id];
	if (buf_grow((void **)&r->ustr, &r->ustr_cap, r->nustr + 1, sizeof(*r->ustr)))
		return NULL;
	if (!(r->ustr[r->nustr] = strndup(name, n)))
		return NULL;
	if (hmap_put(&r->ustr_map, h, r->nustr)) {
		free(r->ustr[r->nustr]);
		return NULL;
	}
	return r->ustr[r->nustr++];
}

struct thread_key {
	const struct psysfile_reader *r;
	uint32_t pid, tid;
	const char *comm;
	uint64_t cg2, cg1;
};

static int thread_eq(const void *ctx, uint32_t id)
{
	const struct thread_key *k = ctx;
	const struct rthread *t = &k->r->threads[id];

	return t->pid == k->pid && t->tid == k->tid && t->cg2 == k->cg2 && t->cg1 == k->cg1 &&
	       strcmp((const char *)k->r->strings.data + t->comm, k->comm) == 0;
}


struct stack_key {
	const struct psysfile_reader *r;
	const uint64_t *f;
	uint32_t n;
};

static int stack_eq(const void *ctx, uint32_t id)
{
	const struct stack_key *k = ctx;

	return k->r->stack_len[id] == k->n &&
	       memcmp(k->r->frames + k->r->stack_off[id], k->f, k->n * 8) == 0;
}

struct ustack_key {
	const struct psysfile_reader *r;
	const char *const *names;
	uint32_t n;
};

static int ustack_eq(const void *ctx, uint32_t id)
{
	const struct ustack_key *k = ctx;

	return k->r->ustack_len[id] == k->n &&
	       memcmp(k->r->uptr + k->r->ustack_off[id], k->names, k->n * sizeof(char *)) == 0;
}

/* File-wide ids for the tables of the decoded block in r->view. */
static int intern_block(struct psysfile_reader *r)
{
	const struct psysblock_view *v = &r->view;
	const char *names[PSYSFILE_MAX_FRAMES];

	if (buf_grow((void **)&r->gthread, &r->gthread_cap, v->nthreads, 4) ||
	    buf_grow((void **)&r->gstack, &r->gstack_cap, v->nstacks, 4) ||
	    buf_grow((void **)&r->gustack, &r->gustack_cap, v->nustacks, 4))
		return -ENOMEM;
	for (uint32_t i = 0; i < v->nthreads; i++) {
		const struct psysblock_thread *t = &v->threads[i];
		struct thread_key k = { r, t->pid, t->tid, t->comm, t->cgroup_id, t->cgroup1_id };
		uint64_t h = hash_bytes(t->comm, strlen(t->comm),
					((uint64_t)t->pid << 32 | t->tid) ^
					t->cgroup_id * 0x9e3779b97f4a7c15ull ^ t->cgroup1_id);
		uint32_t id = hmap_get(&r->thread_map, h, thread_eq, &k);

		if (id == HMAP_NONE) {
			int g = reader_add_thread(r, t->pid, t->tid, t->comm, strlen(t->comm),
						  t->cgroup_id, t->cgroup1_id);
			if (g < 0 || hmap_put(&r->thread_map, h, (uint32_t)g))
				return -ENOMEM;
			id = (uint32_t)g;
		}
		r->gthread[i] = id;
	}
	for (uint32_t i = 0; i < v->nstacks; i++) {
		const uint64_t *f = v->frames + v->stack_off[i];
		struct stack_key k = { r, f, v->stack_len[i] };
		uint64_t h = hash_u64s(f, k.n, 0);
		uint32_t id = hmap_get(&r->stack_map, h, stack_eq, &k);

		if (id == HMAP_NONE) {
			int g = reader_add_stack(r, f, k.n);
			if (g < 0 || hmap_put(&r->stack_map, h, (uint32_t)g))
				return -ENOMEM;
			id = (uint32_t)g;
		}
		r->gstack[i] = id;
	}
	for (uint32_t i = 0; i < v->nustacks; i++) {
		uint32_t n = v->ustack_len[i];

		for (uint32_t j = 0; j < n; j++) {
			const char *u = v->uframes[v->ustack_off[i] + j];
			if (!(names[j] = reader_intern_ustr(r, u, strlen(u))))
				return -ENOMEM;
		}
		struct ustack_key k = { r, names, n };
		uint64_t h = hash_bytes(names, n * sizeof(char *), 0x5u);
		uint32_t id = hmap_get(&r->ustack_map, h, ustack_eq, &k);

		if (id == HMAP_NONE) {
			int g = reader_add_ustack(r, names, n);
			if (g < 0 || hmap_put(&r->ustack_map, h, (uint32_t)g))
				return -ENOMEM;
			id = (uint32_t)g;
		}
		r->gustack[i] = id;
	}
	return 0;
}

int reader_batch_room(struct psysfile_reader *r, size_t n)
{
	/* The batch's columns, grown together to one capacity. */
	struct { void **p; size_t size; } col[] = {
		{ (void **)&r->btime, sizeof(*r->btime) },
		{ (void **)&r->bcpu, sizeof(*r->bcpu) },
		{ (void **)&r->bthread, sizeof(*r->bthread) },
		{ (void **)&r->bstack, sizeof(*r->bstack) },
		{ (void **)&r->bustack, sizeof(*r->bustack) },
		{ (void **)&r->bflags, sizeof(*r->bflags) },
	};
	size_t c = r->bcap;

	if (n <= c)
		return 0;
	for (size_t i = 0; i < sizeof(col) / sizeof(col[0]); i++) {
		c = r->bcap;
		if (buf_grow(col[i].p, &c, n, col[i].size))
			return -ENOMEM;
	}
	r->bcap = c;
	return 0;
}

/* Decodes the block in r->rec into the batch. Returns 0, -EBADMSG or
 * -ENOMEM. */
static int load_block(struct psysfile_reader *r)
{
	const struct psysblock_view *v = &r->view;
	int err;

	if ((err = psysblock_decode(&r->view, r->rec.data, r->rec.len)))
		return err;
	if ((err = intern_block(r)) || (err = reader_batch_room(r, v->n)))
		return err;
	/* Times and flags need no mapping: the block's own arrays serve. */
	r->ctime = v->time;
	r->cflags = v->flags;
	for (uint32_t i = 0; i < v->n; i++) {
		r->bcpu[i] = v->cpu;
		r->bthread[i] = r->gthread[v->thread[i]];
		r->bstack[i] = v->stack[i] == PSYSFILE_NO_STACK ? PSYSFILE_NO_STACK
							       : r->gstack[v->stack[i]];
		r->bustack[i] = v->ustack[i] == PSYSFILE_NO_STACK ? PSYSFILE_NO_STACK
								 : r->gustack[v->ustack[i]];
	}
	r->bn = v->n;
	r->bi = 0;
	return 0;
}

/* ---- records ---- */

/* r->bad's mark for a damaged record an intact copy replaced. */
#define RECOVERED (HMAP_NONE - 1)

/* Damage at r->pos: a 2.x reader looks for the next record; a 1.x file
 * cannot be read past it (its ids would shift), so reading stops. */
static void damaged(struct psysfile_reader *r, size_t from)
{
	if (r->major < 2) {
		r->stats.unread_bytes += r->len - r->pos;
		r->pos = r->len;
		return;
	}
	size_t p = from;

	while (p + 4 <= r->len && memcmp(r->data + p, psysfile_sync, 4) != 0) {
		const unsigned char *q = memchr(r->data + p + 1, psysfile_sync[0], r->len - p - 1);
		p = q ? (size_t)(q - r->data) : r->len;
	}
	if (p + 4 > r->len)
		p = r->len;
	r->stats.skipped_bytes += p - r->pos;
	r->pos = p;
}

/* Reads records until one leaves samples to return. Returns 1, 0 at the
 * end, or -ENOMEM. */
/* Whether a record with a sound header and all its payload in the file
 * starts at or after FROM. */
static int whole_record_from(const struct psysfile_reader *r, size_t from)
{
	size_t hs = r->hdr_size;

	for (size_t p = from; p + hs <= r->len; p++) {
		const unsigned char *h = r->data + p;
		const unsigned char *q = memchr(h, psysfile_sync[0], r->len - p);

		if (!q)
			break;
		p = (size_t)(q - r->data);
		h = q;
		if (p + hs > r->len)
			break;
		if (memcmp(h, psysfile_sync, 4) == 0 &&
		    get_le16(h + 6) == psysfile_hdr_check(h, hs) &&
		    get_le32(h + 8) <= r->len - p - hs)
			return 1;
	}
	return 0;
}

static int load_record(struct psysfile_reader *r)
{
	size_t hs = r->hdr_size;

	while (r->pos < r->len) {
		const unsigned char *h = r->data + r->pos;
		size_t avail = r->len - r->pos;

		if (avail < hs) {
			if (memcmp(h, psysfile_sync, avail < 4 ? avail : 4) == 0) {
				r->stats.truncated_bytes += avail;
				r->pos = r->len;
			} else {
				damaged(r, r->pos + 1);
			}
			continue;
		}
		if (memcmp(h, psysfile_sync, 4) || get_le16(h + 6) != psysfile_hdr_check(h, hs)) {
			damaged(r, r->pos + 1);
			continue;
		}
		uint32_t len = get_le32(h + 8), raw_len = get_le32(h + 12);
		uint32_t seq = hs > 20 ? get_le32(h + 20) : 0, nsamples = hs > 24 ? get_le32(h + 24) : 0;
		int type = h[4], flags = h[5];

		if (len > MAX_PAYLOAD || raw_len > MAX_RAW || (!(flags & REC_ZSTD) && raw_len != len)) {
			r->stats.bad_records++;
			damaged(r, r->pos + 1);
			continue;
		}
		int cut = 0;
		if (len > avail - hs) {
			/* A sound header whose payload runs past the end: the
			 * writer was stopped while writing it. Unless a whole
			 * record lies in what is left: then it was damaged,
			 * and a record copied in there is read. */
			if (r->major < 2 || !whole_record_from(r, r->pos + 1)) {
				r->stats.truncated_bytes += avail;
				r->pos = r->len;
				continue;
			}
			cut = 1;
			len = (uint32_t)(avail - hs);
		}
		const unsigned char *payload = h + hs;
		size_t at = r->pos;
		r->pos += hs + len;
		/* Records are numbered: a copy of one read is skipped,
		 * whatever came between (an intact copy of a damaged one
		 * stands in for it); numbers never seen are missing. */
		uint32_t was_bad = HMAP_NONE;
		int bad = cut || crc32(0, payload, len) != get_le32(h + 16);
		if (r->major >= 2) {
			if (hmap_get(&r->seen, seq, NULL, NULL) != HMAP_NONE) {
				r->stats.duplicates++;
				/* A damaged copy may hold a sound record copied
				 * into it: look inside, as for any damaged one. */
				if (bad) {
					r->pos = at;
					damaged(r, at + 1);
				}
				continue;
			}
			was_bad = hmap_get(&r->bad, seq, NULL, NULL);
			if ((int64_t)seq > r->last_seq)
				r->last_seq = seq;
		}
		if (!bad) {
			if (flags & REC_ZSTD) {
				bad = psysblock_inflate(r->dctx, payload, len, raw_len, &r->rec) == -EBADMSG;
			} else {
				buf_reset(&r->rec);
				if (buf_reserve(&r->rec, len ? len : 1))
					return -ENOMEM;
				memcpy(r->rec.data, payload, len);
				r->rec.len = len;
			}
			if (r->rec.err)
				return -ENOMEM;
		}
		int err = 0;
		if (!bad && (type == REC_HEADER || type == REC_TRAILER)) {
			json_t **slot = type == REC_HEADER ? &r->header : &r->trailer;
			json_t *j = json_loadb((const char *)r->rec.data, r->rec.len,
					       JSON_REJECT_DUPLICATES, NULL);
			if (!j || !json_is_object(j))
				err = -EBADMSG;
			/* The first one counts; a repeat is ignored. */
			if (!err && !*slot)
				*slot = j;
			else
				json_decref(j);
		} else if (!bad && type == REC_DATA) {
			err = r->major >= 2 ? load_block(r) : psysfile_v1_data(r);
		} else if (!bad && type == REC_SYMBOLS && r->major >= 2) {
			struct cursor c = { r->rec.data, r->rec.data + r->rec.len };
			err = psysfile_parse_symbols(r->ksyms, &c);
			r->ksyms_dirty = 1;
		} else if (!bad && type == REC_CGROUPS && r->major >= 2) {
			err = reader_parse_cgroups(r, (struct cursor){ r->rec.data,
								r->rec.data + r->rec.len });
		}
		if (err == -ENOMEM)
			return err;
		if (bad || err) {
			r->bn = 0;
			if (r->major >= 2) {
				if (was_bad != HMAP_NONE) {
					/* A damaged copy: looked inside too. */
					r->stats.duplicates++;
					if (bad) {
						r->pos = at;
						damaged(r, at + 1);
					}
					continue;
				}
				if (hmap_put(&r->bad, seq, type == REC_DATA ? nsamples : 0))
					return -ENOMEM;
				r->bad_open++;
			}
			r->stats.bad_records++;
			if (type == REC_DATA)
				r->stats.lost_samples += nsamples;
			/* A 1.x data record, or one whose type is unknown, may
			 * have defined ids later records use. */
			if (r->major < 2 && (type == REC_DATA || type > REC_TRAILER)) {
				r->pos = at;
				damaged(r, at);
			} else if (bad && r->major >= 2) {
				/* Its length held, but bytes inside went wrong: a
				 * sound record may have been copied in there. Look
				 * inside rather than jump over it. */
				r->pos = at;
				damaged(r, at + 1);
			}
			continue;
		}
		if (r->major >= 2) {
			if (hmap_put(&r->seen, seq, 0))
				return -ENOMEM;
			if (was_bad != HMAP_NONE && was_bad != RECOVERED) {
				/* An intact copy of a record found damaged. */
				r->stats.bad_records--;
				r->stats.lost_samples -= was_bad;
				r->bad_open--;
				hmap_set(&r->bad, seq, RECOVERED);
			}
		}
		r->stats.records++;
		if (type == REC_DATA)
			return 1;
	}
	return 0;
}

static int reader_init(struct psysfile_reader *r)
{
	if (r->len < FILE_HDR_SIZE || memcmp(r->data, psysfile_magic, 8) != 0)
		return -EPROTO;
	r->major = get_le16(r->data + 8);
	r->stats.version = r->major;
	if (r->major > PSYSFILE_VERSION_MAJOR)
		return -EPROTONOSUPPORT;
	if (r->major < 1)
		return -EPROTO;
	/* A second file header: captures joined together. Their records
	 * would interleave numbers and ids, so they are refused whole. */
	if (memmem(r->data + 1, r->len - 1, psysfile_magic, 8))
		return -PSYSFILE_ECONCAT;
	r->hdr_size = r->major >= 2 ? REC_HDR_SIZE : REC_HDR_SIZE_V1;
	r->pos = FILE_HDR_SIZE;
	/* Past the magic and the major version, a version 2 file header is
	 * a minor version and four zero bytes. If those are not zero, the
	 * header was damaged, perhaps by a record written over its end: look
	 * for records from the byte after the major version, so that such a
	 * record is found (the bytes before it count as skipped). */
	if (r->major >= 2 && (r->data[12] | r->data[13] | r->data[14] | r->data[15]))
		r->pos = 10;
	r->last_seq = -1;
	r->dctx = ZSTD_createDCtx();
	r->ksyms = ksyms_new();
	if (!r->dctx || !r->ksyms)
		return -ENOMEM;
	/* Read up to the first data record now, so the header is there
	 * before the first sample is asked for. */
	int k = load_record(r);
	if (k < 0)
		return -ENOMEM;
	r->batch_pending = k == 1;
	return 0;
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
	if (!r)
		err = -ENOMEM;
	else if (!(err = file_read_fd(fd, SIZE_MAX, &r->data, &r->len)))
		err = reader_init(r);
	if (fd > 0)
		close(fd);
	if (err) {
		psysfile_reader_free(r);
		return err;
	}
	*out = r;
	return 0;
}

int psysfile_next_batch(struct psysfile_reader *r, struct psysfile_batch *b)
{
	/* The first record may have been loaded by open already. */
	if (!r->batch_pending) {
		int k = load_record(r);
		if (k <= 0)
			return k;
	}
	r->batch_pending = 0;
	b->n = r->bn;
	b->time = r->ctime;
	b->cpu = r->bcpu;
	b->thread = r->bthread;
	b->stack = r->bstack;
	b->ustack = r->bustack;
	b->flags = r->cflags;
	b->pid_of = r->tpid;
	r->stats.samples += r->bn;
	r->bi = r->bn;
	return 1;
}

int psysfile_next(struct psysfile_reader *r, struct psysfile_sample *s)
{
	while (r->bi >= r->bn || r->batch_pending) {
		struct psysfile_batch b;
		int k = psysfile_next_batch(r, &b);

		if (k <= 0)
			return k;
		r->bi = 0;
	}
	uint32_t i = r->bi++, id = r->bthread[i];
	const struct rthread *t = &r->threads[id];

	s->time_ns = r->ctime[i];
	s->cpu = r->bcpu[i];
	s->pid = t->pid;
	s->tid = t->tid;
	s->flags = r->cflags[i];
	s->comm = (const char *)r->strings.data + t->comm;
	s->cgroup_id = t->cg2;
	s->cgroup1_id = t->cg1;
	s->thread_id = id;
	s->stack_id = r->bstack[i];
	s->frames = psysfile_stack(r, s->stack_id, &s->nframes);
	s->ustack_id = r->bustack[i];
	s->uframes = psysfile_ustack(r, s->ustack_id, &s->nuframes);
	return 1;
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

const char *psysfile_thread(const struct psysfile_reader *r, uint32_t id, uint32_t *pid,
			    uint32_t *tid)
{
	if (id >= r->nthreads) {
		*pid = *tid = 0;
		return "";
	}
	*pid = r->threads[id].pid;
	*tid = r->threads[id].tid;
	return (const char *)r->strings.data + r->threads[id].comm;
}

const char *psysfile_thread_comm(const struct psysfile_reader *r, uint32_t id)
{
	return id < r->nthreads ? (const char *)r->strings.data + r->threads[id].comm : "";
}

const uint64_t *psysfile_stack(const struct psysfile_reader *r, uint32_t id, uint32_t *nframes)
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
	/* Every number up to the highest seen was written. */
	if (r->major >= 2)
		st->missing_records = (uint64_t)(r->last_seq + 1) - r->seen.n - r->bad_open;
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
	buf_free(&r->rec);
	free(r->threads);
	hmap_free(&r->thread_map);
	free(r->cgroups);
	hmap_free(&r->cgroup_map);
	buf_free(&r->strings);
	free(r->frames);
	free(r->stack_off);
	free(r->stack_len);
	hmap_free(&r->stack_map);
	for (uint32_t i = 0; i < r->nustr; i++)
		free(r->ustr[i]);
	free(r->ustr);
	hmap_free(&r->ustr_map);
	free(r->uptr);
	free(r->ustack_off);
	free(r->ustack_len);
	hmap_free(&r->ustack_map);
	hmap_free(&r->seen);
	hmap_free(&r->bad);
	psysblock_view_free(&r->view);
	free(r->gthread);
	free(r->gstack);
	free(r->gustack);
	free(r->btime);
	free(r->tpid);
	free(r->bcpu);
	free(r->bthread);
	free(r->bstack);
	free(r->bustack);
	free(r->bflags);
	free(r->v1_cpu_last);
	free(r->v1_cpu_gen);
	free(r);
}
