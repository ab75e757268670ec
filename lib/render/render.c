/* Folded input to a graph; see render.h. */
#include "render/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void render_init(struct render *r, unsigned flags)
{
	memset(r, 0, sizeof(*r));
	folded_init(&r->in);
	r->flags = flags;
	r->cd = (iconv_t)-1;
}

int render_encoding(struct render *r, const char *name)
{
	static const char probe[] = "main;f 12\n";
	char out[64], *in = (char *)probe, *o = out;
	size_t left = sizeof(probe) - 1, room = sizeof(out);
	iconv_t cd = iconv_open("UTF-8", name);

	if (cd == (iconv_t)-1)
		return -errno;
	if (iconv(cd, &in, &left, &o, &room) == (size_t)-1 || left ||
	    (size_t)(o - out) != sizeof(probe) - 1 || memcmp(out, probe, sizeof(probe) - 1)) {
		iconv_close(cd);
		return -EILSEQ;
	}
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	r->cd = cd;
	return 0;
}

/* The LEN bytes at S converted by CD into B; bytes CD cannot convert
 * become U+FFFD. Returns 0 or -ENOMEM. */
static int recode(iconv_t cd, const char *s, size_t len, struct buf *b)
{
	char *in = (char *)s, *out;
	size_t left = len, room;

	buf_reset(b);
	iconv(cd, NULL, NULL, NULL, NULL);
	while (left) {
		if (buf_reserve(b, 4 * left + 16))
			return -ENOMEM;
		out = (char *)b->data + b->len;
		room = b->cap - b->len;
		if (iconv(cd, &in, &left, &out, &room) == (size_t)-1 && errno != E2BIG) {
			/* Invalid or cut short: one byte replaced, go on. */
			b->len = b->cap - room;
			buf_put(b, "\xef\xbf\xbd", 3);
			in++;
			left--;
			continue;
		}
		b->len = b->cap - room;
	}
	/* A stateful encoding's final shift sequence. */
	if (buf_reserve(b, 16))
		return -ENOMEM;
	out = (char *)b->data + b->len;
	room = b->cap - b->len;
	iconv(cd, NULL, NULL, &out, &room);
	b->len = b->cap - room;
	return b->err ? -ENOMEM : 0;
}

/* Remembers where stack line r->nlines went, for the timeline. */
static int note_line(struct render *r, double count)
{
	size_t c2 = r->cap;

	if (buf_grow((void **)&r->counts, &r->cap, r->nlines + 1, sizeof(*r->counts)) ||
	    buf_grow((void **)&r->ends, &c2, r->nlines + 1, sizeof(*r->ends)))
		return -ENOMEM;
	r->counts[r->nlines] = count;
	r->ends[r->nlines++] = flame_last_node(r->fl);
	return 0;
}

static int on_stack(void *ctx, const struct folded_line *l)
{
	struct render *r = ctx;
	struct folded_line conv;
	int err;

	if (r->cd != (iconv_t)-1) {
		if (recode(r->cd, l->stack, l->len, &r->utf8))
			return -ENOMEM;
		conv = *l;
		conv.stack = (const char *)r->utf8.data;
		conv.len = r->utf8.len;
		l = &conv;
	}
	if (!r->fl) {
		/* The first stack line decides whether this is a
		 * differential input. */
		if (r->in.mode == FOLDED_DIFF)
			r->flags |= FLAME_DIFF;
		r->fl = flame_new(r->flags);
		if (!r->fl)
			return -ENOMEM;
	}
	if (r->in.mode == FOLDED_DIFF) {
		err = flame_add_stack(r->fl, l->stack, l->len, l->count2,
				      l->pair ? l->count : FLAME_ONE_COUNT);
	} else {
		err = flame_add_stack(r->fl, l->stack, l->len, l->count, 0);
		if (err != -ENOMEM && note_line(r, err ? -1 : l->count))
			return -ENOMEM;
	}
	/* Counts past 1e300 are refused by the parser; nothing else makes
	 * a line unusable here. */
	return err == -EINVAL ? 0 : err;
}

int render_read(struct render *r, int fd)
{
	return folded_read_fd(&r->in, fd, on_stack, r);
}

int render_read_mem(struct render *r, const char *buf, size_t len)
{
	return folded_read_mem(&r->in, buf, len, on_stack, r);
}

double render_total(const struct render *r)
{
	return r->fl ? flame_total(r->fl) : 0;
}

int render_timeline(struct render *r, char *why, size_t len)
{
	int err = timeline_read(&r->in, &r->tl, why, len);

	if (err == 1 && r->in.mode == FOLDED_DIFF) {
		snprintf(why, len, "a differential graph has no time view");
		err = -EBADMSG;
	} else if (err == 1) {
		err = timeline_check(&r->tl, r->counts, r->nlines, why, len);
		if (!err)
			err = 1;
	}
	if (err != 1)
		timeline_free(&r->tl);
	r->has_timeline = err == 1;
	return err;
}

int render_write(struct render *r, struct svg *w, const struct flamegraph_opts *o)
{
	struct flamegraph_opts with = *o;

	if (r->has_timeline) {
		with.timeline = &r->tl;
		with.line_node = r->ends;
	}
	return flamegraph_write(w, r->fl, &r->in, &with);
}

void render_free(struct render *r)
{
	flame_free(r->fl);
	timeline_free(&r->tl);
	free(r->counts);
	free(r->ends);
	folded_free(&r->in);
	buf_free(&r->utf8);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	render_init(r, 0);
}
