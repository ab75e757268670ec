/* Flame tree and layout; see flame.h.
 *
 * Nodes live in parallel arrays indexed by a 32-bit id (25 bytes a node,
 * 33 for differential trees); names are interned once (lib/base/intern.h).
 * Folded input is usually sorted, so each stack shares a long prefix with
 * the one before: the bytes of that prefix are compared once and its
 * frames reuse the previous stack's nodes without hashing. */
#include "render/flame.h"

#include "base/buf.h"
#include "base/hmap.h"
#include "base/intern.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct flame {
	unsigned flags;

	struct intern names;	/* frame names, annotation included */
	uint8_t *kind;		/* per name: enum flame_kind */
	size_t kind_cap;
	/* Names recur from stack to stack: the recent ones by a cheap hash
	 * of their ends, before the intern table's full hash (name id + 1,
	 * 0 = empty). */
	uint32_t recent[4096];

	uint32_t *nname, *nparent, *nchild, *nnext;
	uint8_t *nflags;	/* NODE_INDEXED, NODE_SELF */
	double *ncount, *nbefore;	/* nbefore only with FLAME_DIFF */
	double *nstart;		/* FLAME_CHART: the total when it was made */
	size_t nnodes, nodes_cap;
	/* The child index of nodes with many children: (parent << 32 |
	 * name id) -> node id. */
	struct hmap children;

	/* The previous stack, for prefix reuse, and the path of the current
	 * one: PATH[i] is the node of frame i, ENDS[i] where it ends. */
	char *prev;
	size_t prev_len, prev_cap;
	int have_prev;
	uint32_t *path;
	size_t *ends, *starts;
	size_t depth, path_cap;

	int kernel_annotations;
	uint32_t last;		/* where the last stack ended */
	double max_delta;	/* FLAME_DIFF: the largest change of a stack */
};

#define ROOT_NAME "all"

/* nflags bits. */
#define NODE_INDEXED 1u	/* children are in the child index */
#define NODE_SELF 2u	/* a stack with a count above 0 ends here */
#define NODE_ONE 4u	/* FLAME_DIFF: a stack with one count ends here */
#define NODE_TWO 8u	/* FLAME_DIFF: a stack with two counts ends here */

/* Makes room for NEED nodes in every node array. */
static int grow_nodes(struct flame *fl, size_t need)
{
	size_t cap = fl->nodes_cap, c;

	if (need <= cap)
		return 0;
	if (need > UINT32_MAX)
		return -ENOMEM;
	/* Every array grows from the same capacity to the same size. */
#define GROW(arr)                                                          \
	do {                                                               \
		c = cap;                                                   \
		if (buf_grow((void **)&fl->arr, &c, need, sizeof(*fl->arr))) \
			return -ENOMEM;                                    \
	} while (0)
	GROW(nname);
	GROW(nparent);
	GROW(nchild);
	GROW(nnext);
	GROW(nflags);
	GROW(ncount);
	if (fl->flags & FLAME_DIFF)
		GROW(nbefore);
	if (fl->flags & FLAME_CHART)
		GROW(nstart);
#undef GROW
	fl->nodes_cap = c;
	return 0;
}

struct flame *flame_new(unsigned flags)
{
	struct flame *fl = calloc(1, sizeof(*fl));

	if (!fl)
		return NULL;
	fl->flags = flags;
	fl->max_delta = 1;
	if (grow_nodes(fl, 1024)) {
		flame_free(fl);
		errno = ENOMEM;
		return NULL;
	}
	/* The root's name id is one past the names: see flame_name_id. */
	fl->nname[0] = UINT32_MAX;
	fl->nparent[0] = 0;
	fl->nchild[0] = fl->nnext[0] = 0;
	fl->nflags[0] = 0;
	fl->ncount[0] = 0;
	if (fl->nbefore)
		fl->nbefore[0] = 0;
	if (fl->nstart)
		fl->nstart[0] = 0;
	fl->nnodes = 1;
	return fl;
}

