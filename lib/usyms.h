/* Names the user-space addresses of live processes, the way psys-record
 * must before a process goes away: /proc/PID/maps gives the file and the
 * offset of an address, the file's ELF segments its link-time address, and
 * the file's symbol table (lib/elfsyms.h) the function. Everything is
 * cached: maps per process, symbol tables per file, names per address. */
#ifndef PSYS_USYMS_H
#define PSYS_USYMS_H

#include <stdint.h>

struct usyms;

/* NULL with errno set on failure. */
struct usyms *usyms_new(void);

/* The name of ADDR in process PID: the function, or "[FILE]" (the file's
 * base name) when the file has no symbol there, "[vdso]", or "[unknown]".
 * CALLER is set for return addresses (every frame but the sampled one),
 * which are looked up one byte back. The string lives as long as U; NULL
 * only when out of memory. */
const char *usyms_name(struct usyms *u, uint32_t pid, uint64_t addr, int caller);

/* Drops what is cached for PID (its maps may have changed: exec). */
void usyms_forget(struct usyms *u, uint32_t pid);

void usyms_free(struct usyms *u);	/* accepts NULL */

#endif
