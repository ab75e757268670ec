/* Choosing and checking symbol sources; see symplan.h. */
#include "fold/symplan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "symbols/elfsyms.h"

int symplan_load(struct symplan *sp, const char *path, int elf, const struct diag *d)
{
	const char *why;
	int err;

	sp->path = path;
	sp->ks = elf ? elfsyms_load(path) : ksyms_load(path);
	if (sp->ks)
		return 0;
	err = errno ? -errno : -EIO;
	why = strerror(errno);
	if (!elf && errno == ENODATA)
		why = "every address is 0 (copied without root, or kptr_restrict)";
	else if (!elf && errno == EBADMSG)
		why = "not kallsyms text, or damaged compression";
	else if (elf && errno == ENOEXEC)
		why = "not an ELF file";
	else if (elf && errno == ENODATA)
		why = "no symbol table (stripped?)";
	diag_say(d, "cannot read '%s': %s", path, why);
	return err;
}

/* The table disagrees with the capture's reference BAD. */
static int different(const struct symplan *sp, const char *path, const struct ksyms_ref *bad,
		     const struct diag *d)
{
	const struct ksym *k = ksyms_find(sp->ks, bad->name);
	char here[64];

	if (k)
		snprintf(here, sizeof(here), "at 0x%llx", (unsigned long long)k->addr);
	else
		snprintf(here, sizeof(here), "missing");
	diag_say(d, "%s'%s': '%s' is from a different kernel (reference symbol %s: 0x%llx "
		 "in the capture, %s there)%s", sp->force ? "warning: " : "", path, sp->path,
		 bad->name, (unsigned long long)bad->addr, here,
		 sp->force ? "; used as it is (--force)" : "; use --force to fold anyway");
	return sp->force ? 0 : -EINVAL;
}

int symplan_check(const struct symplan *sp, const char *path, const struct capinfo *ci,
		  struct fold_input *in, const struct diag *d)
{
	int64_t delta;
	size_t bad;

	in->ks = sp->ks;
	if (!sp->ks) {
		in->etext = ci->etext;
		if (!ci->no_symbols)
			return 0;
		diag_say(d, "'%s' holds no kernel symbols (recorded with --no-symbols): give "
			 "--kallsyms or --vmlinux", path);
		return -EINVAL;
	}
	switch (ksyms_match_refs(sp->ks, ci->refs, ci->nrefs, &delta, &bad)) {
	case KSYMS_SAME:
		return 0;
	case KSYMS_SHIFTED:
		in->rebase = 1;
		in->delta = delta;
		diag_say(d, "note: '%s': '%s' is the same kernel build moved by KASLR (offset "
			 "%s0x%llx): core-kernel addresses rebased; module addresses named "
			 "only where they match", path, sp->path, delta < 0 ? "-" : "+",
			 (unsigned long long)(delta < 0 ? -(uint64_t)delta : (uint64_t)delta));
		return 0;
	case KSYMS_UNCHECKED:
		if (sp->force) {
			diag_say(d, "warning: '%s': no reference symbols to check '%s' against; "
				 "used as it is (--force)", path, sp->path);
			return 0;
		}
		diag_say(d, "'%s': cannot tell whether '%s' belongs to its kernel (no "
			 "reference symbols in the header); use --force to fold anyway",
			 path, sp->path);
		return -EINVAL;
	case KSYMS_DIFFERENT:
		return different(sp, path, &ci->refs[bad], d);
	}
	return 0;
}

void symplan_free(struct symplan *sp)
{
	if (!sp)
		return;
	ksyms_free(sp->ks);
	sp->ks = NULL;
}
