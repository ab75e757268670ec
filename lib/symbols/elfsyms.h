/* Symbols from ELF files (a vmlinux with its symbol table, a program or a
 * library), read with libelf into the same table kallsyms gives, so
 * psys-fold can name kernel addresses without /proc/kallsyms and
 * psys-record can name user frames. Zero-size symbols end at the next
 * symbol or at the end of their own section, whichever comes first; PLT
 * entries get the names objdump and perf give them, "SYMBOL@plt". */
#ifndef PSYS_ELFSYMS_H
#define PSYS_ELFSYMS_H

#include <gelf.h>
#include <libelf.h>

#include "symbols/ksyms.h"

/* Reads the symbols of the ELF file PATH (.symtab, or .dynsym when there
 * is none) into a finished table: functions, and untyped symbols in code
 * sections (_stext, _etext), as text ('T' global, 't' local, 'W' weak,
 * with the ELF size as their extent when it is not 0); objects as data
 * ('D'/'d'); undefined, section and file symbols are left out; PLT
 * entries as 't' "SYMBOL@plt" (see elfsyms_add_plt). Returns the table
 * (the caller frees it with ksyms_free) or NULL with errno set: from
 * open(), ENOEXEC if PATH is not ELF, ENODATA if it has no symbols,
 * EBADMSG if libelf cannot read it, ENOMEM. */
struct ksyms *elfsyms_load(const char *path);

/* Builds a table from symbols given one at a time, from any number of
 * ELF files (a program and its separate debug file), in the addresses of
 * one of them: each symbol is moved by the DELTA given with it. */
struct elfsyms_builder;

/* NULL with errno set (ENOMEM). */
struct elfsyms_builder *elfsyms_builder_new(void);

/* Adds symbol SYM named NAME of ELF, whose section index is SHNDX (the
 * extended index already applied), at SYM->st_value + DELTA, classified
 * as elfsyms_load says (symbols it leaves out are ignored here too).
 * Returns 0 or -ENOMEM. */
int elfsyms_builder_add(struct elfsyms_builder *b, Elf *elf, const char *name,
			const GElf_Sym *sym, GElf_Word shndx, int64_t delta);

/* Adds a "SYMBOL@plt" symbol for each PLT entry of ELF (a program or a
 * library: the sections .plt, .plt.sec and .plt.got with their dynamic
 * relocations; on x86-64 each entry's jump is decoded to find its GOT
 * slot, elsewhere entries follow .rela.plt's order), at its address +
 * DELTA, sized one entry. Returns how many were added (0 for a file
 * without a PLT, or one this cannot read), or -ENOMEM. */
int elfsyms_add_plt(struct elfsyms_builder *b, Elf *elf, int64_t delta);

/* Number of symbols added so far. */
size_t elfsyms_builder_count(const struct elfsyms_builder *b);

/* Gives zero-size symbols their ends, frees B (also on failure) and
 * returns the finished table, or NULL with errno set (ENOMEM). */
struct ksyms *elfsyms_builder_finish(struct elfsyms_builder *b);

/* Frees B without building anything; accepts NULL. */
void elfsyms_builder_free(struct elfsyms_builder *b);

#endif
