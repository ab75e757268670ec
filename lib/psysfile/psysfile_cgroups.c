/* The reader's cgroup names: cgroups records (docs/FORMAT.md) into a
 * table by (hierarchy, id), and the lookups of psysfile.h. */
#include "psysfile/psysfile_read.h"

#include <errno.h>
#include <string.h>

#include "base/buf.h"
#include "base/hmap.h"


struct cgroup_key {
	const struct psysfile_reader *r;
	int hier;
	uint64_t id;
};

static int cgroup_eq(const void *ctx, uint32_t i)
{
	const struct cgroup_key *k = ctx;

	return k->r->cgroups[i].id == k->id && k->r->cgroups[i].hier == k->hier;
}

static uint64_t cgroup_hash(int hier, uint64_t id)
{
	return hash_u64s(&id, 1, (uint64_t)hier);
}

/* A cgroups record: each entry names one cgroup by its kernel id, which
 * means the same in every record of the capture; so a lost record can
 * leave a cgroup unnamed, never name it wrongly. The first name of an id
 * stands. */
int reader_parse_cgroups(struct psysfile_reader *r, struct cursor c)
{
	uint64_t count, hier, id;
	const unsigned char *p;
	size_t n;

	/* Checked whole before any of it is taken. */
	for (int take = 0; take < 2; take++) {
		struct cursor k = c;

		if (cursor_varint(&k, &count) || count > cursor_left(&k))
			return -EBADMSG;
		for (uint64_t i = 0; i < count; i++) {
			if (cursor_varint(&k, &hier) || cursor_varint(&k, &id) ||
			    cursor_bytes(&k, &p, &n) ||
			    (hier != PSYSFILE_CGROUP_V1 && hier != PSYSFILE_CGROUP_V2) || !id ||
			    memchr(p, 0, n))
				return -EBADMSG;
			if (!take)
				continue;
			struct cgroup_key key = { r, (int)hier, id };
			uint64_t h = cgroup_hash((int)hier, id);
			if (hmap_get(&r->cgroup_map, h, cgroup_eq, &key) != HMAP_NONE)
				continue;
			if (buf_grow((void **)&r->cgroups, &r->cgroups_cap, r->ncgroups + 1,
				     sizeof(*r->cgroups)))
				return -ENOMEM;
			r->cgroups[r->ncgroups] = (struct rcgroup){ id, (int)hier, r->strings.len };
			buf_put(&r->strings, p, n);
			buf_put_u8(&r->strings, 0);
			if (r->strings.err || hmap_put(&r->cgroup_map, h, r->ncgroups))
				return -ENOMEM;
			r->ncgroups++;
		}
		if (cursor_left(&k))
			return -EBADMSG;
	}
	return 0;
}

const char *psysfile_cgroup_path(const struct psysfile_reader *r, int hier, uint64_t id)
{
	struct cgroup_key key = { r, hier, id };
	uint32_t i;

	if (!id)
		return NULL;
	i = hmap_get(&r->cgroup_map, cgroup_hash(hier, id), cgroup_eq, &key);
	return i == HMAP_NONE ? NULL : (const char *)r->strings.data + r->cgroups[i].path;
}

void psysfile_thread_cgroups(const struct psysfile_reader *r, uint32_t id, uint64_t *cg2,
			     uint64_t *cg1)
{
	*cg2 = id < r->nthreads ? r->threads[id].cg2 : 0;
	*cg1 = id < r->nthreads ? r->threads[id].cg1 : 0;
}
