/* The timeline: when each folded sample was taken, on which CPU, and
 * which folded line it went into, with the moments of its capture (start,
 * end, triggers). psys-fold writes it after the stack lines of a fold of
 * one capture, as "# timeline...: "..."" lines that other folded-stack
 * tools ignore; psys-svg reads it back to draw the samples over time and
 * to fold any range of them again. The text is in docs/FORMAT.md. */
#ifndef PSYS_TIMELINE_H
#define PSYS_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "folded/folded.h"

/* The version timeline_write writes: 2 codes each line's samples as
 * base64 varints. timeline_read reads it and version 1 (decimal steps, as
 * earlier psys-fold wrote). */
#define TIMELINE_VERSION 2
/* Samples per "# timeline-samples" line: keeps lines a few KB. */
#define TIMELINE_CHUNK 4096

/* A trigger that started or extended the capture: psys-watch measured
 * sys time at or above GATE % on the HOT CPUs over [FROM_NS, AT_NS]. */
struct timeline_mark {
	int64_t at_ns;		/* the poll that found the heat */
	int64_t from_ns;	/* the poll before it */
	double gate;		/* percent; 0 if unknown */
	char *hot;		/* "1:97.53,3:12" (cpu:sys%); owned, may be "" */
};

struct timeline_sample {
	int64_t t_ns;		/* from the capture start (may be < 0) */
	uint32_t cpu;
	uint32_t line;		/* index of its stack line, 0-based */
};

/* Times are ns from the capture start: the start psys-fold's --from and
 * --to count from. */
struct timeline {
	int64_t wall0_ns;	/* wall clock of the start, ns since the epoch */
	int32_t utc_offset_s;	/* local time minus UTC at the start, in the
				   zone psys-fold ran in (its --from HH:MM) */
	int64_t end_ns;		/* the capture's end (0: unknown) */
	uint32_t freq_hz;	/* samples per second per CPU (0: unknown) */
	uint64_t nlines;	/* stack lines the samples index */
	struct timeline_mark *marks;	/* owned, in time order */
	size_t nmarks;
	struct timeline_sample *samples; /* owned, in time order */
	size_t nsamples;
};

/* Writes TL as timeline lines of TIMELINE_VERSION (the header line, one
 * line per mark, then the samples of each CPU in lines of TIMELINE_CHUNK).
 * The samples need not be sorted (in time order, or CPU by CPU in time
 * order, they are written without a sort). Returns 0, -EINVAL (a line
 * index >= TL->nlines), -ENOMEM or -EIO (check ferror(OUT)). */
int timeline_write(FILE *out, const struct timeline *tl);

/* Reads the timeline (version 1 or 2) from IN's metadata (folded_read_*
 * keeps the "# timeline" lines wherever they are). Returns 1 and fills TL
 * (zeroed or freed before; samples sorted by time, then CPU, then line)
 * when there is one;
 * 0 when there is none; -EBADMSG when it is malformed or inconsistent (a
 * one-line reason in ERR, ERRLEN bytes, quoting nothing of the input);
 * -ENOMEM. TL is left empty unless 1 is returned. */
int timeline_read(const struct folded *in, struct timeline *tl, char *err,
		  size_t errlen);

/* Checks TL against the stack lines it indexes: N lines whose counts are
 * COUNTS. Returns 0 when there are as many lines as TL says and each
 * line's count is its number of samples; -EBADMSG otherwise (a reason in
 * ERR). */
int timeline_check(const struct timeline *tl, const double *counts, size_t n,
		   char *err, size_t errlen);

/* Frees what TL owns and zeroes it; TL may be NULL. */
void timeline_free(struct timeline *tl);

#endif
