/* Which symbols name a capture's kernel addresses: those embedded in it,
 * or one table given for every capture (a saved /proc/kallsyms or an ELF
 * image), checked against each capture's reference symbols. The same
 * addresses mean the same boot or build; all moved by one offset the same
 * build after KASLR moved it (core-kernel addresses are rebased); anything
 * else another kernel, refused unless forced. */
#ifndef PSYS_SYMPLAN_H
#define PSYS_SYMPLAN_H

#include "fold/capinfo.h"
#include "base/diag.h"
#include "fold/fold.h"

struct symplan {
	struct ksyms *ks;	/* the given table, or NULL: embedded; owned */
	const char *path;	/* its file (borrowed) */
	int force;		/* use KS even for another kernel */
};

/* Loads PATH, a kallsyms copy (plain, gzip or zstd) or, with ELF, an ELF
 * image's symbol table, into SP->ks. Returns 0, or a negative errno after
 * saying why on D. */
int symplan_load(struct symplan *sp, const char *path, int elf, const struct diag *d);

/* Decides how to name the addresses of the capture at PATH, whose header
 * CI holds: sets IN's ks, rebase, delta and etext. Notes a KASLR rebase or
 * a forced mismatch on D. Returns 0, or -EINVAL after saying on D why the
 * symbols cannot be used. */
int symplan_check(const struct symplan *sp, const char *path, const struct capinfo *ci,
		  struct fold_input *in, const struct diag *d);

void symplan_free(struct symplan *sp);	/* accepts NULL */

#endif
