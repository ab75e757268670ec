/* A block: the samples of one CPU over up to about a second, with the
 * threads, kernel stacks and user stacks they use, under ids that mean
 * something only inside the block. A block is the one encoding of samples
 * in psys: psys-record's pre-trigger ring holds sealed blocks, and a
 * capture is those same bytes, one data record per block (docs/FORMAT.md).
 * Because a block refers to nothing outside itself, losing one can only
 * lose its own samples: no damage elsewhere can re-point them. */
#ifndef PSYS_PSYSBLOCK_H
#define PSYS_PSYSBLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/hmap.h"

/* Stack depth accepted: BPF gives at most 127 kernel frames; the margin is
 * for user stacks. */
#define PSYSFILE_MAX_FRAMES 1024
#define PSYSFILE_NO_STACK UINT32_MAX
/* Sample times are stored in steps of this many ns by default. */
#define PSYSFILE_TIME_UNIT 1000
#define PSYSFILE_MAX_CPU 65535

/* psysfile_sample.flags: the same bits as bpf/psys.h. */
#define PSYSFILE_USER		0x1
#define PSYSFILE_STACK_ERR	0x2
#define PSYSFILE_TRUNCATED	0x4
#define PSYSFILE_USTACK_ERR	0x8
#define PSYSFILE_IDLE_NOSTACK	0x10	/* idle task: stack not walked */

struct psysfile_sample {
	uint64_t time_ns;	/* CLOCK_MONOTONIC */
	uint32_t cpu, pid, tid, flags;
	const char *comm;	/* NUL-terminated */
	uint32_t nframes;
	const uint64_t *frames;	/* kernel stack, leaf first */
	/* The user stack, already named (user addresses mean nothing once
	 * the process is gone), leaf first; NUL-terminated names. */
	uint32_t nuframes;
	const char *const *uframes;
	/* The thread's cgroups when it was sampled: the cgroup v2 id
	 * (bpf_get_current_cgroup_id) and the id of its cgroup in the one v1
	 * hierarchy the capture's header names; 0: not recorded. Kept per
	 * thread in a block's thread table, so they cost no bytes per
	 * sample. */
	uint64_t cgroup_id, cgroup1_id;
	/* Set by the reader: file-wide ids of the thread (pid, tid, comm),
	 * of the kernel stack (PSYSFILE_NO_STACK when nframes is 0) and of
	 * the user stack (PSYSFILE_NO_STACK when nuframes is 0). */
	uint32_t thread_id, stack_id, ustack_id;
};

/* A sealed block: one zstd frame holding the encoded block. Allocated in
 * one piece (free() frees it). */
struct psysblock {
	uint32_t cpu, nsamples;
	uint64_t first_ns, last_ns;	/* times of its first and last sample */
	uint32_t raw_len, len;		/* decoded and stored sizes */
	unsigned char data[];
};

/* ---- Building ---- */

struct psysblock_builder;

/* A builder for the samples of CPU. NULL with errno set on failure. */
struct psysblock_builder *psysblock_builder_new(uint32_t cpu);

/* The sampling period in ns (0: none), taken off each stored time step,
 * and the resolution of stored times (1 to 1,000,000 ns). Both take
 * effect at the next block. */
void psysblock_set_period(struct psysblock_builder *b, uint64_t ns);
void psysblock_set_time_unit(struct psysblock_builder *b, uint64_t ns);

/* Adds one sample of the builder's CPU (S->cpu is not read; the *_id
 * fields are ignored). Returns 0, -EINVAL for more than
 * PSYSFILE_MAX_FRAMES frames, or -ENOMEM (the builder is then unchanged). */
int psysblock_add(struct psysblock_builder *b, const struct psysfile_sample *s);

/* Samples added since the last seal, and the first one's time (0: none). */
uint32_t psysblock_count(const struct psysblock_builder *b);
uint64_t psysblock_first_ns(const struct psysblock_builder *b);

/* Bytes of memory the builder holds now, tables and columns included. */
size_t psysblock_builder_bytes(const struct psysblock_builder *b);

/* Encodes the samples added so far into a sealed block compressed with
 * CCTX at LEVEL, and empties the builder (keeping its memory). *OUT is
 * NULL when there were no samples. Returns 0, -ENOMEM or -EIO (zstd). */
int psysblock_seal(struct psysblock_builder *b, void *cctx, int level,
		   struct psysblock **out);

/* Empties the builder without sealing. */
void psysblock_reset(struct psysblock_builder *b);

void psysblock_builder_free(struct psysblock_builder *b);	/* accepts NULL */

/* ---- Reading ---- */

/* A decoded block. Ids index the block's own tables; arrays are owned by
 * the view and reused by the next decode. */
struct psysblock_view {
	uint32_t cpu, n;
	uint64_t unit_ns, period_ns;	/* the block's time unit and period */
	uint64_t *time;			/* n sample times, ns */
	uint32_t *thread;		/* n thread ids */
	uint32_t *stack;		/* n kernel stack ids or PSYSFILE_NO_STACK */
	uint32_t *ustack;		/* n user stack ids or PSYSFILE_NO_STACK */
	uint32_t *flags;		/* n PSYSFILE_* flags */

	uint32_t nthreads;
	struct psysblock_thread {
		uint32_t pid, tid;
		const char *comm;	/* NUL-terminated */
		uint64_t cgroup_id, cgroup1_id;	/* 0: not recorded */
	} *threads;
	uint32_t nstacks;
	uint32_t *stack_off, *stack_len;	/* into frames */
	uint64_t *frames;		/* leaf first */
	uint32_t nustacks;
	uint32_t *ustack_off, *ustack_len;	/* into uframes */
	const char **uframes;		/* names, leaf first */

	/* Private: storage. */
	struct buf strs;
	uint32_t *ustr_off;
	uint64_t *cg_pairs;		/* the block's (v2, v1) cgroup pairs */
	size_t caps[14];
};

/* Decompresses block B (stored as in a data record: LEN bytes holding one
 * zstd frame of RAW_LEN bytes) into RAW with DCTX. Returns 0, -EBADMSG if
 * it does not decode to exactly RAW_LEN bytes, or -ENOMEM. */
int psysblock_inflate(void *dctx, const void *data, size_t len, size_t raw_len,
		      struct buf *raw);

/* Decodes an encoded block of LEN bytes into V, checking everything: a
 * block whose sample refers to an id its tables lack, or that is malformed
 * in any way, is refused whole. Returns 0, -EBADMSG or -ENOMEM. */
int psysblock_decode(struct psysblock_view *v, const unsigned char *raw, size_t len);

/* Sample I of V as a psysfile_sample, pointing into V. The *_id fields
 * are the block's own ids. */
void psysblock_sample(const struct psysblock_view *v, uint32_t i,
		      struct psysfile_sample *s);

void psysblock_view_free(struct psysblock_view *v);	/* the arrays only */

/* A new block holding the samples of B with FROM <= time < TO, encoded
 * afresh (B is read with DCTX, the new one compressed with CCTX at
 * LEVEL): how a block from the pre-trigger ring is cut to a capture's
 * exact window. *OUT is NULL when none is in the window. Returns 0,
 * -EBADMSG if B does not decode, -ENOMEM or -EIO. */
int psysblock_trim(const struct psysblock *b, uint64_t from, uint64_t to, void *cctx,
		   void *dctx, int level, struct psysblock **out);

#endif