static enum flame_kind annotation(const char *s, size_t n)
{
	if (n < 4 || s[n - 4] != '_' || s[n - 3] != '[' || s[n - 1] != ']')
		return FLAME_PLAIN;
	switch (s[n - 2]) {
	case 'k': return FLAME_KERNEL;
	case 'j': return FLAME_JIT;
	case 'i': return FLAME_INLINE;
	case 'w': return FLAME_WAKER;
	}
	return FLAME_PLAIN;
}

/* The slot in fl->recent of the name S[0..N): its length and first and
 * last eight bytes, mixed. */
static inline size_t recent_slot(const char *s, size_t n)
{
	uint64_t a = 0, b = 0;

	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else {
		memcpy(&a, s, n);
	}
	return hash_mix(a ^ (b + n) * 0x9e3779b97f4a7c15ull) & 4095;
}

/* Returns the id of the name S[0..N), adding it if new, or -ENOMEM. */
static int64_t intern(struct flame *fl, const char *s, size_t n)
{
	size_t slot = recent_slot(s, n), len = 0;
	uint32_t id = fl->recent[slot];
	const void *known = id ? intern_get(&fl->names, id - 1, &len) : NULL;
	int is_new;

	if (known && len == n && memcmp(known, s, n) == 0)
		return id - 1;
	id = intern_add(&fl->names, s, n, &is_new);
	if (id == INTERN_NONE)
		return -ENOMEM;
	fl->recent[slot] = id + 1;
	if (is_new) {
		if (buf_grow((void **)&fl->kind, &fl->kind_cap, (size_t)id + 1, 1))
			return -ENOMEM;	/* the name stays, unused */
		fl->kind[id] = annotation(s, n);
		if (fl->kind[id] == FLAME_KERNEL)
			fl->kernel_annotations = 1;
	}
	return id;
}

static inline uint64_t child_key(uint32_t parent, uint32_t name)
{
	return (uint64_t)parent << 32 | name;
}

/* Puts every child of PARENT into the child index. */
static int index_children(struct flame *fl, uint32_t parent)
{
	for (uint32_t c = fl->nchild[parent]; c; c = fl->nnext[c])
		if (hmap_put(&fl->children, child_key(parent, fl->nname[c]), c))
			return -ENOMEM;
	fl->nflags[parent] |= NODE_INDEXED;
	return 0;
}

/* Returns PARENT's child named NAME, adding it if new, or -ENOMEM.
 * Most nodes have a few children, found fastest by walking their list;
 * a node whose list grows long gets its children indexed by hash. A
 * PARENT that was FRESH (created for this very stack) has no children
 * yet, so nothing needs looking up: sorted input creates most of its
 * nodes that way. */
static int64_t child(struct flame *fl, uint32_t parent, uint32_t name,
		     int fresh, int *created)
{
	uint32_t id;

	*created = 0;
	if (fresh) {
		/* nothing to find */
	} else if (fl->nflags[parent] & NODE_INDEXED) {
		id = hmap_get(&fl->children, child_key(parent, name), NULL, NULL);
		if (id != HMAP_NONE)
			return id;
	} else {
		unsigned walked = 0;

		for (id = fl->nchild[parent]; id; id = fl->nnext[id]) {
			if (fl->nname[id] == name)
				return id;
			walked++;
		}
		if (walked >= 16 && index_children(fl, parent))
			return -ENOMEM;
	}
	if (fl->nnodes == fl->nodes_cap && grow_nodes(fl, fl->nnodes + 1))
		return -ENOMEM;
	id = fl->nnodes;
	if ((fl->nflags[parent] & NODE_INDEXED) && hmap_put(&fl->children, child_key(parent, name), id))
		return -ENOMEM;
	fl->nnodes++;
	fl->nname[id] = name;
	fl->nparent[id] = parent;
	fl->nchild[id] = 0;
	fl->nnext[id] = fl->nchild[parent];
	fl->nflags[id] = 0;
	fl->nchild[parent] = id;
	fl->ncount[id] = 0;
	if (fl->nbefore)
		fl->nbefore[id] = 0;
	if (fl->nstart)
		fl->nstart[id] = fl->ncount[0];
	*created = 1;
	return id;
}

