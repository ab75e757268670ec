/* Tests for lib/render/flame.c and lib/render/flamegraph.c through the SVG they write:
 * golden cases whose frames (name, x, width, depth) are checked exactly,
 * then a property test over generated inputs checked against counts
 * computed here independently of the library; and flamegraph.pl's other
 * options: flame charts, --factor, --total, the js, perl, wakeup and
 * chain palettes, --random, --cp's palette.map and --nameattr. */
#include "render/flame.h"
#include "render/flamegraph.h"
#include "folded/folded.h"
#include "render/svg.h"
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* --- rendering and reading back ------------------------------------ */

struct reader {
	struct folded *in;
	struct flame *fl;
	unsigned flags;
};

static int on_stack(void *ctx, const struct folded_line *l)
{
	struct reader *r = ctx;

	if (!r->fl) {
		if (r->in->mode == FOLDED_DIFF)
			r->flags |= FLAME_DIFF;
		r->fl = flame_new(r->flags);
	}
	return r->in->mode == FOLDED_DIFF
		       ? flame_add_stack(r->fl, l->stack, l->len, l->count2,
					 l->count)
		       : flame_add_stack(r->fl, l->stack, l->len, l->count, 0);
}

static char *render(const char *input, size_t len, unsigned flags,
		    const struct flamegraph_opts *o)
{
	struct folded in;
	struct reader rd = { &in, NULL, flags };
	struct svg w;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	folded_init(&in);
	CHECK(folded_read_mem(&in, input, len, on_stack, &rd) == 0, "read");
	svg_init(&w, f);
	CHECK(flamegraph_write(&w, rd.fl, &in, o) == 0, "write");
	svg_free(&w);
	fclose(f);
	flame_free(rd.fl);
	folded_free(&in);
	return out;
}

struct frame {
	char name[256];
	char title[512];
	double x, n;		/* data-x, data-n */
	double rx, ry, rw;	/* the rect */
	char fill[8];
	char label[256];	/* the <text>, "" if none */
	int has_label;
	int depth;
	int parent;		/* index, -1 for the root */
};

static double attr(const char *p, const char *name, const char *end)
{
	const char *a = strstr(p, name);

	if (!a || a > end)
		return NAN;
	return strtod(a + strlen(name), NULL);
}

static void unescape(const char *s, size_t n, char *out, size_t cap)
{
	static const struct {
		const char *ent, *ch;
	} ents[] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		     { "&quot;", "\"" }, { "&#39;", "'" } };
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < cap;) {
		size_t k = 0;

		if (s[i] == '&')
			for (k = 0; k < 5; k++)
				if (!strncmp(s + i, ents[k].ent,
					     strlen(ents[k].ent)))
					break;
		if (s[i] == '&' && k < 5) {
			out[j++] = ents[k].ch[0];
			i += strlen(ents[k].ent);
		} else {
			out[j++] = s[i++];
		}
	}
	out[j] = '\0';
}

/* Reads the frames back out of an SVG: what a browser would show. */
static int parse(const char *svg, struct frame **out)
{
	const char *p = strstr(svg, "<g id=\"frames\"");
	const char *end = p ? strchr(p, '>') : NULL;
	double y0, fh;
	int inv, n = 0, cap = 16, stack[4096];
	struct frame *fr = malloc(cap * sizeof(*fr));

	*out = fr;
	if (!p || !end)
		return 0;
	y0 = attr(p, "data-y0=\"", end);
	fh = attr(p, "data-fh=\"", end);
	inv = strstr(p, "data-inv=\"1\"") && strstr(p, "data-inv=\"1\"") < end;
	while ((p = strstr(p, "<g data-x=\""))) {
		const char *t = strstr(p, "<title>"), *te = strstr(p, "</title>");
		const char *close = strstr(p, "</g>");
		const char *paren, *f;
		struct frame *x;

		if (n == cap)
			fr = *out = realloc(fr, (cap *= 2) * sizeof(*fr));
		x = &fr[n];
		x->x = attr(p, "data-x=\"", close);
		x->n = attr(p, "data-n=\"", close);
		x->rx = attr(te, "<rect x=\"", close);
		x->ry = attr(te, "\" y=\"", close);
		x->rw = attr(te, "width=\"", close);
		f = strstr(te, "fill=\"");
		memcpy(x->fill, f + 6, 7);
		x->fill[7] = '\0';
		unescape(t + 7, te - t - 7, x->title, sizeof(x->title));
		{
			const char *lt = strstr(te, "<text "), *le;

			x->has_label = lt && lt < close;
			x->label[0] = '\0';
			if (x->has_label) {
				lt = strchr(lt, '>') + 1;
				le = strstr(lt, "</text>");
				unescape(lt, le - lt, x->label, sizeof(x->label));
			}
		}
		paren = NULL;
		for (const char *q = x->title; (q = strstr(q, " (")); q++)
			paren = q;
		snprintf(x->name, sizeof(x->name), "%.*s",
			 paren ? (int)(paren - x->title) : 0, x->title);
		x->depth = (int)lround((x->ry - y0) / (inv ? fh : -fh));
		x->parent = x->depth > 0 && x->depth < 4096 ? stack[x->depth - 1]
							    : -1;
		if (x->depth >= 0 && x->depth < 4096)
			stack[x->depth] = n;
		n++;
		p = close;
	}
	return n;
}

/* The count a tooltip shows: "NAME (1,234 samples, ...". */
static double title_count(const char *title)
{
	const char *paren = NULL;
	char digits[64];
	size_t j = 0;

	for (const char *q = title; (q = strstr(q, " (")); q++)
		paren = q;
	if (!paren)
		return NAN;
	for (const char *q = paren + 2; *q && *q != ' ' && j < 63; q++)
		if (*q != ',')
			digits[j++] = *q;
	digits[j] = '\0';
	return strtod(digits, NULL);
}

