/* Frame colours; see palette.h. The palettes are flamegraph.pl's ranges
 * per channel, so its users find the colours they expect. */
#include "render/palette.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static const struct {
	const char *name;
	enum palette_id p;
} PALETTES[] = {
	{ "hot", PALETTE_HOT },	      { "mem", PALETTE_MEM },
	{ "io", PALETTE_IO },	      { "red", PALETTE_RED },
	{ "green", PALETTE_GREEN },   { "blue", PALETTE_BLUE },
	{ "aqua", PALETTE_AQUA },     { "yellow", PALETTE_YELLOW },
	{ "purple", PALETTE_PURPLE }, { "orange", PALETTE_ORANGE },
	{ "java", PALETTE_JAVA },     { "grey", PALETTE_GREY },
	{ "gray", PALETTE_GREY },     { "js", PALETTE_JS },
	{ "perl", PALETTE_PERL },     { "wakeup", PALETTE_WAKEUP },
	{ "chain", PALETTE_CHAIN },
};

const char *palette_names(void)
{
	return "hot, mem, io, red, green, blue, aqua, yellow, purple, orange, grey, "
	       "java, js, perl, wakeup or chain";
}

int palette_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(PALETTES) / sizeof(PALETTES[0]); i++)
		if (strcmp(name, PALETTES[i].name) == 0)
			return PALETTES[i].p;
	return -1;
}

const char *palette_background(enum palette_id id)
{
	/* flamegraph.pl's choice. */
	switch (id) {
	case PALETTE_MEM:
		return "green";
	case PALETTE_IO:
	case PALETTE_WAKEUP:
	case PALETTE_CHAIN:
		return "blue";
	case PALETTE_RED: case PALETTE_GREEN: case PALETTE_BLUE: case PALETTE_AQUA:
	case PALETTE_YELLOW: case PALETTE_PURPLE: case PALETTE_ORANGE:
		return "grey";
	default:
		return "yellow";
	}
}

/* Three numbers in [0, 1) that pick a colour within a palette. */
struct shade {
	double v1, v2, v3;
};

/* The code point of the UTF-8 character at S[*I] (of N bytes), moving
 * *I past it; a byte that starts no valid character is U+FFFD. */
static uint32_t next_char(const unsigned char *s, size_t n, size_t *i)
{
	uint32_t c = s[*i], need, min;

	(*i)++;
	if (c < 0x80)
		return c;
	if (c >= 0xc2 && c < 0xe0)
		need = 1, min = 0x80, c &= 0x1f;
	else if (c >= 0xe0 && c < 0xf0)
		need = 2, min = 0x800, c &= 0x0f;
	else if (c >= 0xf0 && c < 0xf5)
		need = 3, min = 0x10000, c &= 0x07;
	else
		return 0xfffd;
	if (*i + need > n)
		return 0xfffd;
	for (uint32_t k = 0; k < need; k++)
		if ((s[*i + k] & 0xc0) != 0x80)
			return 0xfffd;
	for (uint32_t k = 0; k < need; k++)
		c = c << 6 | (s[(*i)++] & 0x3f);
	return c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000) ? 0xfffd : c;
}

/* Default: every name its stable colour, flamegraph.pl's: Perl's
 * rand(1) right after srand(the sum of the name's code points), which
 * is drand48's first number from that seed (the same on every machine). */
static struct shade shade_of(const char *s, size_t n)
{
	uint32_t sum = 0;
	uint64_t x;
	struct shade c;

	for (size_t i = 0; i < n;)
		sum += next_char((const unsigned char *)s, n, &i);
	x = ((uint64_t)sum << 16) + 0x330e;
	x = (x * 0x5deece66dull + 0xb) & 0xffffffffffffull;
	c.v1 = c.v2 = c.v3 = ldexp((double)x, -48);
	return c;
}

/* --hash: names that start alike (FROM_END: end alike) get similar
 * colours, the first characters weighing most: flamegraph.pl's
 * namehash, over the name as it reads it (reversed for FROM_END) less
 * everything up to its first backquote after the first character (a
 * "module`" prefix), three characters at most. */