static size_t common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	uint64_t x, y;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static int ensure_path(struct flame *fl, size_t need)
{
	size_t cap = fl->path_cap, c2 = cap, c3 = cap;

	if (need <= cap)
		return 0;
	if (buf_grow((void **)&fl->path, &cap, need, sizeof(*fl->path)) ||
	    buf_grow((void **)&fl->ends, &c2, need, sizeof(*fl->ends)) ||
	    buf_grow((void **)&fl->starts, &c3, need, sizeof(*fl->starts)))
		return -ENOMEM;
	/* All three grew from the same capacity to the same size. */
	fl->path_cap = cap;
	return 0;
}

/* Finds the nodes of the frames of S from byte POS on (frame number D,
 * child of node AT) and records them in the path. */
static int walk_forward(struct flame *fl, const char *s, size_t len,
			size_t pos, size_t d, uint32_t at)
{
	/* A chart merges a frame only with the previous stack's, and the
	 * frames it shares with that stack are already on the path: from
	 * here on every frame is new, even where an older sibling has its
	 * name (its parent ran alone in between). */
	int fresh = (fl->flags & FLAME_CHART) != 0;

	while (len && pos <= len) {
		const char *semi = memchr(s + pos, ';', len - pos);
		size_t end = semi ? (size_t)(semi - s) : len;
		int64_t name, node;

		if (ensure_path(fl, d + 1))
			return -ENOMEM;
		if ((name = intern(fl, s + pos, end - pos)) < 0 ||
		    (node = child(fl, at, (uint32_t)name, fresh, &fresh)) < 0)
			return -ENOMEM;
		at = (uint32_t)node;
		fl->path[d] = at;
		fl->ends[d] = end;
		d++;
		pos = end + 1;
	}
	fl->depth = d;
	return 0;
}

static int walk_reverse(struct flame *fl, const char *s, size_t len)
{
	size_t k = 0, pos = 0;
	uint32_t at = 0;
	int fresh = 0;
	/* A chart: how deep this stack still follows the previous one,
	 * whose nodes the path holds until they are overwritten. */
	int chart = (fl->flags & FLAME_CHART) != 0;
	size_t same = chart && fl->have_prev ? fl->depth : 0;

	while (len && pos <= len) {
		const char *semi = memchr(s + pos, ';', len - pos);
		size_t end = semi ? (size_t)(semi - s) : len;

		if (ensure_path(fl, k + 1))
			return -ENOMEM;
		fl->starts[k] = pos;
		fl->ends[k] = end;
		k++;
		pos = end + 1;
	}
	for (size_t d = 0; d < k; d++) {
		size_t f = k - 1 - d;
		int64_t name, node;

		if ((name = intern(fl, s + fl->starts[f],
				   fl->ends[f] - fl->starts[f])) < 0)
			return -ENOMEM;
		if (d < same && fl->nname[fl->path[d]] == (uint32_t)name) {
			node = fl->path[d];
		} else {
			same = 0;
			if ((node = child(fl, at, (uint32_t)name, fresh || chart,
					  &fresh)) < 0)
				return -ENOMEM;
		}
		at = (uint32_t)node;
		fl->path[d] = at;
	}
	fl->depth = k;
	return 0;
}