/* --- golden cases --------------------------------------------------- */

struct want {
	const char *name;
	double x, width;
	int depth;
};

struct golden {
	const char *what;
	const char *input;
	unsigned flags;
	int inverted;
	const char *minwidth;	/* NULL: default 0.1 px */
	int n;
	struct want frames[8];
};

static const struct golden goldens[] = {
	{ "two levels", "a;b 1\na;c 3\nd 4\n", 0, 0, NULL, 5, {
		{ "all", 10, 1180, 0 }, { "a", 10, 590, 1 },
		{ "b", 10, 147.5, 2 }, { "c", 157.5, 442.5, 2 },
		{ "d", 600, 590, 1 } } },
	{ "unsorted lines merge", "b;x 1\na 1\nb;x 2\n", 0, 0, NULL, 4, {
		{ "all", 10, 1180, 0 }, { "a", 10, 295, 1 },
		{ "b", 305, 885, 1 }, { "x", 305, 885, 2 } } },
	{ "decimal counts", "a 0.5\nb 1.5\n", 0, 0, NULL, 3, {
		{ "all", 10, 1180, 0 }, { "a", 10, 295, 1 },
		{ "b", 305, 885, 1 } } },
	{ "reverse", "a;b 1\nc;b 1\n", FLAME_REVERSE, 0, NULL, 4, {
		{ "all", 10, 1180, 0 }, { "b", 10, 1180, 1 },
		{ "a", 10, 590, 2 }, { "c", 600, 590, 2 } } },
	{ "inverted", "a;b 1\na;c 3\nd 4\n", 0, 1, NULL, 5, {
		{ "all", 10, 1180, 0 }, { "a", 10, 590, 1 },
		{ "b", 10, 147.5, 2 }, { "c", 157.5, 442.5, 2 },
		{ "d", 600, 590, 1 } } },
	{ "minwidth px", "a;x 1\nb 999\n", 0, 0, "2", 2, {
		{ "all", 10, 1180, 0 }, { "b", 11.18, 1178.82, 1 } } },
	{ "minwidth kept", "a;x 1\nb 999\n", 0, 0, "1", 4, {
		{ "all", 10, 1180, 0 }, { "a", 10, 1.18, 1 },
		{ "x", 10, 1.18, 2 }, { "b", 11.18, 1178.82, 1 } } },
	{ "minwidth percent", "a 4\nb 996\n", 0, 0, "0.5%", 2, {
		{ "all", 10, 1180, 0 }, { "b", 14.72, 1175.28, 1 } } },
	{ "annotations stripped", "main;sys_read_[k];vfs_read_[k] 2\n"
				  "main;user_fn 2\n", 0, 0, NULL, 5, {
		{ "all", 10, 1180, 0 }, { "main", 10, 1180, 1 },
		{ "sys_read", 10, 590, 2 }, { "vfs_read", 10, 590, 3 },
		{ "user_fn", 600, 590, 2 } } },
	/* Siblings sort as whole folded lines do: '.' < ';' < '_'. */
	{ "sort order", "f_z 1\nf;x 1\nf.isra.0;y 1\n", 0, 0, NULL, 6, {
		{ "all", 10, 1180, 0 }, { "f.isra.0", 10, 393.33, 1 },
		{ "y", 10, 393.33, 2 }, { "f", 403.33, 393.33, 1 },
		{ "x", 403.33, 393.33, 2 }, { "f_z", 796.67, 393.33, 1 } } },
	/* A frame's own time before its children, as flamegraph.pl
	 * draws it (its line "a 4" sorts before "a;b 2"). */
	{ "own time first", "a;b 2\na;b;c 3\na;d 5\ne 1\na 4\n", 0, 0, NULL, 6, {
		{ "all", 10, 1180, 0 }, { "a", 10, 1101.33, 1 },
		{ "b", 324.67, 393.33, 2 }, { "c", 482, 236, 3 },
		{ "d", 718, 393.33, 2 }, { "e", 1111.33, 78.67, 1 } } },
	/* "f 1" sorts before "f.isra.0;y 1": f with its own time first. */
	{ "sort order, own time", "f 1\nf;x 1\nf.isra.0;y 1\n", 0, 0, NULL, 5, {
		{ "all", 10, 1180, 0 }, { "f", 10, 786.67, 1 },
		{ "x", 403.33, 393.33, 2 }, { "f.isra.0", 796.67, 393.33, 1 },
		{ "y", 796.67, 393.33, 2 } } },
	{ "metadata and blanks", "# psys-fold 0.1.0\n# title: t\n\n"
				 "x;y 2\n\n", 0, 0, NULL, 3, {
		{ "all", 10, 1180, 0 }, { "x", 10, 1180, 1 },
		{ "y", 10, 1180, 2 } } },
};

