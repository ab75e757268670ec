/* A buffered writer for XML/SVG documents: turns untrusted bytes into
 * well-formed, valid UTF-8 XML text, formats numbers without printf, and
 * remembers the first write error so callers check once at the end. */
#ifndef PSYS_SVG_H
#define PSYS_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct svg {
	FILE *f;	/* where flushed bytes go; not owned */
	char *buf;	/* owned */
	size_t len, cap;
	int err;	/* first error as a negative errno, 0 if none */
};

/* Prepares W to write to F with an internal buffer. Returns 0 or -ENOMEM
 * (W is then still safe to pass to svg_free). */
int svg_init(struct svg *w, FILE *f);

/* Writes N raw bytes (trusted markup only). */
void svg_put(struct svg *w, const char *s, size_t n);

/* Writes the NUL-terminated trusted markup S. */
void svg_puts(struct svg *w, const char *s);

/* printf into the output; for trusted markup and numbers only. */
void svg_printf(struct svg *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes the untrusted bytes S[0..N) as XML character data that is also
 * safe inside a double- or single-quoted attribute: & < > " ' become
 * entities; bytes that are not valid UTF-8, C0/C1 control characters
 * (tab and newline included), DEL, U+FFFE/U+FFFF and the bidirectional
 * override characters become U+FFFD. NUL bytes are ordinary input. */
void svg_escape(struct svg *w, const char *s, size_t n);

/* The number of characters svg_escape would show for S[0..N): one per
 * valid UTF-8 sequence, one per invalid byte. */
size_t svg_charcount(const char *s, size_t n);

/* Like svg_escape, but shows at most MAXCHARS characters: a longer text is
 * cut to MAXCHARS - 2 characters followed by "..". MAXCHARS < 3 writes
 * nothing. */
void svg_escape_fit(struct svg *w, const char *s, size_t n, size_t maxchars);

/* Writes V rounded to DECIMALS (0..6) decimal places, without trailing
 * zeros or a trailing point ("12.5", "3", "-0.25"). Non-finite values are
 * written as 0 so the document stays valid. */
void svg_fixed(struct svg *w, double v, int decimals);

/* Writes an unsigned integer in decimal. */
void svg_uint(struct svg *w, uint64_t v);

/* Writes a count exactly enough for a reader to recover it: whole
 * numbers in plain decimal (past 2^53 the double's digits), anything
 * else with 15 significant digits. If GROUP is non-zero, whole numbers
 * get thousands separators ("1,234,567"). */
void svg_count(struct svg *w, double v, int group);

/* Flushes the buffer to the FILE and then fflush()es it. Returns 0 or the
 * first error seen by any write (negative errno). */
int svg_flush(struct svg *w);

/* Frees the buffer (does not flush or close the FILE); W may be NULL. */
void svg_free(struct svg *w);

#endif
