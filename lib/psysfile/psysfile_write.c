/* The .psys writer; see psysfile.h for the API and docs/FORMAT.md for the
 * bytes. Samples go into one block builder per CPU; each flush seals the
 * builders and writes a data record per block, after a record with the
 * kernel symbols those blocks are the first to use. */
#include "psysfile/psysfile.h"
#include "psysfile/psysfile_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/buf.h"
#include "base/hmap.h"

const unsigned char psysfile_magic[8] = { 0x89, 'P', 'S', 'Y', 'S', '\r', '\n', 0x1a };
const unsigned char psysfile_sync[4] = { 'P', 'S', 'Y', 'R' };

uint16_t psysfile_hdr_check(const unsigned char *h, size_t size)
{
	uLong c = crc32(0, h, 6);

	return (uint16_t)crc32(c, h + 8, (uInt)(size - 8));
}

void psysfile_put_symbol(struct buf *b, const struct ksym *k, uint64_t *prev)
{
	buf_put_svarint(b, (int64_t)(k->addr - *prev));
	buf_put_varint(b, k->end - k->addr);
	buf_put_bytes(b, k->name, strlen(k->name));
	buf_put_bytes(b, k->module ? k->module : "", k->module ? strlen(k->module) : 0);
	buf_put_u8(b, (uint8_t)k->type);
	*prev = k->addr;
}

/* The system's own calls: what a writer uses unless given others. */
static ssize_t sys_write(void *ctx, int fd, const void *p, size_t n)
{
	return write(fd, p, n);
}

static int sys_fallocate(void *ctx, int fd, int mode, off_t off, off_t len)
{
	return fallocate(fd, mode, off, len);
}

static int sys_ftruncate(void *ctx, int fd, off_t len)
{
	return ftruncate(fd, len);
}

static int sys_fsync(void *ctx, int fd, int data_only)
{
	return data_only ? fdatasync(fd) : fsync(fd);
}

static const struct psysfile_io sys_io = {
	NULL, sys_write, sys_fallocate, sys_ftruncate, sys_fsync
};

struct psysfile_writer {
	const struct psysfile_io *io;
	int fd, sync, level;
	uint64_t offset;	/* end of the last complete record */
	uint32_t seq;		/* the next record's number */
	const struct ksyms *ksyms;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;

	struct psysblock_builder **cpu;	/* psysfile_add's builders */
	size_t ncpu;
	uint64_t period, unit, pending;

	struct psysfile_cgroup_names cgnames;
	struct hmap cg_done[2];	/* v1, v2 cgroup id -> named in the file */
	struct hmap sym_done;	/* symbol start address -> emitted */
	struct hmap stack_seen;	/* stack hash -> 0: distinct stacks */
	uint64_t nsymbols, nstacks;
	struct psysblock_view view;
	struct buf raw, body, out;
	uint64_t samples, bytes;
	/* The space kept past the end for the trailer: ALLOCATED is where
	 * the file's allocated blocks end (fallocate, the size unchanged);
	 * NO_RESERVE when the file system cannot allocate ahead. */
	uint64_t reserve, allocated;
	int no_reserve;
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
	for (size_t i = 0; i < w->ncpu; i++)
		if (w->cpu[i])
			psysblock_set_period(w->cpu[i], w->period);
}

void psysfile_set_time_unit(struct psysfile_writer *w, uint64_t ns)
{
	if (ns < 1 || ns > 1000000)
		return;
	w->unit = ns;
	for (size_t i = 0; i < w->ncpu; i++)
		if (w->cpu[i])
			psysblock_set_time_unit(w->cpu[i], ns);
}