static void test_goldens(void)
{
	for (size_t g = 0; g < sizeof(goldens) / sizeof(goldens[0]); g++) {
		const struct golden *c = &goldens[g];
		struct flamegraph_opts o;
		struct frame *fr;
		char *svg;
		int n, maxd = 0;
		double height;

		flamegraph_opts_init(&o);
		o.inverted = c->inverted;
		if (c->minwidth) {
			size_t l = strlen(c->minwidth);

			o.minwidth_percent = c->minwidth[l - 1] == '%';
			o.minwidth = strtod(c->minwidth, NULL);
		}
		svg = render(c->input, strlen(c->input), c->flags, &o);
		n = parse(svg, &fr);
		CHECK(n == c->n, "%s: %d frames, want %d", c->what, n, c->n);
		for (int i = 0; i < c->n; i++)
			if (c->frames[i].depth > maxd)
				maxd = c->frames[i].depth;
		/* Geometry from flamegraph.pl's conventions: 4 font sizes of
		 * title space on top, 2 + 10 px below, 16 px per row. */
		height = 48 + (maxd + 1) * 16 + 34;
		for (int i = 0; i < n && i < c->n; i++) {
			const struct want *w = &c->frames[i];
			double y = c->inverted ? 48 + w->depth * 16
					       : height - 34 - (w->depth + 1) * 16;

			CHECK_STR(fr[i].name, w->name, c->what);
			CHECK(fabs(fr[i].rx - w->x) < 0.006 &&
				      fabs(fr[i].rw - w->width) < 0.006,
			      "%s: %s x %g width %g, want %g %g", c->what,
			      w->name, fr[i].rx, fr[i].rw, w->x, w->width);
			CHECK(fr[i].depth == w->depth && fabs(fr[i].ry - y) < 1e-9,
			      "%s: %s depth %d y %g, want %d %g", c->what,
			      w->name, fr[i].depth, fr[i].ry, w->depth, y);
		}
		free(fr);
		free(svg);
	}
}

static int hexbyte(const char *s)
{
	return (int)strtol((char[3]){ s[0], s[1], 0 }, NULL, 16);
}

/* Kernel frames (_[k]) orange, user frames red, when both are present;
 * colours stable per name; the same input gives the same bytes. */
static void test_colours(void)
{
	static const char in[] = "main;sys_read_[k];vfs_read_[k] 2\n"
				 "main;user_fn 2\nmain;x;vfs_read_[k] 1\n";
	struct flamegraph_opts o;
	struct frame *fr;
	char *a, *b;
	int n;

	flamegraph_opts_init(&o);
	a = render(in, sizeof(in) - 1, 0, &o);
	b = render(in, sizeof(in) - 1, 0, &o);
	CHECK(strcmp(a, b) == 0, "deterministic");
	n = parse(a, &fr);
	for (int i = 0; i < n; i++) {
		int r = hexbyte(fr[i].fill + 1), g = hexbyte(fr[i].fill + 3);
		int bl = hexbyte(fr[i].fill + 5);

		if (!strcmp(fr[i].name, "sys_read") ||
		    !strcmp(fr[i].name, "vfs_read"))
			CHECK(bl == 0 && r >= 190 && g >= 90 && g <= 155,
			      "%s kernel orange: %s", fr[i].name, fr[i].fill);
		if (!strcmp(fr[i].name, "user_fn") || !strcmp(fr[i].name, "main"))
			CHECK(r >= 200 && g == bl && g >= 50 && g <= 130,
			      "%s user red: %s", fr[i].name, fr[i].fill);
		/* The label never shows the annotation. */
		CHECK(!strstr(fr[i].title, "_[k]"), "suffix in %s", fr[i].title);
	}
	CHECK(!strstr(a, "_[k]"), "no annotation anywhere in the SVG");
	/* Both vfs_read frames share one colour. */
	{
		const char *first = NULL;

		for (int i = 0; i < n; i++)
			if (!strcmp(fr[i].name, "vfs_read")) {
				if (first)
					CHECK(!strcmp(first, fr[i].fill),
					      "same name, same colour");
				first = fr[i].fill;
			}
	}
	free(fr);
	free(a);
	free(b);

	/* psys-fold output without annotations is all kernel: orange,
	 * unless a palette is asked for. */
	flamegraph_opts_init(&o);
	a = render("# psys-fold 0.1.0\nloadgen;do_syscall_64 1\n", 42, 0, &o);
	n = parse(a, &fr);
	CHECK(n == 3, "psys frames %d", n);
	for (int i = 0; i < n; i++)
		CHECK(hexbyte(fr[i].fill + 5) == 0 && hexbyte(fr[i].fill + 1) >= 190 &&
			      hexbyte(fr[i].fill + 3) >= 90, "psys kernel orange: %s",
		      fr[i].fill);
	free(fr);
	free(a);
	o.palette = PALETTE_BLUE;
	o.palette_set = 1;
	a = render("# psys-fold 0.1.0\nloadgen;do_syscall_64 1\n", 42, 0, &o);
	n = parse(a, &fr);
	for (int i = 0; i < n; i++)
		CHECK(hexbyte(fr[i].fill + 5) >= 205, "--colors blue: %s", fr[i].fill);
	free(fr);
	free(a);

	/* Without annotations every frame takes the palette: mem. */
	flamegraph_opts_init(&o);
	o.palette = PALETTE_MEM;
	a = render("a;b 1\n", 6, 0, &o);
	n = parse(a, &fr);
	for (int i = 0; i < n; i++)
		CHECK(hexbyte(fr[i].fill + 1) == 0 &&
			      hexbyte(fr[i].fill + 3) >= 190, "mem: %s",
		      fr[i].fill);
	free(fr);
	free(a);
}

