/* What the two .psys harnesses (fuzz_psysfile: any bytes; fuzz_psysrec:
 * well-framed records with any payloads) do with a file: read it whole
 * through every accessor, then fold it and write the result as folded
 * text, speedscope JSON and pprof. */
#ifndef PSYS_FUZZ_PSYS_CHECK_H
#define PSYS_FUZZ_PSYS_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fold/fold.h"
#include "symbols/ksyms.h"
#include "fold/pprof.h"
#include "psysfile/psysfile.h"
#include "fold/slice.h"
#include "fold/speedscope.h"

static FILE *sink;

static void touch_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_SORT_KEYS) : NULL;

	free(s);
}

static void read_all(const uint8_t *data, size_t size)
{
	struct psysfile_reader *r;
	struct psysfile_sample s;
	const struct ksyms *ks;
	uint64_t n = 0;

	if (psysfile_open_mem(data, size, &r))
		return;
	while (psysfile_next(r, &s) == 1) {
		uint32_t nf = 0;

		/* The reader promises these stay inside its tables. */
		if (s.nframes > PSYSFILE_MAX_FRAMES || !s.comm)
			abort();
		(void)psysfile_thread_comm(r, s.thread_id);
		if (s.stack_id != PSYSFILE_NO_STACK) {
			const uint64_t *st = psysfile_stack(r, s.stack_id, &nf);

			if (!st || nf != s.nframes)
				abort();
		}
		n++;
	}
	if (psysfile_stats(r)->samples != n)
		abort();
	touch_json(psysfile_header(r));
	touch_json(psysfile_trailer(r));
	ks = psysfile_ksyms(r);
	if (ks) {
		size_t cnt = ksyms_count(ks);

		for (size_t i = 0; i < cnt; i++) {
			const struct ksym *k = ksyms_at(ks, i);
			const struct ksym *l = ksyms_lookup(ks, k->addr);

			if (l && (l->addr > k->addr || l->end <= k->addr))
				abort();
			(void)ksyms_past_etext(ks, 0, k->end);
		}
	}
	for (uint32_t i = 0; i < psysfile_nthreads(r); i++)
		(void)psysfile_thread_comm(r, i);
	for (uint32_t i = 0; i < psysfile_nstacks(r); i++) {
		uint32_t nf;
		const uint64_t *st = psysfile_stack(r, i, &nf);

		for (uint32_t j = 0; st && ks && j < nf; j++)
			(void)ksyms_lookup(ks, st[j]);
	}
	psysfile_reader_free(r);
}

static void fold_all(const uint8_t *data, size_t size)
{
	struct psysfile_reader *r, *r0 = NULL;
	struct psysfile_sample s;
	struct fold_opts o = { 0 };
	struct fold_input in = { 0 };
	struct slice sl = { 0 };
	struct fold *f;
	size_t n;

	if (psysfile_open_mem(data, size, &r))
		return;
	/* Sometimes the symbols as an external table (a first reading of the
	 * same file), looked up with a KASLR rebase, and a slice. */
	if (size >> 7 & 1 && psysfile_open_mem(data, size, &r0) == 0) {
		while (psysfile_next(r0, &s) == 1)
			;
		in.ks = psysfile_ksyms(r0);
		in.rebase = 1;
		in.delta = size >> 8 & 1 ? 0x200000 : 0;
		in.etext = size >> 9 & 1 ? 0xffffffff81e00000ull : 0;
	}
	if (size >> 10 & 1) {
		if (idlist_parse("0,2-5", IDLIST_MAX_CPU, &sl.cpus) || slice_set_comm(&sl, "^[a-z<]", NULL, 0))
			abort();
		o.slice = &sl;
		in.from_ns = 1;
		in.to_ns = UINT64_MAX - 1;
	}
	/* Options from the size, so the corpus explores them without a
	 * prefix byte that would break the file's magic. */
	o.idle = size & 1;
	o.user = size >> 1 & 1;
	o.no_comm = size >> 2 & 1;
	o.addrs = size >> 3 & 1;
	o.per_cpu = size >> 4 & 1;
	o.per_pid = size >> 5 & 1;
	in.host = size >> 6 & 1 ? "host" : NULL;
	o.labels = size >> 11 & 1;
	o.timeline = size >> 12 & 1;
	in.host_label = "h";
	in.clock_offset_ns = size >> 13 & 1 ? -1000 : 0;
	if (!in.to_ns)
		in.to_ns = UINT64_MAX;
	f = fold_new(&o);
	if (!f)
		abort();
	if (fold_add(f, r, &in) == 0 && fold_write(f, sink) == 0) {
		n = fold_nlines(f);
		const char **stacks = malloc((n + 1) * sizeof(*stacks));
		uint64_t *counts = malloc((n + 1) * sizeof(*counts));

		struct pprof_label *labels = malloc((n + 1) * 2 * sizeof(*labels));

		if (stacks && counts && labels) {
			for (size_t i = 0; i < n; i++) {
				struct fold_labels fl;

				stacks[i] = fold_line(f, i, &counts[i]);
				labels[2 * i] = (struct pprof_label){ "comm", NULL, 0, NULL };
				labels[2 * i + 1] = (struct pprof_label){ "cpu", "0", 0, "cpu" };
				if (fold_line_labels(f, i, &fl) == 0) {
					labels[2 * i].value = fl.comm;
					labels[2 * i + 1].num = fl.cpu;
				}
			}
			/* The timeline's samples, or each line once. */
			size_t nev = 0;
			const struct fold_event *ev = fold_timeline(f, &nev);
			uint32_t *idx = malloc((nev + n + 1) * sizeof(*idx));
			uint64_t *w = malloc((nev + n + 1) * sizeof(*w));
			if (idx && w) {
				size_t k = 0;
				for (size_t i = 0; i < nev; i++, k++) {
					idx[k] = ev[i].line;
					w[k] = ev[i].cpu;
				}
				for (size_t i = 0; !nev && i < n; i++, k++) {
					idx[k] = (uint32_t)i;
					w[k] = counts[i];
				}
				struct speedscope_profile sp = { "p", idx, w, k };
				speedscope_write(sink, "fuzz", "fuzz", "nanoseconds", stacks, n, &sp, 1);
			}
			free(idx);
			free(w);
			const char *notes[] = { "fuzz" };
			struct pprof_meta pm = { .time_ns = 1, .duration_ns = 2,
						 .period_ns = size & 1 ? 1000000 : 0,
						 .comments = notes, .ncomments = 1,
						 .kernel_file = size >> 14 & 1 ? "[k]" : NULL };
			pprof_write(sink, &pm, stacks, counts, labels, 2, n);
		}
		free(labels);
		free(stacks);
		free(counts);
	}
	fold_free(f);
	slice_free(&sl);
	psysfile_reader_free(r);
	psysfile_reader_free(r0);
}

static void psys_check(const uint8_t *data, size_t size)
{
	if (!sink)
		sink = fopen("/dev/null", "w");
	read_all(data, size);
	fold_all(data, size);
}

#endif
