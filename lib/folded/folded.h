/* Folded stacks, Brendan Gregg's text format: "root;...;leaf COUNT" per
 * line (or "... BEFORE AFTER" for a differential pair), preceded by
 * optional "# key: value" metadata lines as psys-fold writes them. The
 * reader never trusts its input: any bytes, NULs, lines of any length. */
#ifndef PSYS_FOLDED_H
#define PSYS_FOLDED_H

#include <stddef.h>
#include <stdio.h>

/* What the first stack line decided the whole input is. */
enum folded_mode { FOLDED_UNKNOWN, FOLDED_SINGLE, FOLDED_DIFF };

/* One metadata line: "# title: sysHigh" gives key "title", value
 * "sysHigh"; "# psys-fold 0.1.0" (no colon) gives that text as the key and
 * an empty value. Both are NUL-terminated and owned by the reader; the
 * value may hold NULs of its own, VALUE_LEN says how long it is. */
struct folded_meta {
	char *key;
	char *value;
	size_t value_len;
};

/* One parsed stack line, pointing into the caller's bytes. */
struct folded_line {
	const char *stack;	/* frames joined by ';', root first */
	size_t len;
	double count;		/* the only count, or BEFORE in a pair */
	double count2;		/* AFTER in a pair; equals COUNT otherwise */
	int pair;		/* the line had two counts */
};

/* Called once per stack line; a non-zero return stops the reader and is
 * passed back to its caller. */
typedef int (*folded_fn)(void *ctx, const struct folded_line *line);

struct folded {
	struct folded_meta *meta;	/* owned, in input order */
	size_t nmeta;
	enum folded_mode mode;
	unsigned long long lines;	/* lines read, blank ones included */
	unsigned long long stacks;	/* lines given to the callback */
	unsigned long long invalid;	/* lines skipped as unparsable */
	unsigned long long first_invalid; /* its line number, 1-based */
	int in_header;			/* no stack line seen yet */
	char *buf;			/* read buffer, owned */
	size_t cap;
};

/* Parses one line (without its newline; a trailing CR or blanks are
 * ignored) on its own; one blank separates a count from what is before
 * it (flamegraph.pl's reading: a frame may end in blanks). Returns 2 for a line with two counts, 1 for one
 * count, 0 for a blank line, -EINVAL for anything else. With two counts,
 * OUT describes the pair; ONE_LEN (if not NULL) gets the length the stack
 * would have if the line were read as having one count, the first number
 * then being part of the last frame's name. */
int folded_parse_line(const char *line, size_t len, struct folded_line *out,
		      size_t *one_len);

/* Prepares F for reading; F must be zeroed or freed. */
void folded_init(struct folded *f);

/* Reads folded stacks from the file descriptor FD to its end, calling FN
 * for each stack line. Metadata lines (before the first stack line, and
 * psys-fold's "# timeline..." lines anywhere: see timeline.h) are kept in
 * F->meta; other lines starting with "# " after a stack line are skipped
 * as invalid. The first stack line fixes F->mode: after a line
 * with two counts, a one-count line is read as unchanged (both counts
 * equal, as flamegraph.pl draws it); after a line with one count, the
 * text before the last number is the stack. Returns 0, a
 * negative errno from read() or -ENOMEM, or FN's non-zero return. */
int folded_read_fd(struct folded *f, int fd, folded_fn fn, void *ctx);

/* Like folded_read_fd, over the LEN bytes at BUF; the last line needs no
 * newline. */
int folded_read_mem(struct folded *f, const char *buf, size_t len,
		    folded_fn fn, void *ctx);

/* Writes one metadata line "# KEY: VALUE" to OUT with VALUE as a JSON
 * string ("..." with \\, \" and \u00XX escapes): a line that ends in a
 * quote is never taken for a stack by folded-stack readers that know
 * nothing of metadata (flamegraph.pl, speedscope), which a value ending in
 * a number would be. Bytes of VALUE that are not valid UTF-8 are written
 * as U+FFFD. Returns what fprintf returns (-1 also when out of memory). */
int folded_meta_write(FILE *out, const char *key, const char *value);

/* The value of the first metadata line with KEY (compared exactly), or
 * NULL; LEN (if not NULL) gets its length. */
const char *folded_meta_get(const struct folded *f, const char *key,
			    size_t *len);

/* Non-zero if the metadata says the input came from psys-fold (a first
 * metadata line "psys-fold VERSION"): its frames are kernel frames unless
 * annotated otherwise. */
int folded_from_psys(const struct folded *f);

/* Frees what F owns; F may be NULL. */
void folded_free(struct folded *f);

#endif
