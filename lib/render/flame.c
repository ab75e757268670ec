/* Flame tree and layout; see flame.h.
 *
 * Nodes live in parallel arrays indexed by a 32-bit id (25 bytes a node,
 * 33 for differential trees); names are interned once in an arena. Folded input is usually sorted, so each
 * stack shares a long prefix with the one before: the bytes of that prefix
 * are compared once and its frames reuse the previous stack's nodes
 * without hashing. */
#include "render/flame.h"

#include "base/buf.h"
#include "base/hmap.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct name {
	size_t off;		/* in the arena */
	size_t len;		/* raw length, annotation included */
	uint64_t hash;
	enum flame_kind kind;
};

struct flame {
	unsigned flags;

	char *arena;
	size_t arena_len, arena_cap;
	struct name *names;
	size_t nnames, names_cap;
	uint32_t *ntab;		/* name id + 1, 0 = empty */
	size_t ntab_size;

	uint32_t *nname, *nparent, *nchild, *nnext;
	uint8_t *nindexed;	/* children are in the child index */
	double *ncount, *nbefore;	/* nbefore only with FLAME_DIFF */
	size_t nnodes, nodes_cap;
	uint32_t *ctab;		/* node id, 0 = empty (the root is nobody's
				 * child) */
	size_t ctab_size, ctab_used;

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
};

#define ROOT_NAME "all"

struct flame *flame_new(unsigned flags)
{
	struct flame *fl = calloc(1, sizeof(*fl));

	if (!fl)
		return NULL;
	fl->flags = flags;
	fl->nodes_cap = 1024;
	fl->nname = malloc(fl->nodes_cap * sizeof(uint32_t));
	fl->nparent = malloc(fl->nodes_cap * sizeof(uint32_t));
	fl->nchild = malloc(fl->nodes_cap * sizeof(uint32_t));
	fl->nnext = malloc(fl->nodes_cap * sizeof(uint32_t));
	fl->nindexed = malloc(fl->nodes_cap);
	fl->ncount = malloc(fl->nodes_cap * sizeof(double));
	if (flags & FLAME_DIFF)
		fl->nbefore = malloc(fl->nodes_cap * sizeof(double));
	fl->ctab_size = 1024;
	fl->ctab = calloc(fl->ctab_size, sizeof(uint32_t));
	fl->ntab_size = 1024;
	fl->ntab = calloc(fl->ntab_size, sizeof(uint32_t));
	if (!fl->nname || !fl->nparent || !fl->nchild || !fl->nnext ||
	    !fl->nindexed ||
	    !fl->ncount || ((flags & FLAME_DIFF) && !fl->nbefore) ||
	    !fl->ctab || !fl->ntab) {
		flame_free(fl);
		errno = ENOMEM;
		return NULL;
	}
	/* The root's name id is one past the names: see flame_name_id. */
	fl->nname[0] = UINT32_MAX;
	fl->nparent[0] = 0;
	fl->nchild[0] = fl->nnext[0] = 0;
	fl->nindexed[0] = 0;
	fl->ncount[0] = 0;
	if (fl->nbefore)
		fl->nbefore[0] = 0;
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

static int ntab_rehash(struct flame *fl)
{
	size_t size = fl->ntab_size * 2;
	uint32_t *tab = calloc(size, sizeof(uint32_t));

	if (!tab)
		return -ENOMEM;
	for (size_t id = 0; id < fl->nnames; id++) {
		size_t i = fl->names[id].hash & (size - 1);

		while (tab[i])
			i = (i + 1) & (size - 1);
		tab[i] = id + 1;
	}
	free(fl->ntab);
	fl->ntab = tab;
	fl->ntab_size = size;
	return 0;
}

/* Returns the id of the name S[0..N), adding it if new, or -ENOMEM. */
static int64_t intern(struct flame *fl, const char *s, size_t n)
{
	uint64_t h = hash_bytes(s, n, 0);
	size_t mask, i;
	struct name *nm;

	if ((fl->nnames + 1) * 2 > fl->ntab_size && ntab_rehash(fl))
		return -ENOMEM;
	mask = fl->ntab_size - 1;
	for (i = h & mask; fl->ntab[i]; i = (i + 1) & mask) {
		nm = &fl->names[fl->ntab[i] - 1];
		if (nm->hash == h && nm->len == n &&
		    memcmp(fl->arena + nm->off, s, n) == 0)
			return fl->ntab[i] - 1;
	}
	if (fl->nnames >= UINT32_MAX - 1 ||
	    buf_grow((void **)&fl->names, &fl->names_cap, fl->nnames + 1,
		 sizeof(*fl->names)) ||
	    buf_grow((void **)&fl->arena, &fl->arena_cap, fl->arena_len + n + 1, 1))
		return -ENOMEM;
	nm = &fl->names[fl->nnames];
	nm->off = fl->arena_len;
	nm->len = n;
	nm->hash = h;
	nm->kind = annotation(s, n);
	if (nm->kind == FLAME_KERNEL)
		fl->kernel_annotations = 1;
	memcpy(fl->arena + fl->arena_len, s, n);
	fl->arena_len += n;
	fl->ntab[i] = ++fl->nnames;
	return fl->nnames - 1;
}

static inline uint64_t child_hash(uint32_t parent, uint32_t name)
{
	return hash_mix(((uint64_t)parent << 32) | name);
}

static void ctab_put(uint32_t *tab, size_t size, uint64_t h, uint32_t id)
{
	size_t i = h & (size - 1);

	while (tab[i])
		i = (i + 1) & (size - 1);
	tab[i] = id;
}

/* Makes room in the child index for one more entry. */
static int ctab_reserve(struct flame *fl)
{
	size_t size;
	uint32_t *tab;

	if ((fl->ctab_used + 1) * 2 <= fl->ctab_size)
		return 0;
	size = fl->ctab_size * 2;
	tab = calloc(size, sizeof(uint32_t));
	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < fl->ctab_size; i++) {
		uint32_t id = fl->ctab[i];

		if (id)
			ctab_put(tab, size, child_hash(fl->nparent[id],
						       fl->nname[id]), id);
	}
	free(fl->ctab);
	fl->ctab = tab;
	fl->ctab_size = size;
	return 0;
}

