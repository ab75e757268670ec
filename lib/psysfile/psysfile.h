/* The .psys container: one capture, self-describing and self-sufficient.
 * A fixed file header, then numbered records: a JSON header, data records
 * written as the capture goes (each one block: the samples of one CPU over
 * about a second with every thread and stack they use, see psysblock.h),
 * symbol records naming the kernel addresses the blocks are the first to
 * use, and a JSON trailer with the counts. Every record carries a CRC, a
 * sync word and its number, so a reader keeps everything before a
 * truncated or damaged spot, resumes after it, skips copies, and never
 * attributes a sample to anything its own block does not say. The byte
 * layout is in docs/FORMAT.md. */
#ifndef PSYS_PSYSFILE_H
#define PSYS_PSYSFILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "symbols/ksyms.h"
#include "psysfile/psysblock.h"

/* Version 2: every data record is a self-contained block (psysblock.h).
 * Version 1 files (psys 0.1) are still read; see psysfile_open. */
#define PSYSFILE_VERSION_MAJOR 2
#define PSYSFILE_VERSION_MINOR 1

/* ---- Writing ---- */

struct psysfile_writer;

/* Creates PATH (never an existing file, never through a symlink; mode
 * 0600) relative to DIRFD (AT_FDCWD for none), and writes the file header
 * and the JSON HEADER object (not stolen). KSYMS, if not NULL, names every
 * address the file will hold: each data record carries the symbols its new
 * stacks need, so the file folds without the machine it came from; it must
 * outlive the writer. Returns 0 or a negative errno (-EEXIST if taken). */
int psysfile_create(int dirfd, const char *path, const json_t *header,
		    const struct ksyms *ksyms, struct psysfile_writer **out);

/* The calls a writer makes on its file, each as the system call of its
 * name (returning -1 with errno set on failure; FSYNC's DATA_ONLY asks for
 * fdatasync): a test hands in its own to fail any one of them. */
struct psysfile_io {
	void *ctx;
	ssize_t (*write)(void *ctx, int fd, const void *buf, size_t n);
	int (*fallocate)(void *ctx, int fd, int mode, off_t off, off_t len);
	int (*ftruncate)(void *ctx, int fd, off_t len);
	int (*fsync)(void *ctx, int fd, int data_only);
};

/* psysfile_create writing through IO (NULL: the system's calls), which
 * must outlive the writer. */
int psysfile_create_io(int dirfd, const char *path, const json_t *header,
		       const struct ksyms *ksyms, const struct psysfile_io *io,
		       struct psysfile_writer **out);

/* The room kept for the trailer by default, and the most it can need
 * without --user-stacks' mappings or a long list of triggers. */
#define PSYSFILE_RESERVE 4096

/* Keeps BYTES allocated past the end of the file (fallocate, the size
 * unchanged) for the trailer (PSYSFILE_RESERVE from psysfile_create): a
 * record is written only once the space for it and then the reserve is
 * allocated, so a full disk stops the records (-ENOSPC, nothing written)
 * before it can keep the trailer out. What is left is given back when
 * the file is closed. Where the file system cannot allocate ahead,
 * nothing is reserved. Returns 0 or a negative errno (-ENOSPC: the
 * larger reserve could not be had; the earlier one still stands). */
int psysfile_set_reserve(struct psysfile_writer *w, uint64_t bytes);

/* zstd level for data records (default 3) and whether each record is
 * followed by fdatasync (default on: a power cut loses at most a record). */
void psysfile_set_level(struct psysfile_writer *w, int level);
void psysfile_set_sync(struct psysfile_writer *w, int on);

/* The sampling period (1e9 / frequency), which makes stored time steps
 * small: only each step's difference from it is stored. 0 (the default)
 * for none. Takes effect at the next record. */
void psysfile_set_period(struct psysfile_writer *w, uint64_t ns);

/* Resolution of stored sample times (default PSYSFILE_TIME_UNIT ns; 1 to
 * 1,000,000). Times are rounded to the nearest step; each data record
 * names its own unit. */
void psysfile_set_time_unit(struct psysfile_writer *w, uint64_t ns);

/* Queues one sample; S->thread_id/stack_id are ignored. Flushes by itself
 * when the queue is large. Returns 0 or a negative errno. */
int psysfile_add(struct psysfile_writer *w, const struct psysfile_sample *s);

/* Names cgroup ids for the capture: PATH returns the path of cgroup ID of
 * hierarchy HIER (PSYSFILE_CGROUP_V1 or _V2) as psys-record resolved it
 * while the cgroup existed, or NULL when it never could. Each data record
 * is preceded by a cgroups record naming the ids its threads are the
 * first to use. Without it (the default) no cgroup is named. */
struct psysfile_cgroup_names {
	void *ctx;
	const char *(*path)(void *ctx, int hier, uint64_t id);
};
void psysfile_set_cgroup_names(struct psysfile_writer *w,
			       const struct psysfile_cgroup_names *names);

/* Writes the sealed block B (not taken) as one data record, preceded by a
 * record with the kernel symbols its stacks are the first to need: this
 * is how psys-record copies its pre-trigger ring into a capture without
 * re-encoding samples. Returns 0 or a negative errno (-EBADMSG if B does
 * not decode). */
int psysfile_write_block(struct psysfile_writer *w, const struct psysblock *b);

/* With sync on, waits until the records written so far are on disk.
 * Returns 0 or a negative errno. */
int psysfile_sync_now(struct psysfile_writer *w);

/* Writes the queued samples, one data record per CPU (nothing if none),
 * then syncs.
 * Returns 0 or a negative errno; after an error the file still holds every
 * earlier record intact (a partial record is cut off again). */
int psysfile_flush(struct psysfile_writer *w);

