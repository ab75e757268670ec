/* psys-cgcost: what a capture's cgroup ids and names cost in its bytes,
 * exactly, on the capture itself: every data record's block is encoded
 * again twice, with its threads' cgroup ids and without (the same
 * samples, builder and zstd level), and the cgroups records are counted
 * whole. Walks the records as docs/FORMAT.md lays them out; version 2
 * files only.
 *
 *   psys-cgcost FILE.psys
 *
 * prints "samples N file_bytes F cgroup_bytes C (records R, in blocks B)
 * per_sample P". */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "base/buf.h"
#include "base/file.h"
#include "psysfile/psysblock.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The size of V's samples sealed again, with or without cgroup ids. */
static size_t reseal(const struct psysblock_view *v, int cgroups, void *cctx)
{
	struct psysblock_builder *b = psysblock_builder_new(v->cpu);
	struct psysblock *out = NULL;
	struct psysfile_sample s;
	size_t n = 0;

	psysblock_set_time_unit(b, v->unit_ns);
	psysblock_set_period(b, v->period_ns);
	for (uint32_t i = 0; i < v->n; i++) {
		psysblock_sample(v, i, &s);
		if (!cgroups)
			s.cgroup_id = s.cgroup1_id = 0;
		psysblock_add(b, &s);
	}
	if (psysblock_seal(b, cctx, 3, &out) == 0 && out)
		n = out->len;
	free(out);
	psysblock_builder_free(b);
	return n;
}

int main(int argc, char **argv)
{
	unsigned char *img;
	size_t len, pos = 16;
	uint64_t samples = 0, rec_bytes = 0, with = 0, without = 0;
	struct buf raw = { 0 };
	struct psysblock_view v = { 0 };
	void *cctx = ZSTD_createCCtx(), *dctx = ZSTD_createDCtx();

	if (argc != 2 || file_read_path(argv[1], 1u << 30, &img, &len)) {
		fprintf(stderr, "usage: psys-cgcost FILE.psys (a readable capture)\n");
		return 2;
	}
	while (pos + 28 <= len && !memcmp(img + pos, "PSYR", 4)) {
		uint32_t plen = le32(img + pos + 8), rlen = le32(img + pos + 12);
		int type = img[pos + 4];

		if (pos + 28 + plen > len)
			break;
		if (type == 5)
			rec_bytes += 28 + plen;
		if (type == 2 && !psysblock_inflate(dctx, img + pos + 28, plen, rlen, &raw) &&
		    !psysblock_decode(&v, raw.data, raw.len)) {
			samples += v.n;
			with += reseal(&v, 1, cctx);
			without += reseal(&v, 0, cctx);
		}
		pos += 28 + plen;
	}
	int64_t in_blocks = (int64_t)with - (int64_t)without;
	printf("samples %llu file_bytes %zu cgroup_bytes %lld (records %llu, in blocks %lld) "
	       "per_sample %.3f\n", (unsigned long long)samples, len,
	       (long long)rec_bytes + in_blocks, (unsigned long long)rec_bytes,
	       (long long)in_blocks, samples ? ((double)rec_bytes + in_blocks) / samples : 0.0);
	psysblock_view_free(&v);
	buf_free(&raw);
	free(img);
	ZSTD_freeCCtx(cctx);
	ZSTD_freeDCtx(dctx);
	return 0;
}
