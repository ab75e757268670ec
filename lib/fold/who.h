/* Who ran a sample: its cgroup, and the container, pod and service named
 * after it (cgroup/cgroup_name.h), as psys-fold's root frames, filters,
 * labels and titles show them.
 *
 * A sample's cgroup is its v2 cgroup, unless that is the root (id 1, the
 * hierarchy's kernfs root) and its v1 cgroup is not: on a hybrid host
 * whose processes sit in the root of an empty unified tree, the v1
 * hierarchy is where containers and services are. The choice is made
 * from the ids alone, so damage that loses a name never moves a sample
 * to the other hierarchy's cgroup. A cgroup whose path
 * was never named shows as "cgroup id N" (its kernel id): never another
 * cgroup's name. */
#ifndef PSYS_WHO_H
#define PSYS_WHO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "psysfile/psysfile.h"

/* The cgroup of thread TH of R: its path, or "cgroup id N" when only its
 * id is known, in BUF (LEN bytes). Returns 1 (a path), 0 (an id only) or
 * -1 (no cgroup recorded: BUF is ""). */
int who_cgroup(const struct psysfile_reader *r, uint32_t th, char *buf, size_t len);

/* Root frames, each one frame's text (not yet cleaned): */
enum who_kind {
	WHO_CGROUP,	/* "cgroup PATH", "cgroup id N", "[no cgroup]" */
	WHO_CONTAINER,	/* "container ID12", "[no container]" */
	WHO_SERVICE,	/* "service NAME", "[no service]" */
};
void who_frame(const struct psysfile_reader *r, uint32_t th, enum who_kind kind, char *buf,
	       size_t len);

/* The labels of thread TH: BUF receives the cgroup ("" none); CONTAINER
 * (65 bytes), POD (37) and SERVICE (256) the names found in it (""). */
void who_labels(const struct psysfile_reader *r, uint32_t th, char *cgroup, size_t len,
		char *container, char *pod, char *service);

/* Every cgroup of R's samples (R read to its end with psysfile_next,
 * counting each thread's samples in PER_THREAD[thread id], NTHREADS
 * long) as a JSON array, most samples first: {"cgroup", "samples", and
 * "container_id", "pod_uid", "service" where known}. NULL on -ENOMEM. */
json_t *who_cgroups_json(const struct psysfile_reader *r, const uint64_t *per_thread,
			 size_t nthreads);

/* Whether every sample folded so far ran in one container, one service:
 * what a title or subtitle may name. */
struct who_seen {
	int any;		/* a sample was noted */
	int containers, services;	/* distinct values seen, "" counting
					   as one: 1 means one for all */
	char container[65], service[256];
	uint32_t last_thread;	/* + 1: the thread noted last */
};

/* Notes that a sample of thread TH of R was folded. */
void who_note(struct who_seen *w, const struct psysfile_reader *r, uint32_t th);

/* Notes the N threads at THREADS, STRIDE bytes apart (an array of
 * structs holding a thread id), each once. Returns 0 or -ENOMEM. */
int who_note_threads(struct who_seen *w, const struct psysfile_reader *r,
		     const uint32_t *threads, size_t n, size_t stride);

/* Adds what B saw to A (several captures into one fold). */
void who_merge(struct who_seen *a, const struct who_seen *b);

/* "container ID12" or "service NAME" when every sample noted in W ran in
 * one (a container first), into BUF; "" otherwise. Returns BUF. */
char *who_one(const struct who_seen *w, char *buf, size_t len);

#endif
