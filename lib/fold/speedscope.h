/* speedscope's JSON file format (https://www.speedscope.app/
 * file-format-schema.json): "sampled" profiles whose samples are folded
 * stacks, in order, each with a weight. Samples written in time order
 * with weights in time units make speedscope's "Time Order" view show the
 * capture as it happened. Every string is made valid UTF-8 first, since
 * frame and process names are untrusted bytes. */
#ifndef PSYS_SPEEDSCOPE_H
#define PSYS_SPEEDSCOPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One profile: N samples, SAMPLES[i] an index into the stacks given to
 * speedscope_write, with weight WEIGHTS[i], in the order shown. */
struct speedscope_profile {
	const char *name;
	const uint32_t *samples;
	const uint64_t *weights;
	size_t n;
};

/* Writes a speedscope file to OUT: NSTACKS stacks (STACKS[i]: frames
 * joined by ';', root first) and NPROFILES profiles of samples of them,
 * each running from 0 to the sum of its weights in UNIT (one of the
 * format's units: "nanoseconds", "none", ...). NAME names the file,
 * EXPORTER the program. Frames with the same name share one entry of
 * shared.frames. Returns 0, -EINVAL (a sample past the stacks), -ENOMEM
 * or -EIO. */
int speedscope_write(FILE *out, const char *name, const char *exporter, const char *unit,
		     const char *const *stacks, size_t nstacks,
		     const struct speedscope_profile *profiles, size_t nprofiles);

#endif
