/* Folded stacks in time order; see timeorder.h. */
#include "fold/timeorder.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

int timeorder_write(struct fold *f, FILE *out)
{
	size_t n, *start = NULL;
	const struct fold_event *ev;
	uint32_t ncpu = 0, *order = NULL;
	int err = -ENOMEM;

	errno = 0;
	if (!(ev = fold_timeline(f, &n)))
		return errno == ENOMEM ? -ENOMEM : 0;
	for (size_t i = 0; i < n; i++)
		if (ev[i].cpu >= ncpu)
			ncpu = ev[i].cpu + 1;
	/* A counting sort by CPU keeps each CPU's samples in time order. */
	if (!(start = calloc((size_t)ncpu + 1, sizeof(*start))) ||
	    !(order = malloc(n * sizeof(*order))))
		goto out;
	for (size_t i = 0; i < n; i++)
		start[ev[i].cpu + 1]++;
	for (uint32_t c = 0; c < ncpu; c++)
		start[c + 1] += start[c];
	for (size_t i = 0; i < n; i++)
		order[start[ev[i].cpu]++] = (uint32_t)i;
	for (size_t i = 0, j; i < n; i = j) {
		const struct fold_event *e = &ev[order[i]];
		uint64_t count;

		for (j = i + 1; j < n && ev[order[j]].cpu == e->cpu &&
				ev[order[j]].line == e->line; j++)
			;
		fprintf(out, "%s %zu\n", fold_line(f, e->line, &count), j - i);
	}
	err = ferror(out) ? -EIO : 0;
out:
	free(start);
	free(order);
	return err;
}