static void test_diff(void)
{
	static const char in[] = "a 1 3\nb 2 1\n";
	struct flamegraph_opts o;
	struct frame *fr;
	char *svg;
	int n;

	flamegraph_opts_init(&o);
	svg = render(in, sizeof(in) - 1, 0, &o);
	n = parse(svg, &fr);
	CHECK(n == 3, "diff frames %d", n);
	if (n == 3) {
		CHECK(fr[1].rw == 885 && fr[2].rw == 295, "sized by AFTER");
		CHECK_STR(fr[0].title, "all (4 samples, 100%; before 3, +1, "
				       "+33.33%)", "root");
		CHECK_STR(fr[1].title, "a (3 samples, 75%, 75% of parent; "
				       "before 1, +2, +200%)", "grew");
		CHECK_STR(fr[2].title, "b (1 samples, 25%, 25% of parent; "
				       "before 2, -1, -50%)", "shrank");
		CHECK_STR(fr[0].fill, "#ffffff", "root: no own change");
		CHECK_STR(fr[1].fill, "#ff0000", "largest growth: red");
		/* flamegraph.pl's scale: 210 * (2 - 1) / 2 = 105. */
		CHECK_STR(fr[2].fill, "#6969ff", "half the largest, shrink");
	}
	free(fr);
	free(svg);

	/* --negate: the columns are AFTER BEFORE. */
	o.negate = 1;
	svg = render(in, sizeof(in) - 1, 0, &o);
	n = parse(svg, &fr);
	if (n == 3) {
		CHECK_STR(fr[1].title, "a (3 samples, 75%, 75% of parent; "
				       "after 1, -2, -66.67%)", "negated");
		CHECK_STR(fr[1].fill, "#0000ff", "negated: blue");
	}
	free(fr);
	free(svg);

	svg = render("x 0 5\n", 6, 0, &o);
	CHECK(strstr(svg, "after 0, -5, -100%") != NULL, "negate from zero");
	free(svg);
	o.negate = 0;
	svg = render("x 0 5\n", 6, 0, &o);
	CHECK(strstr(svg, "before 0, +5, new)") != NULL, "new frame");
	free(svg);
}

static void test_titles(void)
{
	static const char meta[] =
		"# psys-fold 0.1.0\n# title: sysHigh for cpu <1:3>\n"
		"# host: web-17\n# window: 10:15:04 .. 10:15:07\n"
		"# samples: 1200\n# lost: 0\nloadgen;x 3\n";
	struct flamegraph_opts o;
	char *svg;

	flamegraph_opts_init(&o);
	svg = render(meta, sizeof(meta) - 1, 0, &o);
	CHECK(strstr(svg, ">sysHigh for cpu &lt;1:3&gt;</text>"), "meta title");
	/* The samples the graph holds, not the metadata's 1200. */
	CHECK(strstr(svg, ">web-17  \xC2\xB7  10:15:04 .. 10:15:07  \xC2\xB7  "
			  "3 samples, 0 lost</text>"), "meta subtitle");
	free(svg);
	o.title = "mine";
	o.subtitle = "";
	svg = render(meta, sizeof(meta) - 1, 0, &o);
	CHECK(strstr(svg, "id=\"title\" x=\"600\" y=\"24\">mine</text>"),
	      "--title wins");
	CHECK(!strstr(svg, "id=\"subtitle\""), "empty --subtitle: none");
	free(svg);
	flamegraph_opts_init(&o);
	svg = render("a 1\n", 4, 0, &o);
	CHECK(strstr(svg, ">Flame Graph</text>") && !strstr(svg, "subtitle\""),
	      "default title, no subtitle");
	free(svg);
	svg = render("not a stack\n", 12, 0, &o);
	CHECK(strstr(svg, "No samples") && !strstr(svg, "id=\"frames\""),
	      "no samples");
	free(svg);
}

/* --- property test --------------------------------------------------- */

static uint64_t rng = 12345;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

struct entry {
	char *path;	/* frames joined by ';', and a ';' after the last */
	double count;
	double x;	/* where the frame must start */
	double self;	/* the counts of lines that end here */
	int depth;
	char *key;	/* the sort key: each frame's name and ' ' if a
			 * line with a count ends there, else ';' */
};

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key,
		      ((const struct entry *)b)->key);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path,
		      ((const struct entry *)b)->path);
}

static const char *const NAMES[] = {
	"a", "b", "c", "do_syscall_64", "f.isra.0", "f", "f_x", "g<&>",
	"q\"'", "nf_hook_slow [nf_tables]", "long_function_name_here",
};