static double leaning(const char *s, size_t n, int from_end)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp[3];
	size_t k = 0, i, from = 0;
	double v = 0, weight = 1, max = 1;

	if (!from_end) {
		const char *bq = n > 1 ? memchr(s + 1, '`', n - 1) : NULL;

		if (bq)
			from = (size_t)(bq - s) + 1;
		for (i = from; i < n && k < 3;)
			cp[k++] = next_char(u, n, &i);
	} else {
		/* Reversed, the first backquote after the first character
		 * is the last one before the name's last character. */
		size_t end = n;

		for (i = n >= 2 ? n - 1 : 0; i-- > 0;)
			if (s[i] == '`') {
				end = i;
				break;
			}
		i = end;
		while (i > 0 && k < 3) {
			size_t j = i - 1, at;

			/* Back to the start of the character before I. */
			while (j > 0 && (u[j] & 0xc0) == 0x80 && i - j < 4)
				j--;
			at = j;
			cp[k] = next_char(u, i, &at);
			if (at != i) {	/* not one character: its last byte */
				cp[k] = 0xfffd;
				j = i - 1;
			}
			k++;
			i = j;
		}
	}
	for (i = 0; i < k; i++) {
		uint32_t mod = 10 + (uint32_t)i;

		v += (double)(cp[i] % mod) / (double)(mod - 1) * weight;
		max += 1 * weight;
		weight *= 0.70;
	}
	return 1 - v / max;
}

static uint32_t rgb(int r, int g, int b)
{
	return (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
}

/* flamegraph.pl's palettes, as ranges per channel. */
static uint32_t paint(enum palette_id p, struct shade c)
{
	double v1 = c.v1, v2 = c.v2, v3 = c.v3;

	switch (p) {
	case PALETTE_HOT:
		return rgb(205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2));
	case PALETTE_MEM:
		return rgb(0, 190 + (int)(50 * v2), (int)(210 * v1));
	case PALETTE_IO: {
		int x = 80 + (int)(60 * v1);

		return rgb(x, x, 190 + (int)(55 * v2));
	}
	case PALETTE_RED: {
		int x = 50 + (int)(80 * v1);

		return rgb(200 + (int)(55 * v1), x, x);
	}
	case PALETTE_GREEN: {
		int x = 50 + (int)(60 * v1);

		return rgb(x, 200 + (int)(55 * v1), x);
	}
	case PALETTE_BLUE: {
		int x = 80 + (int)(60 * v1);

		return rgb(x, x, 205 + (int)(50 * v1));
	}
	case PALETTE_AQUA: {
		int x = 165 + (int)(55 * v1);

		return rgb(50 + (int)(60 * v1), x, x);
	}
	case PALETTE_YELLOW: {
		int x = 175 + (int)(55 * v1);

		return rgb(x, x, 50 + (int)(20 * v1));
	}
	case PALETTE_PURPLE: {
		int x = 190 + (int)(65 * v1);

		return rgb(x, 80 + (int)(60 * v1), x);
	}
	case PALETTE_ORANGE:
		return rgb(190 + (int)(65 * v1), 90 + (int)(65 * v1), 0);
	case PALETTE_GREY: {
		int x = 150 + (int)(60 * v1);

		return rgb(x, x, x);
	}
	case PALETTE_JAVA:
	case PALETTE_JS:
	case PALETTE_PERL:
	case PALETTE_WAKEUP:
	case PALETTE_CHAIN:
		break;		/* classify() picks a plain palette first */
	}
	return 0;
}

