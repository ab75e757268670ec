/* Kernel symbol tables: parsed from /proc/kallsyms text (or a saved copy,
 * plain, gzip or zstd), or built symbol by symbol from a .psys file; sorted
 * once, then looked up by address with a binary search. */
#ifndef PSYS_KSYMS_H
#define PSYS_KSYMS_H

#include <stddef.h>
#include <stdint.h>

/* kallsyms gives no sizes: a symbol ends where the next one starts, but
 * never more than this far from its start (the last symbol of a module is
 * followed by another module, or by nothing). */
#define KSYMS_MAX_IMPLICIT_SIZE (256u << 10)

struct ksym {
	uint64_t addr;
	uint64_t end;		/* exclusive */
	const char *name;
	const char *module;	/* NULL for the core kernel */
	char type;		/* kallsyms type letter */
};

struct ksyms;

/* An empty table. NULL with errno set on failure. */
struct ksyms *ksyms_new(void);

/* Parses kallsyms text (BUF, LEN; need not be terminated) into KS. Lines
 * that do not parse are skipped and counted (ksyms_bad_lines). Returns 0 or
 * -ENOMEM. Call ksyms_finish before looking anything up. */
int ksyms_parse(struct ksyms *ks, const char *buf, size_t len);

/* Reads PATH ("/proc/kallsyms" or a saved copy; gzip and zstd copies are
 * recognised by their magic) into a finished table. NULL with errno set:
 * ENOENT etc. from open, EBADMSG for bad compression, ENODATA when every
 * address is zero (kallsyms hidden from this user by kptr_restrict). */
struct ksyms *ksyms_load(const char *path);

/* Adds one symbol. END 0 means "up to the next symbol". NAME and MODULE
 * (may be NULL) are copied. Returns 0 or -ENOMEM. */
int ksyms_add(struct ksyms *ks, uint64_t addr, uint64_t end, const char *name,
	      size_t name_len, const char *module, size_t module_len,
	      char type);

/* Sorts the table and fills in implicit ends. Returns 0 or -ENOMEM. */
int ksyms_finish(struct ksyms *ks);

/* Orders two names at one address, preferred first (<0: X before Y):
 *   1. end markers (_etext, _einittext) last;
 *   2. the native system call entry (__x64_sys_*, __arm64_sys_*) first;
 *   3. by type: T, t, W, w (non-weak before weak, global before local);
 *   4. fewer leading underscores;
 *   5. the longer name;
 *   6. byte order of the names, then of the modules.
 * Rules 3 to 5 are perf's for aliases of one size; psys-fold(1) tells
 * where perf differs. */
int ksyms_prefer(const struct ksym *x, const struct ksym *y);

/* The text symbol covering ADDR, or NULL. Where several symbols share an
 * address the one ksyms_prefer puts first wins. Data symbols and the end-of-text
 * markers (_etext, _einittext) are bounds, never results. The pointer stays
 * valid until ksyms_free. */
const struct ksym *ksyms_lookup(const struct ksyms *ks, uint64_t addr);

/* The first symbol named NAME (linear: for a handful of look-ups), or NULL. */
const struct ksym *ksyms_find(const struct ksyms *ks, const char *name);

/* How many symbols are named NAME. */
size_t ksyms_count_name(const struct ksyms *ks, const char *name);

/* Number of symbols, and symbol I in address order (after ksyms_finish). */
size_t ksyms_count(const struct ksyms *ks);
const struct ksym *ksyms_at(const struct ksyms *ks, size_t i);

size_t ksyms_bad_lines(const struct ksyms *ks);

/* Chooses up to N reference symbols for telling builds and boots apart:
 * _stext first, then global core-kernel functions with unique names spread
 * evenly across the text. A copy of the same build moved by KASLR shifts
 * all of them by one offset; another build does not. Writes pointers into
 * OUT and returns how many. */
size_t ksyms_pick_refs(const struct ksyms *ks, const struct ksym **out, size_t n);

/* A reference symbol as a capture's header records it. */
struct ksyms_ref {
	const char *name;
	uint64_t addr;
};

/* How a symbol table relates to the kernel a capture came from. */
enum ksyms_match {
	KSYMS_UNCHECKED,	/* fewer than two references to compare */
	KSYMS_SAME,		/* every reference at its recorded address */
	KSYMS_SHIFTED,		/* all moved by one offset: same build, KASLR */
	KSYMS_DIFFERENT,	/* missing or moved by different offsets */
};

/* Compares KS with the N references REFS of a capture. *DELTA gets the
 * offset to add to a capture address to find it in KS (0 unless
 * KSYMS_SHIFTED); *BAD (if not NULL) the index of the first reference that
 * is missing or disagrees (N when none does). A capture address may be 0
 * only for a reference KS also has at 0. */
enum ksyms_match ksyms_match_refs(const struct ksyms *ks,
				  const struct ksyms_ref *refs, size_t n,
				  int64_t *delta, size_t *bad);

/* Non-zero if ADDR lies past the end of the core kernel's text, ETEXT (0:
 * the table's own _etext), but below the table's first module symbol and
 * within 1 GiB of ETEXT (the kernel image mapping): an address in the
 * kernel image that no text symbol covers. 0 when no _etext is known. */
int ksyms_past_etext(const struct ksyms *ks, uint64_t etext, uint64_t addr);

/* The core kernel's _etext, or 0. */
uint64_t ksyms_etext(const struct ksyms *ks);

void ksyms_free(struct ksyms *ks);

/* Non-zero for kallsyms type letters of code (t, T, w, W). */
int ksyms_is_text(char type);

#endif