static void property_round(int round, double minwidth)
{
	size_t cap = 1 << 16, len = 0, nent = 0, entcap = 1024;
	char *input = malloc(cap), *svg;
	struct entry *ents = malloc(entcap * sizeof(*ents));
	struct flamegraph_opts o;
	struct frame *fr;
	int lines = 1 + rnd(150), n, expected_frames = 0, bad = 0;
	double total = 0, min_count;

	for (int l = 0; l < lines; l++) {
		int depth = 1 + rnd(round % 5 == 0 ? 60 : 10);
		double count = rnd(4) == 0 ? rnd(20) + 0.5 : rnd(1000);
		char path[4096] = "";
		size_t plen = 0;

		for (int d = 0; d < depth; d++) {
			const char *nm = NAMES[rnd(d == 0 ? 3 : sizeof(NAMES) /
							     sizeof(NAMES[0]))];

			plen += snprintf(path + plen, sizeof(path) - plen, "%s;",
					 nm);
			/* Every prefix gets this line's count. */
			if (nent == entcap)
				ents = realloc(ents, (entcap *= 2) * sizeof(*ents));
			ents[nent].path = strdup(path);
			ents[nent].depth = d + 1;
			ents[nent].self = d + 1 == depth ? count : 0;
			ents[nent++].count = count;
		}
		if (len + plen + 32 > cap)
			input = realloc(input, cap *= 2);
		len += sprintf(input + len, "%.*s %g\n", (int)plen - 1, path,
			       count);
		total += count;
	}
	qsort(ents, nent, sizeof(*ents), by_path);
	{
		size_t w = 0;

		for (size_t i = 0; i < nent; i++) {
			if (w && !strcmp(ents[w - 1].path, ents[i].path)) {
				ents[w - 1].count += ents[i].count;
				ents[w - 1].self += ents[i].self;
				free(ents[i].path);
			} else {
				ents[w++] = ents[i];
			}
		}
		nent = w;
	}
	/* Sorted by their keys, the entries are the tree in the order
	 * frames must appear (as sorted folded lines order them, where a
	 * frame's own line comes before its children's): each frame
	 * starts where its previous sibling ended, the first child after
	 * its parent's own time. */
	for (size_t i = 0; i < nent; i++) {
		char *k = malloc(strlen(ents[i].path) + 1), *q = ents[i].path;

		ents[i].key = k;
		for (char *semi; (semi = strchr(q, ';')); q = semi + 1) {
			struct entry want = { .path = strndup(ents[i].path, semi + 1 - ents[i].path) };
			struct entry *e = bsearch(&want, ents, nent, sizeof(*ents), by_path);

			memcpy(k, q, semi - q);
			k += semi - q;
			*k++ = e && e->self > 0 ? ' ' : ';';
			free(want.path);
		}
		*k = '\0';
	}
	qsort(ents, nent, sizeof(*ents), by_key);
	{
		double next[128] = { 0 };

		for (size_t i = 0; i < nent; i++) {
			int d = ents[i].depth;

			ents[i].x = next[d];
			next[d] += ents[i].count;
			if (d + 1 < 128)
				next[d + 1] = ents[i].x + ents[i].self;
		}
	}
	qsort(ents, nent, sizeof(*ents), by_path);
	flamegraph_opts_init(&o);
	o.minwidth = minwidth;
	min_count = minwidth / (1180.0 / total);
	for (size_t i = 0; i < nent; i++)
		if (ents[i].count > 0 && ents[i].count >= min_count)
			expected_frames++;
	svg = render(input, len, 0, &o);
	n = parse(svg, &fr);
	if (!(total > 0)) {
		CHECK(n == 0 && strstr(svg, "No samples"), "round %d: empty", round);
		goto done;
	}
	CHECK(n == expected_frames + 1, "round %d: %d frames, want %d", round,
	      n, expected_frames + 1);
	CHECK(n > 0 && fr[0].n == total && title_count(fr[0].title) == total &&
		      fr[0].depth == 0, "round %d: root %g, total %g", round,
	      n ? fr[0].n : -1, total);
	for (int i = 1; i < n && !bad; i++) {
		char path[4096];
		size_t plen = 0;
		int chain[128], k = 0;
		struct entry key = { .path = path }, *e;
		const struct frame *p = &fr[fr[i].parent];
		double kids = 0, kid_end = p->x;

		/* Rebuild the frame's stack from its ancestors. */
		for (int j = i; j > 0 && k < 128; j = fr[j].parent)
			chain[k++] = j;
		path[0] = '\0';
		while (k--)
			plen += snprintf(path + plen, sizeof(path) - plen, "%s;",
					 fr[chain[k]].name);
		e = bsearch(&key, ents, nent, sizeof(*ents), by_path);
		if (!e || e->count != fr[i].n ||
		    title_count(fr[i].title) != fr[i].n) {
			CHECK(0, "round %d: '%s' count %g tooltip %g, input %g",
			      round, path, fr[i].n, title_count(fr[i].title),
			      e ? e->count : -1);
			bad = 1;
		} else if (e->x != fr[i].x) {
			CHECK(0, "round %d: '%s' starts at %g, want %g", round,
			      path, fr[i].x, e->x);
			bad = 1;
		}
		CHECK(fr[i].n >= min_count, "round %d: '%s' below minwidth",
		      round, path);
		/* Children inside the parent, in order, never overlapping,
		 * and together no wider than it. */
		for (int j = fr[i].parent + 1; j < n; j++) {
			if (fr[j].parent != fr[i].parent)
				continue;
			if (fr[j].x < kid_end - 1e-9)
				bad = 1;
			kid_end = fr[j].x + fr[j].n;
			kids += fr[j].n;
		}
		CHECK(!bad && kids <= p->n + 1e-9 && kid_end <= p->x + p->n + 1e-9,
		      "round %d: children of '%s' %g > %g", round, p->name,
		      kids, p->n);
		/* A label where "x.." fits at 12 px * 0.59 a character,
		 * cut to fit. */
		{
			double fit = floor((fr[i].n * (1180 / total) - 3) /
					   (12 * 0.59));
			size_t nl = strlen(fr[i].name);
			char want[256] = "";

			if (fit >= 3 && nl <= fit)
				snprintf(want, sizeof(want), "%s", fr[i].name);
			else if (fit >= 3)
				snprintf(want, sizeof(want), "%.*s..",
					 (int)fit - 2, fr[i].name);
			CHECK(fr[i].has_label == (fit >= 3 && nl > 0) &&
				      !strcmp(fr[i].label, want),
			      "round %d: '%s' %g px: label '%s', want '%s'",
			      round, path, fr[i].rw, fr[i].label, want);
		}
		CHECK(fabs(fr[i].rx - (10 + fr[i].x * 1180 / total)) < 0.006 &&
			      fabs(fr[i].rw - fr[i].n * 1180 / total) < 0.006,
		      "round %d: '%s' rect does not match its counts", round,
		      path);
		if (bad)
			break;
	}
done:
	for (size_t i = 0; i < nent; i++) {
		free(ents[i].path);
		free(ents[i].key);
	}
	free(ents);
	free(fr);
	free(svg);
	free(input);
}


/* --- flamegraph.pl's other options ---------------------------------- */

/* FILL (#rrggbb) is in flamegraph.pl's plain palette NAME. */
static int in_palette(const char *fill, const char *name)
{
	int r = hexbyte(fill + 1), g = hexbyte(fill + 3), b = hexbyte(fill + 5);

	if (!strcmp(name, "red"))
		return r >= 200 && g == b && g >= 50 && g <= 130;
	if (!strcmp(name, "green"))
		return g >= 200 && r == b && r >= 50 && r <= 110;
	if (!strcmp(name, "blue"))
		return b >= 205 && r == g && r >= 80 && r <= 140;
	if (!strcmp(name, "aqua"))
		return r >= 50 && r <= 110 && g == b && g >= 165 && g <= 220;
	if (!strcmp(name, "yellow"))
		return r == g && r >= 175 && r <= 230 && b >= 50 && b <= 70;
	if (!strcmp(name, "orange"))
		return b == 0 && r >= 190 && g >= 90 && g <= 155;
	if (!strcmp(name, "hot"))
		return r >= 205 && g <= 230 && b <= 55;
	if (!strcmp(name, "grey"))
		return r == 160 && g == 160 && b == 160;
	return 0;
}

