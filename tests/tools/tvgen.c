/* tvgen RULE MARKS SPACING_MS [WINDOW_S]: writes folded text with a
 * timeline, as psys-fold would for a capture of 3 s on CPUs 0 and 1 at
 * 1,000 Hz with MARKS triggers of RULE ("interval" or "peak"), the first
 * at 1 s and the others SPACING_MS apart: an interval trigger measured the
 * poll interval since the one before (1 s before the first), a peak
 * trigger the 60 ms since its burst's first sys sample. The metadata says
 * the rule and, for a peak, its window (WINDOW_S, default 0.15), as
 * psys-fold's summary words them. The timeline lines come from lib/folded's
 * own writer, so the time view tests need no copy of their encoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded/folded.h"
#include "folded/timeline.h"

#define MS 1000000LL

int main(int argc, char **argv)
{
	struct timeline tl = { 0 };
	const char *rule;
	int peak, nmarks;
	double spacing, window = 0.15;
	char words[200];
	int err;

	if (argc < 4 || argc > 5 || (strcmp(argv[1], "interval") && strcmp(argv[1], "peak"))) {
		fprintf(stderr, "usage: tvgen interval|peak MARKS SPACING_MS [WINDOW_S]\n");
		return 2;
	}
	rule = argv[1];
	peak = !strcmp(rule, "peak");
	nmarks = atoi(argv[2]);
	spacing = atof(argv[3]);
	if (argc == 5)
		window = atof(argv[4]);
	if (nmarks < 1 || nmarks > 100 || !(spacing > 0)) {
		fprintf(stderr, "tvgen: bad MARKS or SPACING_MS\n");
		return 2;
	}

	tl.wall0_ns = 1765000000LL * 1000000000LL;
	tl.end_ns = 3000 * MS;
	tl.freq_hz = 1000;
	tl.nlines = 2;
	tl.nmarks = (size_t)nmarks;
	tl.marks = calloc(tl.nmarks, sizeof(*tl.marks));
	tl.nsamples = 2 * 3000;
	tl.samples = calloc(tl.nsamples, sizeof(*tl.samples));
	if (!tl.marks || !tl.samples)
		return 1;
	for (int i = 0; i < nmarks; i++) {
		struct timeline_mark *m = &tl.marks[i];

		m->at_ns = 1000 * MS + (int64_t)(i * spacing * MS);
		m->from_ns = peak ? m->at_ns - 60 * MS : i ? tl.marks[i - 1].at_ns : m->at_ns - 1000 * MS;
		m->gate = peak ? 30 : 10;
		m->hot = strdup(peak ? "1:35.48" : "1:52.5");
		if (!m->hot)
			return 1;
	}
	/* Every ms on each CPU, CPU 1 in the first line's stack. */
	for (size_t i = 0; i < tl.nsamples; i++) {
		tl.samples[i].t_ns = (int64_t)(i / 2) * MS;
		tl.samples[i].cpu = (uint32_t)(i % 2);
		tl.samples[i].line = (uint32_t)(i % 2 ? 0 : 1);
	}
	if (peak)
		snprintf(words, sizeof(words),
			 "peak: cpu 1 at 35.5%% sys over %g s (threshold 30%%)", window);
	else
		snprintf(words, sizeof(words), "interval: cpu 1 at 52.5%% sys over 1 s (gate 10%%)");
	folded_meta_write(stdout, "psys-fold", "tvgen");
	folded_meta_write(stdout, "title", "sysHigh for cpu 1");
	folded_meta_write(stdout, "trigger", words);
	folded_meta_write(stdout, "rules", rule);
	folded_meta_write(stdout, "freq", "1000 Hz");
	folded_meta_write(stdout, "samples", "6000");
	printf("burn;entry_SYSCALL_64;do_syscall_64;__x64_sys_getpid 3000\n");
	printf("idle;do_idle 3000\n");
	err = timeline_write(stdout, &tl);
	for (size_t i = 0; i < tl.nmarks; i++)
		free(tl.marks[i].hot);
	free(tl.marks);
	free(tl.samples);
	if (err || fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "tvgen: cannot write the timeline\n");
		return 1;
	}
	return 0;
}
