/* speedscope's JSON file format (https://www.speedscope.app/
 * file-format-schema.json): one "sampled" profile whose samples are the
 * folded stacks, weighted by their counts. Written with jansson; every
 * string is made valid UTF-8 first, since frame and process names are
 * untrusted bytes. */
#ifndef PSYS_SPEEDSCOPE_H
#define PSYS_SPEEDSCOPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes a speedscope file to OUT: N stacks (STACKS[i]: frames joined by
 * ';', root first) with weights COUNTS[i]; NAME names the profile and the
 * file, EXPORTER the program. Frames with the same name share one entry of
 * shared.frames. Returns 0, -ENOMEM or -EIO. */
int speedscope_write(FILE *out, const char *name, const char *exporter,
		     const char *const *stacks, const uint64_t *counts, size_t n);


#endif