static const struct frame *find_frame(const struct frame *fr, int n, const char *name, int nth)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(fr[i].name, name) && nth-- == 0)
			return &fr[i];
	return NULL;
}

/* --flamechart: input order, merged only with the stack before; with
 * --reverse from the leaves; titled Flame Chart. */
static void test_flamechart(void)
{
	static const char in[] = "a;b 1\na;c 1\na;b 1\nx 1\na;b 2\n";
	static const struct {
		const char *name;
		double x, n;
		int depth;
	} chart[] = { { "all", 0, 6, 0 }, { "a", 0, 3, 1 }, { "b", 0, 1, 2 },
		      { "c", 1, 1, 2 },	  { "b", 2, 1, 2 }, { "x", 3, 1, 1 },
		      { "a", 4, 2, 1 },	  { "b", 4, 2, 2 } };
	struct flamegraph_opts o;
	struct frame *fr;
	char *svg;
	int n;

	flamegraph_opts_init(&o);
	o.flamechart = 1;
	svg = render(in, sizeof(in) - 1, FLAME_CHART, &o);
	n = parse(svg, &fr);
	CHECK(n == 8, "chart: %d frames", n);
	for (int i = 0; i < n && i < 8; i++) {
		CHECK_STR(fr[i].name, chart[i].name, "chart order");
		CHECK(fr[i].x == chart[i].x && fr[i].n == chart[i].n && fr[i].depth == chart[i].depth,
		      "chart %d %s: x %g n %g depth %d", i, fr[i].name, fr[i].x, fr[i].n,
		      fr[i].depth);
	}
	CHECK(strstr(svg, ">Flame Chart</text>") != NULL, "chart title");
	free(fr);
	free(svg);
	/* The same input as a graph merges a and sorts. */
	flamegraph_opts_init(&o);
	svg = render(in, sizeof(in) - 1, 0, &o);
	n = parse(svg, &fr);
	CHECK(n == 5 && !strcmp(fr[1].name, "a") && fr[1].n == 5 && !strcmp(fr[4].name, "x"),
	      "graph merges: %d frames", n);
	CHECK(strstr(svg, ">Flame Graph</text>") != NULL, "graph title");
	free(fr);
	free(svg);
	/* Reversed: merged from the leaves, still in input order. */
	o.flamechart = 1;
	svg = render("z;b 1\nc;b 1\nd;e 1\nf;b 1\n", 24, FLAME_CHART | FLAME_REVERSE, &o);
	n = parse(svg, &fr);
	CHECK(n == 8, "reversed chart: %d frames", n);
	if (n == 8) {
		CHECK(!strcmp(fr[1].name, "b") && fr[1].n == 2 && !strcmp(fr[2].name, "z") &&
			      !strcmp(fr[3].name, "c") && !strcmp(fr[4].name, "e") &&
			      !strcmp(fr[6].name, "b") && fr[6].x == 3, "reversed chart order");
	}
	free(fr);
	free(svg);
	/* A child does not merge across a stretch where its parent ran
	 * alone: two b of 10, at 0 and 20, forward and reversed. */
	for (int rev = 0; rev < 2; rev++) {
		const char *in2 = rev ? "b;a 10\na 10\nb;a 10\n" : "a;b 10\na 10\na;b 10\n";

		svg = render(in2, strlen(in2), FLAME_CHART | (rev ? FLAME_REVERSE : 0), &o);
		n = parse(svg, &fr);
		CHECK(n == 4 && fr[1].n == 30 && !strcmp(fr[2].name, "b") && fr[2].x == 0 &&
			      fr[2].n == 10 && !strcmp(fr[3].name, "b") && fr[3].x == 20 &&
			      fr[3].n == 10, "chart, parent alone between (reverse %d): %d frames",
		      rev, n);
		free(fr);
		free(svg);
	}
}

/* --factor scales the counts shown, not the widths; --total widens the
 * scale: the root spans it, the rest are parts of it. */
static void test_factor_total(void)
{
	static const char in[] = "a;b 1\na;c 3\nd 4\n";
	struct flamegraph_opts o;
	struct frame *fr;
	char *svg;
	int n;

	flamegraph_opts_init(&o);
	o.factor = 0.5;
	o.total = 16;
	svg = render(in, sizeof(in) - 1, 0, &o);
	n = parse(svg, &fr);
	CHECK(n == 5, "factor/total frames %d", n);
	if (n == 5) {
		CHECK_STR(fr[0].title, "all (8 samples, 100%)", "root shows the total");
		CHECK(fr[0].n == 16 && fr[0].rw == 1180, "root spans the width");
		CHECK_STR(fr[1].title, "a (2 samples, 25%, 25% of parent)", "a scaled");
		CHECK(fabs(fr[1].rw - 295) < 0.01, "a: a quarter of the width: %g", fr[1].rw);
		CHECK_STR(fr[2].title, "b (0.5 samples, 6.25%, 25% of parent)", "fraction");
		CHECK_STR(fr[4].title, "d (2 samples, 25%, 25% of parent)", "d");
	}
	CHECK(strstr(svg, "data-total=\"16\"") != NULL, "the script's total");
	free(fr);
	free(svg);
	/* --minwidth in percent is of the total too: 1 of 16 < 10 %. */
	o.factor = 1;
	o.minwidth = 10;
	o.minwidth_percent = 1;
	svg = render(in, sizeof(in) - 1, 0, &o);
	n = parse(svg, &fr);
	CHECK(n == 4 && !find_frame(fr, n, "b", 0), "minwidth of --total: %d", n);
	free(fr);
	free(svg);
}

