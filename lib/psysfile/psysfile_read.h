/* The .psys reader's state, shared by the version 2 reader
 * (psysfile_read.c) and the version 1 record parser (psysfile_v1.c).
 * Internal to lib/psysfile_*.c. */
#ifndef PSYS_PSYSFILE_READ_H
#define PSYS_PSYSFILE_READ_H

#include "psysfile/psysfile.h"
#include "psysfile/psysfile_int.h"
#include <zstd.h>
#include "base/hmap.h"

struct rthread {
	uint32_t pid, tid;
	size_t comm;		/* offset in strings */
	uint64_t cg2, cg1;	/* cgroup ids, 0: none */
};

/* A cgroup a cgroups record named. */
struct rcgroup {
	uint64_t id;
	int hier;		/* PSYSFILE_CGROUP_V1 or _V2 */
	size_t path;		/* offset in strings */
};

struct psysfile_reader {
	unsigned char *data;
	size_t len, pos, hdr_size;
	int major;
	int64_t last_seq;	/* the highest record number seen */
	struct hmap seen;	/* numbers of the records read intact */
	struct hmap bad;	/* numbers of damaged ones -> their samples */
	uint64_t bad_open;	/* damaged ones no intact copy replaced */

	json_t *header, *trailer;
	struct ksyms *ksyms;
	int ksyms_dirty;
	ZSTD_DCtx *dctx;
	struct buf rec;		/* the record being read, decoded */

	/* File-wide tables: threads, kernel stacks, user frame names (each
	 * its own allocation, so pointers stay put) and user stacks. */
	struct rthread *threads;
	uint32_t nthreads;
	size_t threads_cap;
	struct hmap thread_map;
	struct buf strings;
	uint64_t *frames;
	size_t nframes, frames_cap;
	uint64_t *stack_off;
	uint32_t *stack_len;
	uint32_t nstacks;
	size_t stack_off_cap, stack_len_cap;
	struct hmap stack_map;
	char **ustr;
	uint32_t nustr;
	size_t ustr_cap;
	struct hmap ustr_map;
	const char **uptr;	/* every user stack's names, end to end */
	size_t nuptr, uptr_cap;
	uint64_t *ustack_off;
	uint32_t *ustack_len;
	uint32_t nustacks;
	size_t ustack_off_cap, ustack_len_cap;
	struct hmap ustack_map;

	/* Cgroup paths by (hierarchy, id), as cgroups records named them. */
	struct rcgroup *cgroups;
	uint32_t ncgroups;
	size_t cgroups_cap;
	struct hmap cgroup_map;

	/* Version 2: the block being read, and its ids -> file-wide ids. */
	struct psysblock_view view;
	uint32_t *gthread, *gstack, *gustack;
	size_t gthread_cap, gstack_cap, gustack_cap;

	/* Version 1: each CPU's previous sample time in the record. */
	int64_t *v1_cpu_last;
	uint32_t *v1_cpu_gen;
	size_t v1_ncpu;
	uint32_t v1_gen;

	/* The current batch: columns with file-wide ids. */
	uint64_t *btime;
	uint32_t *bcpu, *bthread, *bstack, *bustack, *bflags;
	const uint64_t *ctime;	/* the batch's times and flags: btime and */
	const uint32_t *cflags;	/* bflags, or the block's own (version 2) */
	uint32_t *tpid;		/* pid by thread id */
	size_t tpid_cap;
	size_t bcap;
	uint32_t bn, bi;
	int batch_pending;	/* loaded by open, not yet handed out */

	struct psysfile_stats stats;
};

/* Appends to the file-wide tables; each returns the new id or -ENOMEM. */
int reader_add_thread(struct psysfile_reader *r, uint32_t pid, uint32_t tid,
		      const char *comm, size_t n, uint64_t cg2, uint64_t cg1);
int reader_add_stack(struct psysfile_reader *r, const uint64_t *frames, uint32_t n);
int reader_add_ustack(struct psysfile_reader *r, const char *const *names, uint32_t n);
const char *reader_intern_ustr(struct psysfile_reader *r, const char *name, size_t n);

/* Takes a cgroups record's body C into the reader's cgroup table, whole
 * or not at all. Returns 0, -EBADMSG or -ENOMEM. */
int reader_parse_cgroups(struct psysfile_reader *r, struct cursor c);

/* Room for N samples in the batch columns. Returns 0 or -ENOMEM. */
int reader_batch_room(struct psysfile_reader *r, size_t n);

/* Parses the version 1 data record in r->rec: its definitions into the
 * tables, its samples into the batch. Returns 0, -EBADMSG or -ENOMEM. */
int psysfile_v1_data(struct psysfile_reader *r);

#endif
