/* Kernel symbols from an ELF image (a vmlinux with its symbol table, or
 * any ELF file), read with libelf into the same table kallsyms gives, so
 * psys-fold can name addresses without /proc/kallsyms. */
#ifndef PSYS_ELFSYMS_H
#define PSYS_ELFSYMS_H

#include "ksyms.h"

/* Reads the symbols of the ELF file PATH (.symtab, or .dynsym when there
 * is none) into a finished table: functions, and untyped symbols in code
 * sections (_stext, _etext), as text ('T' global, 't' local, 'W' weak,
 * with the ELF size as their extent when it is not 0); objects as data
 * ('D'/'d'); undefined, section and file symbols are left out. Returns the
 * table (the caller frees it with ksyms_free) or NULL with errno set:
 * from open(), ENOEXEC if PATH is not ELF, ENODATA if it has no symbols,
 * EBADMSG if libelf cannot read it, ENOMEM. */
struct ksyms *elfsyms_load(const char *path);

#endif