/* js, perl, wakeup and chain pick a plain palette per frame, as
 * flamegraph.pl's color() does; "--" and "-" are grey. */
static void test_multi_palettes(void)
{
	static const struct {
		const char *palette, *input, *frame, *want;
		int nth;
	} cases[] = {
		{ "js", "main;/app/x.js:3_[j];Builtin_[j];v8::X;/srv/app.js;lib:f; ;k_[k];s 1\n",
		  "/app/x.js:3", "green", 0 },
		{ "js", NULL, "Builtin", "aqua", 0 },
		{ "js", NULL, "v8::X", "yellow", 0 },
		{ "js", NULL, "/srv/app.js", "green", 0 },
		{ "js", NULL, "lib:f", "aqua", 0 },
		{ "js", NULL, " ", "green", 0 },
		{ "js", NULL, "k", "orange", 0 },
		{ "js", NULL, "s", "red", 0 },
		{ "perl", "perl;Perl_pp_entersub;x.pl;Foo::bar;sys_read_[k];libc 1\n",
		  "Perl_pp_entersub", "green", 0 },
		{ "perl", NULL, "x.pl", "green", 0 },
		{ "perl", NULL, "Foo::bar", "yellow", 0 },
		{ "perl", NULL, "sys_read", "orange", 0 },
		{ "perl", NULL, "libc", "red", 0 },
		{ "wakeup", "a;b 1\n", "a", "aqua", 0 },
		{ "wakeup", NULL, "b", "aqua", 0 },
		{ "chain", "off;schedule;--;waker;try_to_wake_up;--;w2 3\noff;io_schedule 2\n"
			   "x;m_[w] 1\n", "schedule", "blue", 0 },
		{ "chain", NULL, "off", "blue", 0 },
		{ "chain", NULL, "io_schedule", "blue", 0 },
		{ "chain", NULL, "--", "grey", 0 },
		{ "chain", NULL, "--", "grey", 1 },
		{ "chain", NULL, "waker", "aqua", 0 },
		{ "chain", NULL, "try_to_wake_up", "aqua", 0 },
		{ "chain", NULL, "w2", "aqua", 0 },
		{ "chain", NULL, "m", "aqua", 0 },
		{ "chain", NULL, "x", "blue", 0 },
	};
	const char *input = NULL;
	struct frame *fr = NULL;
	char *svg = NULL;
	int n = 0;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		if (cases[c].input) {
			struct flamegraph_opts o;

			free(fr);
			free(svg);
			flamegraph_opts_init(&o);
			o.palette = palette_by_name(cases[c].palette);
			o.palette_set = 1;
			CHECK((int)o.palette >= 0, "palette %s", cases[c].palette);
			input = cases[c].input;
			svg = render(input, strlen(input), 0, &o);
			n = parse(svg, &fr);
			/* wakeup and chain default to the blue background. */
			if (!strcmp(cases[c].palette, "chain") || !strcmp(cases[c].palette, "wakeup"))
				CHECK(strstr(svg, "stop-color=\"#e0e0ff\"") != NULL, "%s background",
				      cases[c].palette);
			CHECK(!strstr(svg, "_[w]"), "waker mark shown");
		}
		const struct frame *f = find_frame(fr, n, cases[c].frame, cases[c].nth);
		CHECK(f && in_palette(f->fill, cases[c].want), "%s: '%s' is %s, not %s",
		      cases[c].palette, cases[c].frame, f ? f->fill : "missing", cases[c].want);
	}
	free(fr);
	free(svg);
}

/* --random: boxes of one name differ, within the palette, the same for
 * the same seed and not for another. */
static void test_random(void)
{
	static const char in[] = "a;b 1\nc;b 1\nd;b 1\ne;b 1\nf;b 1\n";
	struct flamegraph_opts o;
	struct frame *fr;
	char *a, *b, *c;
	int n, distinct = 0;

	flamegraph_opts_init(&o);
	o.random = 1;
	o.seed = 1;
	a = render(in, sizeof(in) - 1, 0, &o);
	b = render(in, sizeof(in) - 1, 0, &o);
	o.seed = 2;
	c = render(in, sizeof(in) - 1, 0, &o);
	CHECK(strcmp(a, b) == 0, "random: the same seed, the same graph");
	CHECK(strcmp(a, c) != 0, "random: another seed, other colours");
	n = parse(a, &fr);
	for (int i = 0; i < n; i++) {
		CHECK(in_palette(fr[i].fill, "hot"), "random %s: %s not hot", fr[i].name, fr[i].fill);
		if (!strcmp(fr[i].name, "b") && strcmp(fr[i].fill, find_frame(fr, n, "b", 0)->fill))
			distinct++;
	}
	CHECK(distinct >= 3, "random: only %d of 5 b boxes differ from the first", distinct);
	free(fr);
	free(a);
	free(b);
	free(c);
}

/* --cp: palette.map lines read (later ones win, bad ones counted), used,
 * extended with new names (not the root; waker frames keyed with _[w]),
 * and written back sorted in flamegraph.pl's format. */
