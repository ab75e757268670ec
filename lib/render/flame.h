/* The flame graph's tree: stacks merged by common prefix into nodes with
 * counts (and, for differential graphs, the earlier counts), and the
 * layout that turns the tree into frames with a position, width and depth.
 * No recursion anywhere: stacks may be thousands of frames deep. */
#ifndef PSYS_FLAME_H
#define PSYS_FLAME_H

#include <stddef.h>
#include <stdint.h>

/* flame_new flags. */
#define FLAME_REVERSE	1u	/* leaf first: merge stacks from their leaves */
#define FLAME_DIFF	2u	/* keep a BEFORE count beside each count */
/* A flame chart (flamegraph.pl --flamechart): stacks stay in the order
 * they are added and merge only with the stack added just before, so
 * siblings are laid out in that order and a name may recur among them
 * (also where the parent ran alone in between). */
#define FLAME_CHART	4u

/* What a frame's annotation suffix (flamegraph.pl's convention) says it
 * is; the suffix itself is not part of the name a frame shows. */
enum flame_kind {
	FLAME_PLAIN,	/* no annotation */
	FLAME_KERNEL,	/* "_[k]" */
	FLAME_JIT,	/* "_[j]" */
	FLAME_INLINE,	/* "_[i]" */
	FLAME_WAKER,	/* "_[w]" (waker frames of chain graphs) */
};

/* The root node, "all", which every stack passes through. */
#define FLAME_ROOT 0u

struct flame;

/* One box of the laid-out graph. */
struct flame_frame {
	uint32_t node;
	uint32_t depth;		/* the root is 0 */
	double x;		/* left edge, in counts from the graph's left */
	double count;		/* width, in counts */
	double before;		/* FLAME_DIFF: the earlier count, else 0 */
	double self_delta;	/* FLAME_DIFF: change in the count of stacks
				 * ending here (count minus before, minus the
				 * same for the children), else 0 */
	double parent_count;	/* the parent's count; the root's own */
	/* FLAME_DIFF: the frame's first line (in sorted order) had one
	 * count, so flamegraph.pl gives it no change colour, else 0. */
	int no_delta;
};

/* flame_add_stack's BEFORE for a line of a FLAME_DIFF input that had
 * one count: unchanged, and drawn in the palette's colours. */
#define FLAME_ONE_COUNT (-1.0)

/* A new empty tree. FLAGS is a set of FLAME_*. Returns NULL with errno set
 * (ENOMEM). */
struct flame *flame_new(unsigned flags);

/* Adds one stack: LEN bytes of frames joined by ';', root first, any
 * bytes in the names. COUNT sizes the frames; BEFORE is the earlier count
 * in a FLAME_DIFF tree (FLAME_ONE_COUNT: the line had only COUNT) and
 * ignored otherwise. Negative or non-finite
 * counts are refused. Returns 0, -EINVAL or -ENOMEM (the tree is then
 * unchanged except possibly for names nothing uses). */
int flame_add_stack(struct flame *fl, const char *stack, size_t len,
		    double count, double before);

/* The node where the stack added last ends (FLAME_ROOT for an empty
 * stack, or when that add failed): where its count went. */
uint32_t flame_last_node(const struct flame *fl);

/* Lays out the tree: frames narrower than MIN_COUNT (and all empty
 * frames) are left out with everything above them; a frame's own time
 * comes first, then its children, ordered as sorted folded lines order
 * them (by the names' bytes, each name taken as ending in ' ' if a
 * stack ends there, else in ';'), so that the picture is flamegraph.pl's;
 * in a FLAME_CHART each frame is where its time began. Stores a malloc'd array of frames in *OUT (the
 * caller frees it), root first, each frame before its children, and their
 * number in *N; *MAX_DEPTH gets the deepest depth among them. With no
 * counts at all, *N is 0. Returns 0 or -ENOMEM. */
int flame_layout(struct flame *fl, double min_count, struct flame_frame **out,
		 size_t *n, uint32_t *max_depth);

/* FLAME_DIFF: the largest change of one stack added with two counts,
 * at least 1 (flamegraph.pl's scale for the change colours). */
double flame_max_delta(const struct flame *fl);

/* Sum of all counts (the root's count), and of the BEFORE counts. */
double flame_total(const struct flame *fl);
double flame_total_before(const struct flame *fl);

/* The number of nodes, the root included. */
size_t flame_nodes(const struct flame *fl);

/* The name NODE shows, without its annotation suffix ("all" for the
 * root), valid until the next flame_add_stack; not NUL-terminated. */
const char *flame_name(const struct flame *fl, uint32_t node, size_t *len);

/* The same with the annotation, as the input spelled it. */
const char *flame_raw_name(const struct flame *fl, uint32_t node, size_t *len);

/* A number for NODE's name, the same for every node with that exact name
 * (annotation included), for callers that cache per name: below
 * flame_names() for stack frames, exactly flame_names() for the root. */
uint32_t flame_name_id(const struct flame *fl, uint32_t node);
size_t flame_names(const struct flame *fl);

/* NODE's annotation, and its parent (the root is its own parent). */
enum flame_kind flame_kind(const struct flame *fl, uint32_t node);
uint32_t flame_parent(const struct flame *fl, uint32_t node);

/* Non-zero if any frame carried the kernel annotation "_[k]". */
int flame_has_kernel_annotations(const struct flame *fl);

/* Frees everything; FL may be NULL. */
void flame_free(struct flame *fl);

#endif
