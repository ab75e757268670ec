/* flamegraph.pl's consistent palette (its --cp): a file, palette.map,
 * that maps frame names to colours, one "NAME->rgb(R,G,B)" line each,
 * read before a graph is drawn and written back after it with the
 * colours of names it did not hold, so that a name keeps its colour from
 * graph to graph. The same file works with flamegraph.pl. */
#ifndef PSYS_PALMAP_H
#define PSYS_PALMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct palmap;

/* An empty map; NULL with errno set on failure. */
struct palmap *palmap_new(void);

/* Adds the LEN bytes of palette.map text at TEXT to M (later lines win).
 * A line that is not NAME->rgb(R,G,B) (or NAME->#rrggbb) is skipped and
 * counted: *BAD gets the count and *FIRST_BAD the first one's line number
 * (1-based), both 0 when all were good. Returns 0 or -ENOMEM. */
int palmap_parse(struct palmap *m, const char *text, size_t len, size_t *bad,
		 size_t *first_bad);

/* The colour (0xRRGGBB) of NAME (LEN bytes) in *RGB. Returns 1 if M has
 * it, 0 if not. */
int palmap_get(const struct palmap *m, const char *name, size_t len, uint32_t *rgb);

/* Gives NAME (LEN bytes) the colour RGB. Returns 0 or -ENOMEM. */
int palmap_set(struct palmap *m, const char *name, size_t len, uint32_t rgb);

/* Number of names; whether any was added or changed since palmap_new. */
size_t palmap_size(const struct palmap *m);
int palmap_changed(const struct palmap *m);

/* Writes every entry to OUT as palette.map lines, sorted bytewise by
 * name (as flamegraph.pl writes them). Returns 0 or -EIO. */
int palmap_write(const struct palmap *m, FILE *out);

void palmap_free(struct palmap *m);	/* accepts NULL */

#endif
