/* CPU list parsing and formatting; see cpulist.h. */
#include "base/cpulist.h"

#include "base/idlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cpulist_parse(const char *s, struct cpulist *out)
{
	struct idlist ids = { 0 };
	uint64_t n;
	int *cpus, err, k = 0;

	if ((err = idlist_parse(s, IDLIST_MAX_CPU, &ids)))
		return err;
	n = idlist_count(&ids);		/* at most IDLIST_MAX_CPU + 1 */
	cpus = malloc(n * sizeof(*cpus));
	if (!cpus) {
		idlist_free(&ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ids.n; i++)
		for (uint64_t c = ids.r[i][0]; c <= ids.r[i][1]; c++)
			cpus[k++] = (int)c;
	idlist_free(&ids);
	out->cpus = cpus;
	out->n = k;
	return 0;
}

int cpulist_online(const char *path, struct cpulist *out)
{
	char buf[4096];
	FILE *f = fopen(path ? path : "/sys/devices/system/cpu/online", "re");
	size_t len;

	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[len] = '\0';
	return cpulist_parse(buf, out);
}

int cpulist_has(const struct cpulist *l, int cpu)
{
	int lo = 0, hi = l->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (l->cpus[mid] == cpu)
			return 1;
		if (l->cpus[mid] < cpu)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

int cpulist_add(struct cpulist *l, int cpu)
{
	int *cpus, i;

	if (cpu < 0 || cpu > CPULIST_MAX_CPU)
		return -ERANGE;
	if (cpulist_has(l, cpu))
		return 0;
	cpus = realloc(l->cpus, (l->n + 1) * sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	for (i = l->n; i > 0 && cpus[i - 1] > cpu; i--)
		cpus[i] = cpus[i - 1];
	cpus[i] = cpu;
	l->cpus = cpus;
	l->n++;
	return 0;
}

/* Appends the formatted text to BUF at *USED, counting the length needed
 * even once BUF is full, as snprintf does. */
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	size_t room = *used < len ? len - *used : 0;
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(room ? buf + *used : NULL, room, fmt, ap);
	va_end(ap);
	if (k > 0)
		*used += k;
}

size_t cpulist_join(const struct cpulist *l, const char *sep, char *buf,
		    size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (int i = 0; i < l->n; i++)
		put(buf, len, &used, "%s%d", i ? sep : "", l->cpus[i]);
	return used;
}

size_t cpulist_format(const struct cpulist *l, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (int i = 0; i < l->n;) {
		int j = i;

		while (j + 1 < l->n && l->cpus[j + 1] == l->cpus[j] + 1)
			j++;
		if (j > i)
			put(buf, len, &used, i ? ",%d-%d" : "%d-%d", l->cpus[i],
			    l->cpus[j]);
		else
			put(buf, len, &used, i ? ",%d" : "%d", l->cpus[i]);
		i = j + 1;
	}
	return used;
}

void cpulist_free(struct cpulist *l)
{
	if (!l)
		return;
	free(l->cpus);
	l->cpus = NULL;
	l->n = 0;
}
