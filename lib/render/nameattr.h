/* flamegraph.pl's name-attribute file (its --nameattr): per frame name,
 * attributes for the frame's element in the SVG. Each line is a name, a
 * tab, then tab-separated KEY=VALUE pairs. The keys taken are title (the
 * tooltip, replacing the counts), href and target (the frame becomes a
 * link), id and class; values are escaped when written. flamegraph.pl's
 * g_extra and a_extra (raw markup) are not taken. */
#ifndef PSYS_NAMEATTR_H
#define PSYS_NAMEATTR_H

#include <stddef.h>

struct nameattr_entry {
	/* NUL-terminated, NULL when not given. */
	const char *title, *href, *target, *id, *class_;
};

struct nameattr;

/* Parses the LEN bytes at TEXT. Returns the table, or NULL with errno
 * set: EINVAL for a line without a tab (*ERR_LINE: its number, 1-based),
 * ENOMEM. Keys it does not take are skipped and counted: *IGNORED gets
 * the count and IGNORED_KEY (size KEY_LEN) the first such key. */
struct nameattr *nameattr_parse(const char *text, size_t len, size_t *err_line,
				size_t *ignored, char *ignored_key, size_t key_len);

/* The attributes of the frame named NAME (LEN bytes, as the input spells
 * it, annotation included), or NULL. */
const struct nameattr_entry *nameattr_get(const struct nameattr *na, const char *name,
					  size_t len);

size_t nameattr_size(const struct nameattr *na);

void nameattr_free(struct nameattr *na);	/* accepts NULL */

#endif