uint64_t psysfile_samples(const struct psysfile_writer *w)
{
	return w->samples;
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

uint64_t psysfile_discard(struct psysfile_writer *w)
{
	uint64_t n = w->pending;

	for (size_t i = 0; i < w->ncpu; i++)
		if (w->cpu[i])
			psysblock_reset(w->cpu[i]);
	w->pending = 0;
	return n;
}

static int write_all(struct psysfile_writer *w, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t k = w->io->write(w->io->ctx, w->fd, s, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		s += k;
		n -= k;
	}
	return 0;
}

/* Makes sure the file has N more bytes past its end allocated, and then
 * the reserve: a record is written only where it cannot run out of
 * space, and the trailer always finds its room. Returns 0 or a negative
 * errno (-ENOSPC: the disk is full, nothing was written). */
static int reserve_room(struct psysfile_writer *w, uint64_t n)
{
	uint64_t need = w->offset + n + w->reserve;

	if (w->no_reserve || need <= w->allocated)
		return 0;
	for (;;) {
		if (w->io->fallocate(w->io->ctx, w->fd, FALLOC_FL_KEEP_SIZE, (off_t)w->offset,
			      (off_t)(need - w->offset)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EOPNOTSUPP || errno == ENOSYS) {
			/* Nothing can be kept ahead here: records are
			 * written as they come, and a full disk may keep
			 * the trailer out. */
			w->no_reserve = 1;
			return 0;
		}
		return -errno;
	}
	w->allocated = need;
	return 0;
}

/* Gives back what was allocated past the end, as the file is closed. */
static void release_room(struct psysfile_writer *w)
{
	if (w->fd >= 0 && w->allocated > w->offset)
		w->io->fallocate(w->io->ctx, w->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)w->offset,
			  (off_t)(w->allocated - w->offset));
	w->allocated = w->offset;
}

int psysfile_set_reserve(struct psysfile_writer *w, uint64_t bytes)
{
	w->reserve = bytes;
	return w->fd >= 0 ? reserve_room(w, 0) : 0;
}

/* Appends one record. On failure cuts the file back to the last complete
 * record, so a full disk never leaves half a record behind. */
static int write_record(struct psysfile_writer *w, int type, int flags, const void *payload,
			size_t len, size_t raw_len, uint32_t nsamples)
{
	unsigned char h[REC_HDR_SIZE];
	int err;

	if (len > MAX_PAYLOAD || raw_len > MAX_RAW)
		return -E2BIG;
	/* The trailer goes into the reserve; every other record must leave
	 * it whole. A trailer larger than the reserve is not tried where it
	 * cannot fit: cutting its half back could free the reserve itself,
	 * and a shorter one may follow. */
	if (type != REC_TRAILER && (err = reserve_room(w, sizeof(h) + len)))
		return err;
	if (type == REC_TRAILER && !w->no_reserve &&
	    w->offset + sizeof(h) + len > w->allocated) {
		uint64_t keep = w->reserve;
		w->reserve = 0;
		err = reserve_room(w, sizeof(h) + len);
		w->reserve = keep;
		if (err)
			return err;
	}
	memcpy(h, psysfile_sync, 4);
	h[4] = type;
	h[5] = flags;
	put_le32(h + 8, len);
	put_le32(h + 12, raw_len);
	put_le32(h + 16, crc32(0, payload, len));
	put_le32(h + 20, w->seq);
	put_le32(h + 24, nsamples);
	put_le16(h + 6, psysfile_hdr_check(h, REC_HDR_SIZE));
	if ((err = write_all(w, h, sizeof(h))) || (err = write_all(w, payload, len))) {
		if (w->io->ftruncate(w->io->ctx, w->fd, (off_t)w->offset) == 0)
			lseek(w->fd, w->offset, SEEK_SET);
		/* Cutting the file back may free what was allocated past
		 * its end: it is allocated again before the next record. */
		w->allocated = w->offset;
		return err;
	}
	w->seq++;
	w->offset += sizeof(h) + len;
	w->bytes = w->offset;
	return 0;
}

static int write_json(struct psysfile_writer *w, int type, const json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	int err;

	if (!s)
		return -ENOMEM;
	err = write_record(w, type, 0, s, strlen(s), strlen(s), 0);
	free(s);
	return err;
}

int psysfile_create(int dirfd, const char *path, const json_t *header,
		    const struct ksyms *ksyms, struct psysfile_writer **out)
{
	return psysfile_create_io(dirfd, path, header, ksyms, NULL, out);
}

int psysfile_create_io(int dirfd, const char *path, const json_t *header,
		       const struct ksyms *ksyms, const struct psysfile_io *io,
		       struct psysfile_writer **out)
{
	struct psysfile_writer *w = calloc(1, sizeof(*w));
	unsigned char fh[FILE_HDR_SIZE] = { 0 };
	int err;

	if (!w)
		return -ENOMEM;
	w->io = io ? io : &sys_io;
	w->fd = -1;
	w->sync = 1;
	/* Level 3: the benchmark found zstd a fifth of the recorder's CPU at
	 * 6, for about 2% of the size. */
	w->level = 3;
	w->reserve = PSYSFILE_RESERVE;
	w->unit = PSYSFILE_TIME_UNIT;
	w->ksyms = ksyms;
	w->cctx = ZSTD_createCCtx();
	w->dctx = ZSTD_createDCtx();
	if (!w->cctx || !w->dctx) {
		err = -ENOMEM;
		goto fail;
	}
	/* Kernel addresses defeat KASLR: owner-only, and never through a
	 * link someone planted. */
	w->fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		err = -errno;
		goto fail;
	}
	memcpy(fh, psysfile_magic, 8);
	put_le16(fh + 8, PSYSFILE_VERSION_MAJOR);
	put_le16(fh + 10, PSYSFILE_VERSION_MINOR);
	/* The header and the trailer's reserve, allocated first: a capture
	 * that starts is one that can end with its trailer. */
	if ((err = reserve_room(w, sizeof(fh))) || (err = write_all(w, fh, sizeof(fh))))
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

/* Writes a record of TYPE holding "varint COUNT" and then w->body,
 * compressed: the form of the symbols and cgroups records. */
static int write_table(struct psysfile_writer *w, int type, uint64_t count)
{
	buf_reset(&w->raw);
	buf_put_varint(&w->raw, count);
	buf_put(&w->raw, w->body.data, w->body.len);
	if (w->raw.err || w->body.err)
		return -ENOMEM;
	size_t bound = ZSTD_compressBound(w->raw.len);
	buf_reset(&w->out);
	if (buf_reserve(&w->out, bound))
		return -ENOMEM;
	size_t n = ZSTD_compressCCtx(w->cctx, w->out.data, bound, w->raw.data, w->raw.len,
				     w->level);
	if (ZSTD_isError(n))
		return -EIO;
	return write_record(w, type, REC_ZSTD, w->out.data, n, w->raw.len, 0);
}

/* A symbols record for the frames of V's stacks that no earlier record
 * named. */
static int write_symbols(struct psysfile_writer *w, const struct psysblock_view *v)
{
	uint64_t count = 0, prev = 0;

	buf_reset(&w->body);
	for (uint32_t id = 0; id < v->nstacks; id++) {
		const uint64_t *f = v->frames + v->stack_off[id];
		uint32_t n = v->stack_len[id];
		uint64_t h = hash_u64s(f, n, 0);

		if (hmap_get(&w->stack_seen, h, NULL, NULL) != HMAP_NONE)
			continue;
		if (hmap_put(&w->stack_seen, h, 0))
			return -ENOMEM;
		w->nstacks++;
		for (uint32_t i = 0; w->ksyms && i < n; i++) {
			/* Callers are return addresses: look up the call. */
			const struct ksym *k = ksyms_lookup(w->ksyms, f[i] - (i > 0));

			if (!k || hmap_get(&w->sym_done, k->addr, NULL, NULL) != HMAP_NONE)
				continue;
			if (hmap_put(&w->sym_done, k->addr, 0))
				return -ENOMEM;
			psysfile_put_symbol(&w->body, k, &prev);
			count++;
		}
	}
	int err = count ? write_table(w, REC_SYMBOLS, count) : 0;
	if (!err)
		w->nsymbols += count;
	return err;
}

void psysfile_set_cgroup_names(struct psysfile_writer *w,
			       const struct psysfile_cgroup_names *names)
{
	w->cgnames = *names;
}

/* A cgroups record for the cgroup ids of V's threads that no earlier
 * record named and psys-record could name. An id it could not name is
 * asked again at the next block: it may have been named since. */
static int write_cgroups(struct psysfile_writer *w, const struct psysblock_view *v)
{
	uint64_t count = 0;

	if (!w->cgnames.path)
		return 0;
	buf_reset(&w->body);
	for (uint32_t i = 0; i < v->nthreads; i++) {
		const uint64_t ids[2] = { v->threads[i].cgroup1_id, v->threads[i].cgroup_id };

		for (int k = 0; k < 2; k++) {
			int hier = k ? PSYSFILE_CGROUP_V2 : PSYSFILE_CGROUP_V1;
			const char *path;

			if (!ids[k] || hmap_get(&w->cg_done[k], ids[k], NULL, NULL) != HMAP_NONE ||
			    !(path = w->cgnames.path(w->cgnames.ctx, hier, ids[k])))
				continue;
			if (hmap_put(&w->cg_done[k], ids[k], 0))
				return -ENOMEM;
			buf_put_varint(&w->body, (uint64_t)hier);
			buf_put_varint(&w->body, ids[k]);
			buf_put_bytes(&w->body, path, strlen(path));
			count++;
		}
	}
	return count ? write_table(w, REC_CGROUPS, count) : 0;
}

int psysfile_write_block(struct psysfile_writer *w, const struct psysblock *b)
{
	int err;

	if (w->fd < 0)
		return -EBADF;
	/* The block's stacks say which symbols it needs. */
	if ((err = psysblock_inflate(w->dctx, b->data, b->len, b->raw_len, &w->raw)) ||
	    (err = psysblock_decode(&w->view, w->raw.data, w->raw.len)))
		return err;
	if ((err = write_symbols(w, &w->view)) || (err = write_cgroups(w, &w->view)) ||
	    (err = write_record(w, REC_DATA, REC_ZSTD, b->data, b->len, b->raw_len,
				b->nsamples)))
		return err;
	w->samples += b->nsamples;
	return 0;
}

static struct psysblock_builder *builder_of(struct psysfile_writer *w, uint32_t cpu)
{
	if (cpu >= w->ncpu) {
		size_t cap = w->ncpu;

		if (buf_grow((void **)&w->cpu, &cap, (size_t)cpu + 1, sizeof(*w->cpu)))
			return NULL;
		memset(w->cpu + w->ncpu, 0, (cap - w->ncpu) * sizeof(*w->cpu));
		w->ncpu = cap;
	}
	if (!w->cpu[cpu]) {
		if (!(w->cpu[cpu] = psysblock_builder_new(cpu)))
			return NULL;
		psysblock_set_period(w->cpu[cpu], w->period);
		psysblock_set_time_unit(w->cpu[cpu], w->unit);
	}
	return w->cpu[cpu];
}

/* Seals and writes the block of one CPU. */
static int flush_cpu(struct psysfile_writer *w, struct psysblock_builder *b)
{
	struct psysblock *blk;
	uint32_t n = psysblock_count(b);
	int err = psysblock_seal(b, w->cctx, w->level, &blk);

	if (err)
		return err;
	if (!blk)
		return 0;
	w->pending -= n;
	err = psysfile_write_block(w, blk);
	free(blk);
	return err;
}

int psysfile_add(struct psysfile_writer *w, const struct psysfile_sample *s)
{
	struct psysblock_builder *b;
	int err;

	if (s->cpu > PSYSFILE_MAX_CPU || s->nframes > PSYSFILE_MAX_FRAMES ||
	    s->nuframes > PSYSFILE_MAX_FRAMES)
		return -EINVAL;
	if (!(b = builder_of(w, s->cpu)))
		return -ENOMEM;
	err = psysblock_add(b, s);
	if (err == -E2BIG) {
		/* The block is full: it goes out now. */
		if ((err = flush_cpu(w, b)))
			return err;
		err = psysblock_add(b, s);
	}
	if (err)
		return err;
	w->pending++;
	return 0;
}

int psysfile_flush(struct psysfile_writer *w)
{
	int err = 0, any = 0;

	if (w->fd < 0)
		return w->pending ? -EBADF : 0;
	for (size_t i = 0; i < w->ncpu; i++) {
		if (!w->cpu[i] || !psysblock_count(w->cpu[i]))
			continue;
		any = 1;
		if ((err = flush_cpu(w, w->cpu[i])))
			return err;
	}
	return any ? psysfile_sync_now(w) : 0;
}

int psysfile_sync_now(struct psysfile_writer *w)
{
	/* A power cut loses at most what came since. */
	if (w->sync && w->fd >= 0 && w->io->fsync(w->io->ctx, w->fd, 1))
		return -errno;
	return 0;
}

int psysfile_finish(struct psysfile_writer *w, const json_t *trailer)
{
	int err;

	if ((err = psysfile_flush(w)) || (err = write_json(w, REC_TRAILER, trailer)))
		return err;
	release_room(w);
	if (w->io->fsync(w->io->ctx, w->fd, 0))
		return -errno;
	err = close(w->fd) ? -errno : 0;
	w->fd = -1;
	return err;
}

void psysfile_writer_free(struct psysfile_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		release_room(w);
		close(w->fd);
	}
	ZSTD_freeCCtx(w->cctx);
	ZSTD_freeDCtx(w->dctx);
	for (size_t i = 0; i < w->ncpu; i++)
		psysblock_builder_free(w->cpu[i]);
	free(w->cpu);
	hmap_free(&w->sym_done);
	hmap_free(&w->cg_done[0]);
	hmap_free(&w->cg_done[1]);
	hmap_free(&w->stack_seen);
	psysblock_view_free(&w->view);
	buf_free(&w->raw);
	buf_free(&w->body);
	buf_free(&w->out);
	free(w);
}