static int grow_nodes(struct flame *fl)
{
	size_t cap = fl->nodes_cap * 2;
	void *p;

	if (cap > UINT32_MAX)
		return -ENOMEM;
#define GROW(arr)                                                     \
	do {                                                          \
		p = realloc(fl->arr, cap * sizeof(*fl->arr));         \
		if (!p)                                               \
			return -ENOMEM;                               \
		fl->arr = p;                                          \
	} while (0)
	GROW(nname);
	GROW(nparent);
	GROW(nchild);
	GROW(nnext);
	GROW(nindexed);
	GROW(ncount);
	if (fl->nbefore)
		GROW(nbefore);
#undef GROW
	fl->nodes_cap = cap;
	return 0;
}

/* Puts every child of PARENT into the child index. */
static int index_children(struct flame *fl, uint32_t parent)
{
	for (uint32_t c = fl->nchild[parent]; c; c = fl->nnext[c]) {
		if (ctab_reserve(fl))
			return -ENOMEM;
		ctab_put(fl->ctab, fl->ctab_size,
			 child_hash(parent, fl->nname[c]), c);
		fl->ctab_used++;
	}
	fl->nindexed[parent] = 1;
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
	} else if (fl->flags & FLAME_CHART) {
		/* Only the newest child, the one the previous stack went
		 * through (children are listed newest first), can merge. */
		id = fl->nchild[parent];
		if (id && fl->nname[id] == name)
			return id;
	} else if (fl->nindexed[parent]) {
		size_t mask = fl->ctab_size - 1;

		for (size_t i = child_hash(parent, name) & mask; fl->ctab[i];
		     i = (i + 1) & mask) {
			id = fl->ctab[i];
			if (fl->nparent[id] == parent && fl->nname[id] == name)
				return id;
		}
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
	if (fl->nnodes == fl->nodes_cap && grow_nodes(fl))
		return -ENOMEM;
	if (fl->nindexed[parent] && ctab_reserve(fl))
		return -ENOMEM;
	id = fl->nnodes++;
	fl->nname[id] = name;
	fl->nparent[id] = parent;
	fl->nchild[id] = 0;
	fl->nnext[id] = fl->nchild[parent];
	fl->nindexed[id] = 0;
	fl->nchild[parent] = id;
	fl->ncount[id] = 0;
	if (fl->nbefore)
		fl->nbefore[id] = 0;
	if (fl->nindexed[parent]) {
		ctab_put(fl->ctab, fl->ctab_size, child_hash(parent, name), id);
		fl->ctab_used++;
	}
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
	int fresh = 0;

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
				   fl->ends[f] - fl->starts[f])) < 0 ||
		    (node = child(fl, at, (uint32_t)name, fresh, &fresh)) < 0)
			return -ENOMEM;
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
	int err;

	fl->last = FLAME_ROOT;
	if (!(count >= 0 && count < HUGE_VAL))
		return -EINVAL;
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
	fl->ncount[0] += count;
	for (size_t d = 0; d < fl->depth; d++)
		fl->ncount[fl->path[d]] += count;
	if (fl->nbefore) {
		fl->nbefore[0] += before;
		for (size_t d = 0; d < fl->depth; d++)
			fl->nbefore[fl->path[d]] += before;
	}
	if (!(fl->flags & FLAME_REVERSE)) {
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

static int cmp_names(const void *a, const void *b, void *arg)
{
	const struct flame *fl = arg;
	const struct name *x = &fl->names[*(const uint32_t *)a];
	const struct name *y = &fl->names[*(const uint32_t *)b];
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(fl->arena + x->off, fl->arena + y->off, n);

	if (c || x->len == y->len)
		return c;
	/* One name is a prefix of the other. Order as if each ended in
	 * ';', as a sort of whole folded lines does (flamegraph.pl, most
	 * collapsers): "f.isra.0" comes before "f", "f;..." before "f_x". */
	if (x->len < y->len)
		return (unsigned char)fl->arena[y->off + n] < ';' ? 1 : -1;
	return (unsigned char)fl->arena[x->off + n] < ';' ? -1 : 1;
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

int flame_layout(struct flame *fl, double min_count, struct flame_frame **out,
		 size_t *n, uint32_t *max_depth)
{
	uint32_t *order = NULL, *rank = NULL;
	uint64_t *kids = NULL;
	struct todo *stack = NULL;
	struct flame_frame *frames = NULL;
	size_t kids_cap = 0, stack_cap = 0, frames_cap = 0, nframes = 0;
	size_t sp = 0;
	uint32_t deepest = 0;
	int err = -ENOMEM;

	*out = NULL;
	*n = 0;
	*max_depth = 0;
	if (!(fl->ncount[0] > 0))
		return 0;
	/* Siblings are ordered by name: rank the names once instead of
	 * comparing strings for every sibling list. */
	order = malloc((fl->nnames + 1) * sizeof(*order));
	rank = malloc((fl->nnames + 1) * sizeof(*rank));
	if (!order || !rank)
		goto cleanup;
	for (size_t i = 0; i < fl->nnames; i++)
		order[i] = i;
	qsort_r(order, fl->nnames, sizeof(*order), cmp_names, fl);
	for (size_t i = 0; i < fl->nnames; i++)
		rank[order[i]] = i;

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
			kids[nk++] = fl->flags & FLAME_CHART ? c
				     : ((uint64_t)rank[fl->nname[c]] << 32) | c;
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
		if (t.depth > deepest)
			deepest = t.depth;

		/* Children go on the stack last first, so that the first is
		 * laid out next; their positions count the pruned ones too. */
		if (buf_grow((void **)&stack, &stack_cap, sp + nk, sizeof(*stack)))
			goto cleanup;
		{
			size_t kept = 0;

			for (size_t i = 0; i < nk; i++) {
				uint32_t c = (uint32_t)kids[i];

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
	const struct name *nm;

	if (node == FLAME_ROOT) {
		*len = sizeof(ROOT_NAME) - 1;
		return ROOT_NAME;
	}
	nm = &fl->names[fl->nname[node]];
	*len = nm->kind == FLAME_PLAIN ? nm->len : nm->len - 4;
	return fl->arena + nm->off;
}

const char *flame_raw_name(const struct flame *fl, uint32_t node, size_t *len)
{
	if (node == FLAME_ROOT) {
		*len = sizeof(ROOT_NAME) - 1;
		return ROOT_NAME;
	}
	*len = fl->names[fl->nname[node]].len;
	return fl->arena + fl->names[fl->nname[node]].off;
}

uint32_t flame_name_id(const struct flame *fl, uint32_t node)
{
	return node == FLAME_ROOT ? (uint32_t)fl->nnames : fl->nname[node];
}

size_t flame_names(const struct flame *fl)
{
	return fl->nnames;
}

enum flame_kind flame_kind(const struct flame *fl, uint32_t node)
{
	return node == FLAME_ROOT ? FLAME_PLAIN : fl->names[fl->nname[node]].kind;
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
	free(fl->arena);
	free(fl->names);
	free(fl->ntab);
	free(fl->nname);
	free(fl->nparent);
	free(fl->nchild);
	free(fl->nnext);
	free(fl->nindexed);
	free(fl->ncount);
	free(fl->nbefore);
	free(fl->ctab);
	free(fl->prev);
	free(fl->path);
	free(fl->ends);
	free(fl->starts);
	free(fl);
}