int flame_add_stack(struct flame *fl, const char *s, size_t len, double count,
		    double before)
{
	size_t r = 0, pos = 0;
	int err, one = 0;

	fl->last = FLAME_ROOT;
	if (!(count >= 0 && count < HUGE_VAL))
		return -EINVAL;
	if ((fl->flags & FLAME_DIFF) && before == FLAME_ONE_COUNT) {
		one = 1;
		before = count;
	}
	if ((fl->flags & FLAME_DIFF) && !(before >= 0 && before < HUGE_VAL))
		return -EINVAL;
	if (fl->flags & FLAME_REVERSE) {
		err = walk_reverse(fl, s, len);
	} else {
		if (fl->have_prev && len) {
			size_t l = common_prefix(s, fl->prev,
						 len < fl->prev_len ? len
								    : fl->prev_len);

			/* Frame r of the previous stack is also frame r of
			 * this one if both end within the common bytes, or
			 * both end exactly where those bytes stop. */
			while (r < fl->depth && fl->ends[r] <= l) {
				if (fl->ends[r] == l && l < len && s[l] != ';')
					break;
				r++;
			}
			pos = r ? fl->ends[r - 1] + 1 : 0;
		}
		err = walk_forward(fl, s, len, pos, r,
				   r ? fl->path[r - 1] : FLAME_ROOT);
	}
	if (err) {
		fl->have_prev = 0;
		return err;
	}
	fl->last = fl->depth ? fl->path[fl->depth - 1] : FLAME_ROOT;
	if (count > 0)
		fl->nflags[fl->last] |= NODE_SELF;
	if (fl->flags & FLAME_DIFF) {
		fl->nflags[fl->last] |= one ? NODE_ONE : NODE_TWO;
		if (!one && fabs(count - before) > fl->max_delta)
			fl->max_delta = fabs(count - before);
	}
	fl->ncount[0] += count;
	for (size_t d = 0; d < fl->depth; d++)
		fl->ncount[fl->path[d]] += count;
	if (fl->nbefore) {
		fl->nbefore[0] += before;
		for (size_t d = 0; d < fl->depth; d++)
			fl->nbefore[fl->path[d]] += before;
	}
	if (fl->flags & FLAME_REVERSE) {
		fl->have_prev = 1;	/* the path is the previous stack's */
	} else {
		if (buf_grow((void **)&fl->prev, &fl->prev_cap, len + 1, 1)) {
			fl->have_prev = 0;
			return 0;
		}
		memcpy(fl->prev, s, len);
		fl->prev_len = len;
		fl->have_prev = 1;
	}
	return 0;
}

/* Siblings are ordered as a sort of whole folded lines orders them
 * (flamegraph.pl's): by the first line through each, whose name goes on
 * with a space and the count if a stack ends there, else with ';'. Each
 * name has two keys, (id << 1) for "name " and (id << 1 | 1) for
 * "name;", so that "f" with its own time comes before "f.isra.0", and
 * "f" without it after. */
