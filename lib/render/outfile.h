/* A file written whole or not at all: the data goes to a temporary file
 * beside PATH (so that rename() stays atomic), which replaces PATH only
 * once every byte is written. psys-svg's -o and --cp's palette.map are
 * written this way, so a reader never sees half a graph. */
#ifndef PSYS_OUTFILE_H
#define PSYS_OUTFILE_H

#include <stdio.h>

struct outfile {
	FILE *f;		/* write here */
	char *tmp;		/* the temporary's path, NULL once gone */
	const char *path;	/* borrowed */
};

/* Creates the temporary for PATH, an ordinary file (mode 0666 less the
 * umask, as any output). Returns 0 or a negative errno (nothing made). */
int outfile_open(struct outfile *o, const char *path);

/* Closes the temporary (after fsync() when SYNC: the data on disk before
 * the name points at it) and renames it to the path. Returns 0, or a
 * negative errno with the temporary removed. */
int outfile_commit(struct outfile *o, int sync);

/* Closes and removes the temporary, if any; O may be zeroed. */
void outfile_discard(struct outfile *o);

#endif
