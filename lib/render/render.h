/* psys-svg's work between its options and its output: folded stacks (in
 * any character set iconv knows) read into a flame tree, psys-fold's
 * timeline checked against the stack lines it indexes, and the graph
 * written. Every message is the caller's: these functions return errors
 * and the facts to report (skipped lines, why a timeline was left out). */
#ifndef PSYS_RENDER_H
#define PSYS_RENDER_H

#include <iconv.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "folded/folded.h"
#include "folded/timeline.h"
#include "render/flame.h"
#include "render/flamegraph.h"
#include "render/svg.h"

struct render {
	struct folded in;	/* metadata, mode, invalid line counts */
	struct flame *fl;	/* NULL until the first stack line */
	unsigned flags;		/* flame_new's: FLAME_REVERSE, FLAME_CHART */
	/* Per stack line, for a timeline: its count (-1: refused) and the
	 * node it ends at. */
	double *counts;
	uint32_t *ends;
	size_t nlines, cap;
	iconv_t cd;		/* --encoding, or (iconv_t)-1 */
	struct buf utf8;	/* a stack converted */
	struct timeline tl;
	int has_timeline;
};

/* Prepares R; FLAGS as flame_new's (FLAME_DIFF comes from the input). */
void render_init(struct render *r, unsigned flags);

/* Input names are in the character set NAME (an iconv name) and are
 * converted to UTF-8; bytes it cannot convert become U+FFFD. Returns 0;
 * -EINVAL when iconv does not know NAME; -EILSEQ when the set does not
 * keep ASCII as it is (folded stacks split on ';', ' ' and newlines);
 * another negative errno from iconv_open. */
int render_encoding(struct render *r, const char *name);

/* Reads folded stacks from FD to its end into the tree. Returns 0 or a
 * negative errno (a read error, -ENOMEM). */
int render_read(struct render *r, int fd);

/* The same over the LEN bytes at BUF (the last line needs no newline). */
int render_read_mem(struct render *r, const char *buf, size_t len);

/* The counts' sum (0 without stacks). */
double render_total(const struct render *r);

/* Takes psys-fold's timeline when the input has one that holds together
 * with its stacks. Returns 1 (taken), 0 (none), -EBADMSG (left out: a
 * one-line reason in WHY, LEN bytes) or -ENOMEM. */
int render_timeline(struct render *r, char *why, size_t len);

/* Writes the graph to W with O (and the timeline, if taken). Returns 0,
 * -ENOMEM or the writer's error. */
int render_write(struct render *r, struct svg *w, const struct flamegraph_opts *o);

void render_free(struct render *r);

#endif