static int contains(const char *s, size_t n, const char *sub)
{
	return memmem(s, n, sub, strlen(sub)) != NULL;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

/* A Java class name: "java/...", "Ljava/...", and the same for javax,
 * jdk, net, org, com, io, sun. */
static int java_package(const char *s, size_t n)
{
	static const char *const pkgs[] = { "java/", "javax/", "jdk/", "net/", "org/",
					    "com/", "io/", "sun/" };

	if (n && s[0] == 'L' && java_package(s + 1, n - 1))
		return 1;
	for (size_t i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++)
		if (n >= strlen(pkgs[i]) && memcmp(s, pkgs[i], strlen(pkgs[i])) == 0)
			return 1;
	return 0;
}

/* flamegraph.pl's multi palettes: the plain palette the frame named S (N
 * bytes, annotation included) takes; WAKER says it follows a "--" frame
 * (chain graphs). Other palettes are returned as they are. */
static enum palette_id classify(enum palette_id p, const char *s, size_t n,
					int waker)
{
	const char *slash;

	switch (p) {
	case PALETTE_JAVA:
		if (ends_with(s, n, "_[j]"))		/* JIT */
			return PALETTE_GREEN;
		if (ends_with(s, n, "_[i]"))		/* inlined */
			return PALETTE_AQUA;
		if (java_package(s, n) || contains(s, n, ":::"))
			return PALETTE_GREEN;		/* Java */
		if (contains(s, n, "::"))		/* C++ */
			return PALETTE_YELLOW;
		if (ends_with(s, n, "_[k]"))
			return PALETTE_ORANGE;
		return PALETTE_RED;			/* system */
	case PALETTE_JS:
		if (ends_with(s, n, "_[j]"))		/* JIT: source, or builtin */
			return memchr(s, '/', n) ? PALETTE_GREEN : PALETTE_AQUA;
		if (contains(s, n, "::"))		/* C++ */
			return PALETTE_YELLOW;
		slash = memchr(s, '/', n);		/* a path to a .js file */
		if (slash && contains(slash, n - (size_t)(slash - s), ".js"))
			return PALETTE_GREEN;
		if (memchr(s, ':', n))			/* builtin */
			return PALETTE_AQUA;
		if (n == 1 && s[0] == ' ')		/* missing symbol */
			return PALETTE_GREEN;
		if (contains(s, n, "_[k]"))
			return PALETTE_ORANGE;
		return PALETTE_RED;			/* system */
	case PALETTE_PERL:
		if (contains(s, n, "::"))
			return PALETTE_YELLOW;
		if (contains(s, n, "Perl") || contains(s, n, ".pl"))
			return PALETTE_GREEN;
		if (ends_with(s, n, "_[k]"))
			return PALETTE_ORANGE;
		return PALETTE_RED;
	case PALETTE_WAKEUP:
		return PALETTE_AQUA;
	case PALETTE_CHAIN:
		return waker || contains(s, n, "_[w]") ? PALETTE_AQUA : PALETTE_BLUE;
	default:
		return p;
	}
}

static int multi_palette(enum palette_id p)
{
	return p == PALETTE_JAVA || p == PALETTE_JS || p == PALETTE_PERL || p == PALETTE_WAKEUP ||
	       p == PALETTE_CHAIN;
}

/* How frames are told apart: when some frames carry "_[k]", kernel
 * frames take the kernel palette (orange) and the others the user one;
 * psys-fold output without annotations is all kernel, so it takes the
 * kernel palette too unless --colors said otherwise; other tools' output
 * without annotations takes the chosen palette. */
struct palette {
	const struct flame *fl;
	enum palette_id user, kernel;
	enum palette_id multi;	/* a multi palette, else 0 */
	int hash, random;
	int by_kind;		/* annotated frames take their kind's palette */
	uint64_t rng;		/* --random's generator state */
	struct palmap *palmap;	/* --cp */
	uint8_t *waker;		/* chain: per node, follows a "--" frame */
	struct buf key;		/* scratch: a palette.map key */
	int err;
	uint32_t *cache;	/* per name id; UINT32_MAX = not yet */
};

/* A number in [0, 1) from the --random generator (xorshift64*). */
static double random_unit(struct palette *pt)
{
	pt->rng ^= pt->rng >> 12;
	pt->rng ^= pt->rng << 25;
	pt->rng ^= pt->rng >> 27;
	return (double)((pt->rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

uint32_t palette_colour(struct palette *pt, uint32_t node)
{
	const struct flame *fl = pt->fl;
	uint32_t id = flame_name_id(fl, node), colour;
	enum palette_id p = pt->user;
	int waker = pt->waker ? pt->waker[node] : 0;
	/* Random colours differ box by box; chain colours by position. */
	int cached = !pt->random && !pt->waker;
	struct shade c;
	const char *s, *raw;
	size_t n, rn;

	if (cached && pt->cache[id] != UINT32_MAX)
		return pt->cache[id];
	raw = flame_raw_name(fl, node, &rn);
	/* "--" separates stacks in chain graphs, "-" perf's user and kernel
	 * stacks: greys. */
	if (node != FLAME_ROOT && rn == 2 && raw[0] == '-' && raw[1] == '-') {
		colour = rgb(160, 160, 160);
		goto out;
	}
	if (node != FLAME_ROOT && rn == 1 && raw[0] == '-') {
		colour = rgb(200, 200, 200);
		goto out;
	}
	/* Shades come from the name as flamegraph.pl sees it: annotation
	 * kept, and the root nameless. */
	s = node == FLAME_ROOT ? "" : raw;
	n = node == FLAME_ROOT ? 0 : rn;
	/* palette.map keys are names as flamegraph.pl saw them, with the
	 * _[w] it gives waker frames of chain graphs. */
	buf_reset(&pt->key);
	buf_put(&pt->key, raw, rn);
	if (waker && !ends_with(raw, rn, "_[w]"))
		buf_put(&pt->key, "_[w]", 4);
	if (pt->key.err) {
		pt->err = -ENOMEM;
		return 0;
	}
	/* The root is flamegraph.pl's nameless frame: not in the map. */
	int mapped = pt->palmap && node != FLAME_ROOT;
	if (mapped && palmap_get(pt->palmap, (const char *)pt->key.data, pt->key.len, &colour))
		goto out;
	if (pt->multi) {
		p = classify(pt->multi, raw, rn, waker);
	} else if (pt->by_kind) {
		switch (flame_kind(fl, node)) {
		case FLAME_KERNEL:
			p = pt->kernel;
			break;
		case FLAME_JIT:
			p = PALETTE_GREEN;
			break;
		case FLAME_INLINE:
			p = PALETTE_AQUA;
			break;
		case FLAME_PLAIN:
		case FLAME_WAKER:
			break;
		}
	}
	if (pt->hash) {
		c.v1 = leaning(s, n, 0);
		c.v2 = c.v3 = leaning(s, n, 1);
	} else if (pt->random) {
		c.v1 = random_unit(pt);
		c.v2 = random_unit(pt);
		c.v3 = random_unit(pt);
	} else {
		c = shade_of(s, n);
	}
	colour = paint(p, c);
	if (mapped && palmap_set(pt->palmap, (const char *)pt->key.data, pt->key.len, colour))
		pt->err = -ENOMEM;
out:
	if (cached)
		pt->cache[id] = colour;
	return colour;
}

uint32_t palette_change(double delta, double max)
{
	double v;

	if (delta == 0 || !(max > 0))
		return rgb(255, 255, 255);
	/* flamegraph.pl's scale, to the byte. */
	v = 210 * (max - fabs(delta)) / max;
	v = v > 0 ? (int)v : 0;
	return delta > 0 ? rgb(255, (int)v, (int)v) : rgb((int)v, (int)v, 255);
}

/* Chain graphs: frames after a "--" frame are the wakers'. FRAMES come
 * parents first, so one pass marks them all. */
static void mark_wakers(struct palette *pt, const struct flame_frame *frames, size_t n)
{
	const struct flame *fl = pt->fl;

	for (size_t i = 0; i < n; i++) {
		uint32_t up = flame_parent(fl, frames[i].node);
		size_t pn;
		const char *ps = flame_raw_name(fl, up, &pn);

		if (frames[i].node != FLAME_ROOT)
			pt->waker[frames[i].node] = pt->waker[up] ||
				(up != FLAME_ROOT && pn == 2 && ps[0] == '-' && ps[1] == '-');
	}
}

struct palette *palette_new(const struct flame *fl, const struct palette_opts *po,
			    const struct flame_frame *frames, size_t n)
{
	struct palette *pt = calloc(1, sizeof(*pt));
	size_t ncache = flame_names(fl) + 1;	/* the root's id is the last */

	if (!pt || !(pt->cache = malloc(ncache * sizeof(*pt->cache))))
		goto fail;
	memset(pt->cache, 0xff, ncache * sizeof(*pt->cache));
	pt->fl = fl;
	pt->hash = po->hash;
	pt->random = po->random;
	/* A zero state would stay zero. */
	pt->rng = po->seed ? po->seed : 0x9e3779b97f4a7c15ull;
	pt->palmap = po->map;
	pt->multi = multi_palette(po->id) ? po->id : 0;
	if (po->id == PALETTE_CHAIN) {
		if (!(pt->waker = calloc(flame_nodes(fl), 1)))
			goto fail;
		mark_wakers(pt, frames, n);
	}
	pt->user = po->id;
	pt->kernel = PALETTE_ORANGE;
	/* The default palette tells annotated frames apart: kernel frames
	 * orange, user frames red (as flamegraph.pl's java palette does),
	 * JIT green, inlined aqua. A palette asked for paints every frame
	 * as flamegraph.pl's does. */
	if (!po->id_set && flame_has_kernel_annotations(fl)) {
		pt->by_kind = 1;
		pt->user = PALETTE_RED;
	}
	if (!flame_has_kernel_annotations(fl) && po->all_kernel && !po->id_set)
		pt->user = PALETTE_ORANGE;
	return pt;
fail:
	palette_free(pt);
	errno = ENOMEM;
	return NULL;
}

int palette_error(const struct palette *pt)
{
	return pt->err;
}

void palette_free(struct palette *pt)
{
	if (!pt)
		return;
	free(pt->cache);
	free(pt->waker);
	buf_free(&pt->key);
	free(pt);
}
