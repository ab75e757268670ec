/* Numbers from the command line: the one parser of decimal numbers,
 * counts and sizes for all four programs. Whole strings only ("10x" and
 * "" are errors), no locale, NaN and infinities refused. */
#ifndef PSYS_NUM_H
#define PSYS_NUM_H

#include <stdint.h>

/* A decimal number in [MIN, MAX] ("3", "0.25", "1e3"). Returns 0, or
 * -EINVAL (not a number) or -ERANGE (outside the bounds) with *OUT
 * untouched. */
int num_double(const char *s, double min, double max, double *out);

/* A non-negative integer in [MIN, MAX], decimal only ("010" is ten).
 * Same returns as num_double. */
int num_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A size in bytes in [MIN, MAX]: an integer with an optional binary
 * suffix K, M, G or T (any case, optionally followed by "i" and/or "B"):
 * "64M", "512KiB", "1g", "4096". Same returns as num_double. */
int num_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
