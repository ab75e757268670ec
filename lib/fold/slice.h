/* Slicing a capture: which samples psys-fold keeps, by CPU, process,
 * thread, process name (POSIX extended regex) and time window. Times are
 * given as seconds from the capture start or as wall-clock times and
 * resolved against each capture's own start. */
#ifndef PSYS_SLICE_H
#define PSYS_SLICE_H

#include "base/idlist.h"

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

/* A point in time as the user wrote it. */
enum slice_time_kind {
	SLICE_TIME_NONE,	/* not given */
	SLICE_TIME_REL,		/* NS after the capture start */
	SLICE_TIME_WALL,	/* NS since the epoch (a date was given) */
	SLICE_TIME_TOD,		/* NS after local midnight (time of day only) */
};

struct slice_time {
	enum slice_time_kind kind;
	int64_t ns;
};

struct slice {
	struct idlist cpus, pids, tids;	/* n == 0: any (idlist.h) */
	regex_t comm;
	int has_comm;
	regex_t cgroup;		/* against the sample's cgroup (fold/who.h) */
	int has_cgroup;
	struct slice_time from, to;
	char from_text[64], to_text[64];	/* --from, --to as given */
	/* The slice in words, as the options that made it: " --cpu 0-3
	 * --comm nginx" (the metadata's "slice" line); "" for none. */
	char desc[1024];
};

/* Parses a time: "12", "1.5", "+3" (seconds from the capture start);
 * "10:15", "10:15:04", "10:15:04.250" (local time of day); an ISO 8601
 * date and time "2026-11-26T10:15:04[.fff]" (or a space for the T) in
 * local time, or with "Z" or an offset "+01:00"/"-0530". Returns 0 or
 * -EINVAL. */
int slice_parse_time(const char *s, struct slice_time *out);

/* Parses TEXT (as slice_parse_time) as the start (TO 0) or the end (TO
 * 1) of S's time window, keeping TEXT for messages and S's description.
 * Returns 0 or -EINVAL. */
int slice_set_time(struct slice *s, int to, const char *text);

/* Adds " OPT VAL" (VAL cleaned as a frame name; NULL: " OPT") to S's
 * description. */
void slice_note(struct slice *s, const char *opt, const char *val);

/* Turns T into CLOCK_MONOTONIC ns of a capture that started at WALL0_NS
 * (epoch) and MONO0_NS. A time of day means the first such local time at
 * or after 12 hours before the start (so a capture across midnight works).
 * Returns 0 (T given), 1 (T is SLICE_TIME_NONE: *MONO untouched) or
 * -EINVAL (no start known, or out of range). */
int slice_time_mono(const struct slice_time *t, int64_t wall0_ns,
		    int64_t mono0_ns, int64_t *mono);

/* Compiles RE as the process-name filter. Returns 0, -EINVAL (with the
 * regerror text in ERR, LEN bytes) or -ENOMEM. */
int slice_set_comm(struct slice *s, const char *re, char *err, size_t len);

/* Non-zero if COMM matches the filter (or there is none). */
int slice_comm_ok(const struct slice *s, const char *comm);

/* The same for the cgroup filter, against the sample's cgroup path (or
 * "cgroup id N"; "" when none was recorded). */
int slice_set_cgroup(struct slice *s, const char *re, char *err, size_t len);
int slice_cgroup_ok(const struct slice *s, const char *cgroup);

/* Non-zero if the ids pass the CPU, pid and tid filters. */
static inline int slice_ids_ok(const struct slice *s, uint32_t cpu,
			       uint32_t pid, uint32_t tid)
{
	return (!s->cpus.n || idlist_has(&s->cpus, cpu)) &&
	       (!s->pids.n || idlist_has(&s->pids, pid)) &&
	       (!s->tids.n || idlist_has(&s->tids, tid));
}

/* Frees what S owns; S may be NULL. */
void slice_free(struct slice *s);

#endif
