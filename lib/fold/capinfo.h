/* What psys-fold needs to know of a capture beyond its samples: its header
 * and trailer (lib/psysfile/header.h; a missing number reads 0 there), and
 * the facts lib/fold derives from them (the CPUs to name, the reference
 * symbols for a symbol check, the triggers), with "" for a missing
 * string. */
#ifndef PSYS_CAPINFO_H
#define PSYS_CAPINFO_H

#include <stddef.h>
#include <stdint.h>

#include "psysfile/header.h"
#include "psysfile/psysfile.h"
#include "symbols/ksyms.h"

struct capinfo {
	struct psys_header h;		/* the records as read */
	struct psys_trailer t;

	/* From the header. Strings borrowed from the reader, "" when absent. */
	const char *host, *kernel_release;
	const char *cpus;		/* the hot CPUs of a triggered capture,
					   else every CPU sampled */
	int no_symbols;			/* recorded with --no-symbols */
	int has_clocks;			/* both start clocks recorded */
	/* The reference symbols with a name; ETEXT the address of the last
	 * named _etext among them. */
	struct ksyms_ref *refs;
	size_t nrefs;
	uint64_t etext;
	/* The first _stext and _etext (0 when absent): the range of the
	 * kernel mapping of exports. */
	uint64_t stext_first, etext_first;
	const struct trigger *trigger;	/* the header's, or NULL */

	/* From the trailer. */
	int has_list;	/* the trailer lists triggers (even unreadable ones) */
};

/* Fills CI (zeroed or freed before) from R's header. Returns 0, -ENOMEM,
 * or -EINVAL with a one-line reason in WHY (LEN bytes) for a header that
 * does not read as one: CI then holds no header at all. */
int capinfo_header(struct capinfo *ci, struct psysfile_reader *r, char *why, size_t len);

/* Adds R's trailer to CI, once R has been read to its end. Returns as
 * capinfo_header; after -EINVAL, CI holds no trailer. */
int capinfo_trailer(struct capinfo *ci, struct psysfile_reader *r, char *why, size_t len);

void capinfo_free(struct capinfo *ci);	/* accepts NULL; CI zeroed after */

#endif