/* Flushes, writes the JSON TRAILER (not stolen), syncs and closes.
 * Returns 0 or a negative errno. The writer must still be freed. */
int psysfile_finish(struct psysfile_writer *w, const json_t *trailer);

/* Drops the queued samples (after a failed flush, so that a trailer can
 * still be written) and returns how many there were. */
uint64_t psysfile_discard(struct psysfile_writer *w);

/* Counts so far: samples in records written (queued ones not included). */
uint64_t psysfile_samples(const struct psysfile_writer *w);
uint64_t psysfile_bytes(const struct psysfile_writer *w);
uint64_t psysfile_stacks(const struct psysfile_writer *w);
uint64_t psysfile_symbols(const struct psysfile_writer *w);

/* Closes (without a trailer if not finished: the file stays readable)
 * and frees. Accepts NULL. */
void psysfile_writer_free(struct psysfile_writer *w);

/* ---- Reading ---- */

struct psysfile_reader;

/* What a reader found besides samples. */
struct psysfile_stats {
	uint64_t records;	/* records read intact */
	uint64_t bad_records;	/* records skipped: CRC, compression, layout */
	uint64_t skipped_bytes;	/* bytes passed over while resyncing */
	uint64_t truncated_bytes; /* an incomplete record at the end */
	uint64_t samples;	/* samples returned */
	uint64_t lost_samples;	/* in damaged records whose header said how
				   many they held */
	uint64_t missing_records; /* numbers never seen in the record sequence */
	uint64_t duplicates;	/* records seen twice: the copies skipped (records
				   out of order are read where they stand) */
	uint64_t unresolved;	/* version 1: samples dropped, their thread or
				   stack not defined */
	uint64_t unread_bytes;	/* version 1: bytes after the first damage,
				   which a 1.x file cannot be read past */
	int version;		/* the file's major version */
	int has_header, has_trailer;
};

/* psysfile_open's error for a file holding more than one capture, such as
 * two captures joined with cat(1). */
#define PSYSFILE_ECONCAT ENOTUNIQ

/* Opens PATH ("-" for standard input) and reads it whole. Returns 0,
 * -EPROTO if it is not a .psys file, -EPROTONOSUPPORT for a newer major
 * version, -PSYSFILE_ECONCAT for several captures in one file, or another
 * negative errno. Version 1 files are read up to their first damaged
 * record: their ids are file-wide, so nothing after damage can be
 * attributed safely (the rest is counted in unread_bytes). */
int psysfile_open(const char *path, struct psysfile_reader **out);

/* The same over a buffer in memory, which the reader copies. */
int psysfile_open_mem(const void *data, size_t len,
		      struct psysfile_reader **out);

/* Reads the next sample into S (pointers stay valid until the next call).
 * Returns 1 for a sample, 0 at the end, -ENOMEM. Damage is never an error
 * here: it is counted in the stats and reading goes on after it. */
int psysfile_next(struct psysfile_reader *r, struct psysfile_sample *s);

/* The samples of the next intact data record, as columns with file-wide
 * ids (valid until the next call; do not mix with psysfile_next). */
struct psysfile_batch {
	uint32_t n;
	const uint64_t *time;
	const uint32_t *cpu, *thread, *stack, *ustack, *flags;
	const uint32_t *pid_of;	/* the pid of each thread id */
};

/* Returns 1 for a batch (N may be 0), 0 at the end, or -ENOMEM. */
int psysfile_next_batch(struct psysfile_reader *r, struct psysfile_batch *b);

/* Cgroup hierarchies, as samples and cgroups records name them: v2 (the
 * unified tree, bpf_get_current_cgroup_id) and the one v1 hierarchy the
 * header's "cgroups" names (cpuacct, else cpu). */
#define PSYSFILE_CGROUP_V1 1
#define PSYSFILE_CGROUP_V2 2

/* The cgroup ids (0: none recorded) of a thread by file-wide id. */
void psysfile_thread_cgroups(const struct psysfile_reader *r, uint32_t id, uint64_t *cg2,
			     uint64_t *cg1);

/* The path of cgroup ID in hierarchy HIER (relative to the hierarchy's
 * root, "/..."), as the capture's cgroups records named it; NULL when no
 * intact record named it (the cgroup was gone before psys-record could
 * name it, or its record was lost). Borrowed. */
const char *psysfile_cgroup_path(const struct psysfile_reader *r, int hier, uint64_t id);

/* A thread by file-wide id: its comm (borrowed), pid and tid. */
const char *psysfile_thread(const struct psysfile_reader *r, uint32_t id,
			    uint32_t *pid, uint32_t *tid);

/* The header and trailer objects (borrowed), or NULL when absent. The
 * trailer is known once psysfile_next has returned 0. */
json_t *psysfile_header(struct psysfile_reader *r);
json_t *psysfile_trailer(struct psysfile_reader *r);

/* The symbols embedded in the file, finished and ready for lookups
 * (complete once psysfile_next has returned 0). Borrowed. */
const struct ksyms *psysfile_ksyms(struct psysfile_reader *r);

/* Thread and stack tables by file-wide id: valid ids come from samples. */
const char *psysfile_thread_comm(const struct psysfile_reader *r, uint32_t id);
/* A user stack by id: its names, leaf first (borrowed). */
const char *const *psysfile_ustack(const struct psysfile_reader *r, uint32_t id,
				   uint32_t *nframes);
const uint64_t *psysfile_stack(const struct psysfile_reader *r, uint32_t id,
			       uint32_t *nframes);
uint32_t psysfile_nthreads(const struct psysfile_reader *r);
uint32_t psysfile_nstacks(const struct psysfile_reader *r);

const struct psysfile_stats *psysfile_stats(const struct psysfile_reader *r);

void psysfile_reader_free(struct psysfile_reader *r);

#endif
