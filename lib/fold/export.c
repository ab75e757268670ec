/* Folds as speedscope and pprof profiles; see export.h. */
#include "fold/export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fold/pprof.h"
#include "fold/speedscope.h"

/* The sorted lines of F as arrays of stacks and counts (pointers into F,
 * valid until F changes), for the formats that take them whole. */
static int fold_arrays(struct fold *f, const char ***stacks, uint64_t **counts, size_t *n)
{
	int err = fold_sort(f);

	if (err)
		return err;
	*n = fold_nlines(f);
	*stacks = malloc((*n ? *n : 1) * sizeof(**stacks));
	*counts = malloc((*n ? *n : 1) * sizeof(**counts));
	if (!*stacks || !*counts) {
		free(*stacks);
		free(*counts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < *n; i++)
		(*stacks)[i] = fold_line(f, i, &(*counts)[i]);
	return 0;
}

int export_speedscope(struct fold *f, const struct summary *s, int per_cpu,
		      const char *exporter, FILE *out)
{
	struct speedscope_profile *pr = NULL;
	const struct fold_event *ev;
	const char **stacks = NULL;
	uint64_t *counts = NULL, *weights = NULL;
	uint32_t *samples = NULL, ncpu = 0;
	size_t n, nev, npr = 0, k = 0;
	char title[4200], name[4900], who[300], (*names)[32] = NULL;
	int64_t period = summary_period_ns(s);
	uint64_t w = period > 0 ? (uint64_t)period : 1;
	int err;

	if ((err = fold_arrays(f, &stacks, &counts, &n)))
		return err;
	err = -ENOMEM;
	ev = fold_timeline(f, &nev);
	if (!ev && nev)
		goto out;
	for (size_t i = 0; i < nev; i++)
		if (ev[i].cpu >= ncpu)
			ncpu = ev[i].cpu + 1;
	if (!per_cpu || !nev)
		ncpu = 1;
	samples = malloc((nev ? nev : 1) * sizeof(*samples));
	weights = malloc((nev ? nev : 1) * sizeof(*weights));
	pr = calloc(ncpu, sizeof(*pr));
	names = calloc(ncpu, sizeof(*names));
	if (!samples || !weights || !pr || !names)
		goto out;
	summary_title(s, title, sizeof(title));
	/* The name says who ran it when one container or service did. */
	who_one(&fold_counts(f)->who, who, sizeof(who));
	snprintf(name, sizeof(name), "%s%s%s%s%s", title, *who ? ", " : "", who,
		 *s->hosts ? " on " : "", s->hosts);
	/* One pass per profile over the time-ordered events: each profile's
	 * samples take the next stretch of the arrays. */
	for (uint32_t c = 0; c < ncpu; c++) {
		struct speedscope_profile *q = &pr[npr];

		q->samples = samples + k;
		q->weights = weights + k;
		for (size_t i = 0; i < nev; i++) {
			if (per_cpu && ev[i].cpu != c)
				continue;
			if (q->n && samples[k - 1] == ev[i].line) {
				weights[k - 1] += w;
				continue;
			}
			samples[k] = ev[i].line;
			weights[k++] = w;
			q->n++;
		}
		if (per_cpu && nev) {
			if (!q->n)
				continue;	/* a CPU with nothing folded */
			snprintf(names[npr], sizeof(names[npr]), "cpu %u", c);
			q->name = names[npr];
		} else {
			q->name = name;
		}
		npr++;
	}
	err = speedscope_write(out, name, exporter, period > 0 ? "nanoseconds" : "none",
			       stacks, n, pr, npr);
out:
	free(stacks);
	free(counts);
	free(samples);
	free(weights);
	free(pr);
	free(names);
	return err;
}

#define NLABELS 9

/* The labels of F's lines, NLABELS a line; their numbers as text in NUMS. */
static void line_labels(const struct fold *f, size_t n, struct pprof_label *labels,
			char (*nums)[3][12])
{
	for (size_t i = 0; i < n; i++) {
		struct fold_labels fl;
		struct pprof_label *l = &labels[i * NLABELS];

		if (fold_line_labels(f, i, &fl))
			continue;
		snprintf(nums[i][0], sizeof(nums[i][0]), "%u", fl.pid);
		snprintf(nums[i][1], sizeof(nums[i][1]), "%u", fl.tid);
		snprintf(nums[i][2], sizeof(nums[i][2]), "%u", fl.cpu);
		l[0] = (struct pprof_label){ "comm", fl.comm, 0, NULL };
		l[1] = (struct pprof_label){ "pid", nums[i][0], fl.pid, "pid" };
		l[2] = (struct pprof_label){ "tid", nums[i][1], fl.tid, "tid" };
		l[3] = (struct pprof_label){ "cpu", nums[i][2], fl.cpu, "cpu" };
		l[4] = (struct pprof_label){ "host", fl.host, 0, NULL };
		/* Who ran, under the names backends filter on (Pyroscope's
		 * service_name, the OpenTelemetry container.id's value). */
		l[5] = (struct pprof_label){ "cgroup", fl.cgroup, 0, NULL };
		l[6] = (struct pprof_label){ "container_id", fl.container, 0, NULL };
		l[7] = (struct pprof_label){ "pod_uid", fl.pod, 0, NULL };
		l[8] = (struct pprof_label){ "service_name", fl.service, 0, NULL };
	}
}

int export_pprof(struct fold *f, const struct summary *s, const char *slice_desc, FILE *out)
{
	struct pprof_meta pm = { 0 };
	struct pprof_label *labels = NULL;
	const char **stacks = NULL, **lines = NULL;
	uint64_t *counts = NULL;
	char *text = NULL, (*nums)[3][12] = NULL;
	size_t n, len = 0, nl = 0;
	FILE *mf;
	int err;

	if ((err = fold_arrays(f, &stacks, &counts, &n)))
		return err;
	err = -ENOMEM;
	labels = calloc((n ? n : 1) * NLABELS, sizeof(*labels));
	nums = calloc(n ? n : 1, sizeof(*nums));
	if (!labels || !nums)
		goto out;
	line_labels(f, n, labels, nums);
	if (!(mf = open_memstream(&text, &len)))
		goto out;
	summary_write(s, fold_counts(f), slice_desc, mf);
	if (fclose(mf))
		goto out;
	lines = calloc(len + 1, sizeof(*lines));
	if (!lines)
		goto out;
	for (char *l = text, *e; *l; l = e + 1) {
		if (!(e = strchr(l, '\n')))
			break;
		*e = '\0';
		lines[nl++] = strncmp(l, "# ", 2) == 0 ? l + 2 : l;
	}
	pm.comments = lines;
	pm.ncomments = nl;
	pm.time_ns = s->wall_first;
	pm.duration_ns = s->wall_last > s->wall_first ? s->wall_last - s->wall_first : 0;
	pm.period_ns = summary_period_ns(s);
	pm.kernel_file = "[kernel.kallsyms]";
	pm.kernel_start = s->kernel_start;
	pm.kernel_limit = s->kernel_limit;
	err = pprof_write(out, &pm, stacks, counts, labels, NLABELS, n);
out:
	free(labels);
	free(nums);
	free(lines);
	free(text);
	free(stacks);
	free(counts);
	return err;
}
