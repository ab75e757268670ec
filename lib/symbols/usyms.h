/* Names the user-space addresses of live processes, the way psys-record
 * must before a process goes away. elfutils' libdwfl reads /proc/PID/maps
 * into modules, opens each file (through /proc/PID/root, so other mount
 * namespaces work; deleted files and the vDSO from the process's memory),
 * and finds its symbols: the file's own .symtab, a separate debug file
 * found by build-id or debuglink under the debug directories, or the
 * MiniDebugInfo in .gnu_debugdata, else .dynsym. Names then follow
 * lib/symbols/ksyms.h's rules for aliases (as perf's), with PLT entries named
 * "SYMBOL@plt" (lib/symbols/elfsyms.h). Symbol tables are cached per file (by
 * build-id), modules per process, names per address. */
#ifndef PSYS_USYMS_H
#define PSYS_USYMS_H

#include <stddef.h>
#include <stdint.h>

struct usyms;

/* NULL with errno set on failure. */
struct usyms *usyms_new(void);

/* Where separate debug files are looked for: a colon-separated list of
 * directories, each holding .build-id/XX/REST.debug links and copies of
 * the file system's paths (as /usr/lib/debug does). NULL restores the
 * default, "/usr/lib/debug". Only for files not opened yet: call it
 * first. Returns 0 or -ENOMEM. */
int usyms_set_debug_dirs(struct usyms *u, const char *dirs);

/* The name of ADDR in process PID: the function, or "[FILE]" (the file's
 * base name) when the file has no symbol there, "[vdso]" likewise, or
 * "[unknown]". CALLER is set for return addresses (every frame but the
 * sampled one), which are looked up one byte back. The string lives as
 * long as U; NULL only when out of memory. */
const char *usyms_name(struct usyms *u, uint32_t pid, uint64_t addr, int caller);

/* Drops what is cached for PID (its maps may have changed: exec). */
void usyms_forget(struct usyms *u, uint32_t pid);

/* A file mapped in a process, as usyms_name used it. Strings live as
 * long as U. */
struct usyms_mapping {
	uint32_t pid;
	uint64_t start, end;	/* the module's addresses in the process */
	const char *file;	/* as /proc/PID/maps names it ("[vdso]") */
	const char *build_id;	/* lower-case hex, "" when it has none */
	/* Where its symbols came from: the separate debug file's path,
	 * ".gnu_debugdata" (MiniDebugInfo), ".symtab", ".dynsym", or "" if
	 * it had none that could be read. */
	const char *symbols;
};

/* Starts a new period for usyms_mapping_next (a capture). */
void usyms_mappings_begin(struct usyms *u);

/* The mappings that named at least one address since the latest
 * usyms_mappings_begin, one per call: *ITER starts at 0. NULL after the
 * last. */
const struct usyms_mapping *usyms_mapping_next(const struct usyms *u, size_t *iter);

void usyms_free(struct usyms *u);	/* accepts NULL */

#endif