static int cmp_keys(const void *a, const void *b, void *arg)
{
	const struct intern *t = arg;
	uint32_t ka = *(const uint32_t *)a, kb = *(const uint32_t *)b;
	size_t xn, yn;
	const unsigned char *x = intern_get(t, ka >> 1, &xn);
	const unsigned char *y = intern_get(t, kb >> 1, &yn);
	size_t n = xn < yn ? xn : yn;
	int c = memcmp(x, y, n);
	unsigned char xe, ye;

	if (c)
		return c;
	xe = xn > n ? x[n] : (ka & 1 ? ';' : ' ');
	ye = yn > n ? y[n] : (kb & 1 ? ';' : ' ');
	if (xe != ye)
		return xe < ye ? -1 : 1;
	/* "f " against "f x...": the count's digits come before most
	 * names' bytes, so the shorter first. */
	return xn < yn ? -1 : xn > yn ? 1 : (int)(ka & 1) - (int)(kb & 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_u64(uint64_t *v, size_t n)
{
	if (n > 24) {
		qsort(v, n, sizeof(*v), cmp_u64);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		uint64_t t = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > t; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

struct todo {
	uint32_t node, depth;
	double x;
};

static uint64_t sort_key(const struct flame *fl, const uint32_t *rank, uint32_t c)
{
	return (uint64_t)rank[fl->nname[c] << 1 | !(fl->nflags[c] & NODE_SELF)] << 32 | c;
}

/* FLAME_DIFF: whether NODE's first line in sorted order had two counts
 * (1) or one (2): its own line if one ends there, else its first
 * child's first line. MEMO caches it per node (0: not yet). */
static uint8_t first_line(const struct flame *fl, const uint32_t *rank,
			  uint8_t *memo, uint32_t node)
{
	uint32_t n = node;
	uint8_t r = 2;

	for (int pass = 0; pass < 2; pass++) {
		n = node;
		while (!memo[n] && !(fl->nflags[n] & (NODE_ONE | NODE_TWO))) {
			uint32_t best = 0;
			uint64_t bk = UINT64_MAX;

			if (pass)
				memo[n] = r;
			for (uint32_t c = fl->nchild[n]; c; c = fl->nnext[c])
				if (sort_key(fl, rank, c) < bk)
					bk = sort_key(fl, rank, c), best = c;
			if (!best)
				break;
			n = best;
		}
		if (!pass)
			r = memo[n] ? memo[n] : fl->nflags[n] & NODE_TWO ? 1 : 2;
	}
	memo[n] = r;
	return r;
}

int flame_layout(struct flame *fl, double min_count, struct flame_frame **out,
		 size_t *n, uint32_t *max_depth)
{
	uint32_t *order = NULL, *rank = NULL;
	uint8_t *memo = NULL;
	uint64_t *kids = NULL;
	struct todo *stack = NULL;
	struct flame_frame *frames = NULL;
	size_t kids_cap = 0, stack_cap = 0, frames_cap = 0, nframes = 0;
	size_t sp = 0, nkeys;
	uint32_t deepest = 0;
	int err = -ENOMEM;

	*out = NULL;
	*n = 0;
	*max_depth = 0;
	if (!(fl->ncount[0] > 0))
		return 0;
	/* Siblings are ordered by name: rank the names' two keys once
	 * instead of comparing strings for every sibling list. */
	if (fl->names.n > UINT32_MAX / 2)
		goto cleanup;
	nkeys = 2 * fl->names.n;
	order = malloc((nkeys + 1) * sizeof(*order));
	rank = malloc((nkeys + 1) * sizeof(*rank));
	if (!order || !rank)
		goto cleanup;
	for (size_t i = 0; i < nkeys; i++)
		order[i] = i;
	qsort_r(order, nkeys, sizeof(*order), cmp_keys, &fl->names);
	for (size_t i = 0; i < nkeys; i++)
		rank[order[i]] = i;
	if ((fl->flags & FLAME_DIFF) && !(memo = calloc(fl->nnodes, 1)))
		goto cleanup;

	if (buf_grow((void **)&stack, &stack_cap, 1, sizeof(*stack)))
		goto cleanup;
	stack[sp++] = (struct todo){ FLAME_ROOT, 0, 0 };
	while (sp) {
		struct todo t = stack[--sp];
		struct flame_frame *f;
		double x = t.x, kid_sum = 0, kid_before = 0;
		size_t nk = 0;

		for (uint32_t c = fl->nchild[t.node]; c; c = fl->nnext[c]) {
			if (buf_grow((void **)&kids, &kids_cap, nk + 1,
				 sizeof(*kids)))
				goto cleanup;
			/* A chart keeps the order of creation: node ids. */
			kids[nk++] = fl->flags & FLAME_CHART ? c : sort_key(fl, rank, c);
			kid_sum += fl->ncount[c];
			if (fl->nbefore)
				kid_before += fl->nbefore[c];
		}
		sort_u64(kids, nk);

		if (buf_grow((void **)&frames, &frames_cap, nframes + 1,
			 sizeof(*frames)))
			goto cleanup;
		f = &frames[nframes++];
		f->node = t.node;
		f->depth = t.depth;
		f->x = t.x;
		f->count = fl->ncount[t.node];
		f->parent_count = fl->ncount[fl->nparent[t.node]];
		f->before = fl->nbefore ? fl->nbefore[t.node] : 0;
		f->self_delta = fl->nbefore ? (f->count - kid_sum) -
						      (f->before - kid_before)
					    : 0;
		f->no_delta = memo && first_line(fl, rank, memo, t.node) == 2;
		if (t.depth > deepest)
			deepest = t.depth;

		/* Children go on the stack last first, so that the first is
		 * laid out next; their positions count the pruned ones too.
		 * The frame's own time comes before them, where its line
		 * sorts; a chart's children start when they were made. */
		if (buf_grow((void **)&stack, &stack_cap, sp + nk, sizeof(*stack)))
			goto cleanup;
		if (fl->ncount[t.node] > kid_sum)
			x += fl->ncount[t.node] - kid_sum;
		{
			size_t kept = 0;

			for (size_t i = 0; i < nk; i++) {
				uint32_t c = (uint32_t)kids[i];

				if (fl->nstart)
					x = fl->nstart[c];

				if (fl->ncount[c] > 0 &&
				    fl->ncount[c] >= min_count)
					stack[sp + kept++] = (struct todo){
						c, t.depth + 1, x
					};
				x += fl->ncount[c];
			}
			for (size_t i = 0; i < kept / 2; i++) {
				struct todo tmp = stack[sp + i];

				stack[sp + i] = stack[sp + kept - 1 - i];
				stack[sp + kept - 1 - i] = tmp;
			}
			sp += kept;
		}
	}
	*out = frames;
	*n = nframes;
	*max_depth = deepest;
	frames = NULL;
	err = 0;
cleanup:
	free(order);
	free(rank);
	free(memo);
	free(kids);
	free(stack);
	free(frames);
	return err;
}

uint32_t flame_last_node(const struct flame *fl)
{
	return fl->last;
}

double flame_total(const struct flame *fl)
{
	return fl->ncount[0];
}

double flame_max_delta(const struct flame *fl)
{
	return fl->max_delta;
}

double flame_total_before(const struct flame *fl)
{
	return fl->nbefore ? fl->nbefore[0] : 0;
}

size_t flame_nodes(const struct flame *fl)
{
	return fl->nnodes;
}

const char *flame_name(const struct flame *fl, uint32_t node, size_t *len)
{
	const char *s = flame_raw_name(fl, node, len);

	if (node != FLAME_ROOT && fl->kind[fl->nname[node]] != FLAME_PLAIN)
		*len -= 4;
	return s;
}

const char *flame_raw_name(const struct flame *fl, uint32_t node, size_t *len)
{
	if (node == FLAME_ROOT) {
		*len = sizeof(ROOT_NAME) - 1;
		return ROOT_NAME;
	}
	return intern_get(&fl->names, fl->nname[node], len);
}

uint32_t flame_name_id(const struct flame *fl, uint32_t node)
{
	return node == FLAME_ROOT ? (uint32_t)fl->names.n : fl->nname[node];
}

size_t flame_names(const struct flame *fl)
{
	return fl->names.n;
}

enum flame_kind flame_kind(const struct flame *fl, uint32_t node)
{
	return node == FLAME_ROOT ? FLAME_PLAIN : (enum flame_kind)fl->kind[fl->nname[node]];
}

uint32_t flame_parent(const struct flame *fl, uint32_t node)
{
	return fl->nparent[node];
}

int flame_has_kernel_annotations(const struct flame *fl)
{
	return fl->kernel_annotations;
}

void flame_free(struct flame *fl)
{
	if (!fl)
		return;
	intern_free(&fl->names);
	free(fl->kind);
	free(fl->nname);
	free(fl->nparent);
	free(fl->nchild);
	free(fl->nnext);
	free(fl->nflags);
	free(fl->nstart);
	free(fl->ncount);
	free(fl->nbefore);
	hmap_free(&fl->children);
	free(fl->prev);
	free(fl->path);
	free(fl->ends);
	free(fl->starts);
	free(fl);
}