static void test_palmap(void)
{
	static const char text[] = "b->rgb(1,2,3)\nnot a colour\nop->x->rgb(4,5,6)\n"
				   "z->#0a0b0C\nq->rgb(1,2,256)\nb->rgb(7,8,9)\n\n";
	struct palmap *pm = palmap_new();
	struct flamegraph_opts o;
	struct frame *fr;
	size_t bad, first;
	uint32_t rgb = 0;
	char *svg, *out = NULL;
	size_t outlen = 0;
	int n;

	CHECK(palmap_parse(pm, text, sizeof(text) - 1, &bad, &first) == 0, "palmap parse");
	CHECK(bad == 2 && first == 2, "bad lines %zu, first %zu", bad, first);
	CHECK(palmap_get(pm, "b", 1, &rgb) && rgb == 0x070809, "later line wins: %06x", rgb);
	CHECK(palmap_get(pm, "op->x", 5, &rgb) && rgb == 0x040506, "name with ->");
	CHECK(palmap_get(pm, "z", 1, &rgb) && rgb == 0x0a0b0c, "#rrggbb");
	CHECK(!palmap_get(pm, "q", 1, &rgb), "256 refused");
	CHECK(!palmap_changed(pm), "reading is no change");

	flamegraph_opts_init(&o);
	o.palmap = pm;
	svg = render("a;b 1\nz 1\n", 10, 0, &o);
	n = parse(svg, &fr);
	CHECK(find_frame(fr, n, "b", 0) && !strcmp(find_frame(fr, n, "b", 0)->fill, "#070809"),
	      "b takes the map's colour");
	CHECK(find_frame(fr, n, "z", 0) && !strcmp(find_frame(fr, n, "z", 0)->fill, "#0a0b0c"),
	      "z too");
	CHECK(palmap_changed(pm) && palmap_get(pm, "a", 1, &rgb) && !palmap_get(pm, "all", 3, &rgb),
	      "a added, the root not");
	free(fr);
	free(svg);
	/* Chain graphs key waker frames as flamegraph.pl names them. */
	o.palette = PALETTE_CHAIN;
	svg = render("s;--;w 1\n", 9, 0, &o);
	CHECK(palmap_get(pm, "w_[w]", 5, &rgb) && !palmap_get(pm, "w", 1, &rgb), "waker key");
	free(svg);

	FILE *f = open_memstream(&out, &outlen);
	CHECK(palmap_write(pm, f) == 0, "palmap write");
	fclose(f);
	CHECK(!strncmp(out, "--->rgb(160,160,160)\n", 21) || !strncmp(out, "a->rgb(", 7),
	      "sorted, flamegraph.pl's format: %.40s", out);
	CHECK(strstr(out, "\nb->rgb(7,8,9)\n") && strstr(out, "\nop->x->rgb(4,5,6)\n") &&
		      strstr(out, "\nz->rgb(10,11,12)\n"), "written back:\n%s", out);
	struct palmap *back = palmap_new();
	CHECK(palmap_parse(back, out, outlen, &bad, &first) == 0 && bad == 0 &&
		      palmap_size(back) == palmap_size(pm), "reads back whole");
	palmap_free(back);
	free(out);
	palmap_free(pm);
}

/* --nameattr: title, href, target, id, class; values escaped; raw markup
 * keys and the document's own ids refused; a line without a tab is an
 * error naming it. */
static void test_nameattr(void)
{
	static const char text[] = "b\ttitle=<about \"b\">\thref=http://e.x/?a=1&b=2\tclass=c1\t"
				   "id=frames\tg_extra=onload=\"x\"\n\nc\tid=mine\ttarget=_blank\n";
	size_t line, ignored;
	char key[32];
	struct nameattr *na = nameattr_parse(text, sizeof(text) - 1, &line, &ignored, key,
					     sizeof(key));
	struct flamegraph_opts o;
	char *svg;

	CHECK(na != NULL, "nameattr parse");
	if (!na)
		return;
	CHECK(nameattr_size(na) == 2 && ignored == 1 && !strcmp(key, "g_extra"),
	      "entries %zu, ignored %zu '%s'", nameattr_size(na), ignored, key);
	const struct nameattr_entry *e = nameattr_get(na, "b", 1);
	CHECK(e && e->title && !strcmp(e->title, "<about \"b\">") && e->href &&
		      !strcmp(e->href, "http://e.x/?a=1&b=2") && !e->target, "b's attributes");
	flamegraph_opts_init(&o);
	o.nameattr = na;
	svg = render("a;b 1\nc 1\n", 10, 0, &o);
	CHECK(strstr(svg, "<a data-x=\"0\" data-n=\"1\" class=\"c1\" href=\"http://e.x/?a=1&amp;b=2\" "
			  "target=\"_top\" data-name=\"b\"><title>&lt;about &quot;b&quot;&gt;</title>"),
	      "b is a link with its title");
	CHECK(strstr(svg, "<g data-x=\"1\" data-n=\"1\" id=\"mine\"><title>c (1 samples"),
	      "c keeps its tooltip, gets its id");
	CHECK(strstr(svg, "</a>\n") && !strstr(svg, "onload"), "closed, no raw markup");
	{
		int ids = 0;
		for (const char *p = svg; (p = strstr(p, "id=\"frames\"")); p++)
			ids++;
		CHECK(ids == 1, "id=\"frames\" %d times", ids);
	}
	free(svg);
	nameattr_free(na);

	na = nameattr_parse("ok\ttitle=x\nno tab here\n", 23, &line, &ignored, key, sizeof(key));
	CHECK(!na && errno == EINVAL && line == 2, "a line without a tab: line %zu", line);
}

int main(void)
{
	test_goldens();
	test_colours();
	test_diff();
	test_titles();
	test_flamechart();
	test_factor_total();
	test_multi_palettes();
	test_random();
	test_palmap();
	test_nameattr();
	for (int round = 0; round < 300; round++)
		property_round(round, round % 3 == 0 ? 0 : round % 3 == 1 ? 0.1 : 7);
	return test_done("test_flame");
}
