/* What psys-fold needs to know of a capture beyond its samples: the facts
 * of its header and trailer (host, kernel, clocks, symbols, triggers,
 * losses). The one place psys-fold reads them, so the rest of lib/fold
 * works on fields, never on the encoding. */
#ifndef PSYS_CAPINFO_H
#define PSYS_CAPINFO_H

#include <stddef.h>
#include <stdint.h>

#include "psysfile/psysfile.h"
#include "symbols/ksyms.h"

/* A trigger that started or extended a capture, as far as summaries
 * need it. Missing numbers are 0, a missing rule "". */
struct capinfo_trigger {
	const char *rule;		/* borrowed from the reader */
	double window, interval, gate;
	size_t nhot;			/* CPUs in its hot list ... */
	int64_t hot_cpu[4];		/* ... of which the first four */
	double hot_sys[4];
	char *line;	/* the trigger as one JSON line (trigger_parse's input),
			   NULL when it is not an object; owned */
};

struct capinfo {
	/* Header. Strings are borrowed from the reader, "" when absent. */
	const char *host, *kernel_release;
	const char *cpus;		/* the hot CPUs of a triggered capture,
					   else every CPU sampled */
	int no_symbols;			/* recorded with --no-symbols */
	int64_t freq_hz;
	int64_t wall0_ns, mono0_ns;	/* the start; 0 when unknown */
	int has_clocks;			/* both start clocks recorded */
	double duration_s;		/* planned; 0 when unknown */
	/* The reference symbols (names borrowed), the valid ones only;
	 * ETEXT the address of the last valid _etext among them. */
	struct ksyms_ref *refs;
	size_t nrefs;
	uint64_t etext;
	/* The first _stext and _etext as written (0 when absent): the
	 * range of the kernel mapping of exports. */
	uint64_t stext_first, etext_first;
	struct capinfo_trigger *trigger; /* the header's, or NULL */

	/* Trailer (all 0 without one). */
	int64_t end_wall_ns, end_mono_ns;
	uint64_t lost, stack_errors, bpf_misses;
	struct capinfo_trigger *triggers; /* every trigger of the capture */
	size_t ntriggers;
	int has_list;	/* the trailer lists triggers (even unreadable ones) */
};

/* Fills CI (zeroed or freed before) from R's header. Returns 0 or -ENOMEM. */
int capinfo_header(struct capinfo *ci, struct psysfile_reader *r);

/* Adds R's trailer to CI, once R has been read to its end. Returns 0 or
 * -ENOMEM. */
int capinfo_trailer(struct capinfo *ci, struct psysfile_reader *r);

void capinfo_free(struct capinfo *ci);	/* accepts NULL; CI zeroed after */

#endif
