/* The colour of each frame: flamegraph.pl's palettes (hot, mem, io, ...,
 * and the multi palettes js, perl, wakeup and chain, which pick one of the
 * others per frame), the kernel/user split of annotated stacks, and how a
 * name maps to a shade within its palette: one stable colour per name by
 * default, similar names alike (--hash), every box its own (--random), or
 * the colours a palette.map file keeps (--cp, lib/render/palmap.h). The
 * document (lib/render/flamegraph.h) only asks for colours. */
#ifndef PSYS_PALETTE_H
#define PSYS_PALETTE_H

#include <stddef.h>
#include <stdint.h>

#include "render/flame.h"
#include "render/palmap.h"

enum palette_id {
	PALETTE_HOT, PALETTE_MEM, PALETTE_IO, PALETTE_RED, PALETTE_GREEN,
	PALETTE_BLUE, PALETTE_AQUA, PALETTE_YELLOW, PALETTE_PURPLE,
	PALETTE_ORANGE, PALETTE_JAVA, PALETTE_GREY,
	/* flamegraph.pl's palettes that pick one of the above per frame:
	 * js and perl by the name's language, wakeup all aqua, chain aqua
	 * for waker frames (after a "--" frame, or marked _[w]) and blue for
	 * the off-CPU ones. */
	PALETTE_JS, PALETTE_PERL, PALETTE_WAKEUP, PALETTE_CHAIN,
};

/* Looks up a palette by its flamegraph.pl name ("hot", "mem", ...).
 * Returns it, or -1 for an unknown name. */
int palette_by_name(const char *name);

/* The names palette_by_name takes, for messages: "hot, mem, ...". */
const char *palette_names(void);

/* The background flamegraph.pl gives ID's graphs: "yellow", "green",
 * "blue" or "grey". */
const char *palette_background(enum palette_id id);

/* How colours are chosen. */
struct palette_opts {
	enum palette_id id;
	int id_set;		/* ID was asked for, not the default */
	int hash;		/* similar names get similar colours */
	int random;		/* every box its own colour, from SEED */
	uint64_t seed;
	struct palmap *map;	/* --cp (NULL: none); borrowed, extended */
	int all_kernel;		/* unannotated frames are kernel frames
				 * (psys-fold's output) */
};

struct palette;

/* The colours of FL's frames (borrowed: it must outlive the palette).
 * FRAMES (N, parents first, as flame_layout gives them) are the frames
 * that will be painted: the chain palette marks the wakers among them.
 * Returns NULL with errno set (ENOMEM). */
struct palette *palette_new(const struct flame *fl, const struct palette_opts *po,
			    const struct flame_frame *frames, size_t n);

/* NODE's colour, 0xRRGGBB. */
uint32_t palette_colour(struct palette *pt, uint32_t node);

/* 0, or -ENOMEM if a colour could not be added to the palette map (the
 * colours returned stay right). */
int palette_error(const struct palette *pt);

void palette_free(struct palette *pt);	/* accepts NULL */

/* Differential graphs: white for no change, deeper red for growth and
 * deeper blue for shrinking, DELTA relative to MAX, the largest change. */
uint32_t palette_change(double delta, double max);

#endif
