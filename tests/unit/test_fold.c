/* Table-driven tests for lib/fold/fold.c on a synthetic capture whose symbols
 * and samples are known: naming with the embedded table, with an external
 * table at the same addresses, with one moved by KASLR (core rebased,
 * modules only where they match), BPF programs, addresses past _etext,
 * grouping frames, filters and the time window, and differential output. */
#include "fold/fold.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CORE 0xffffffff81000000ull
#define MOD  0xffffffffc0100000ull
#define BPF  0xffffffffc0200000ull
#define SHIFT 0x2400000ull

/* kallsyms of the capture's boot; %llx placeholders get a core offset
 * (first four lines and _etext) and a module offset. */
static const char *ksyms_fmt =
	"%016llx T _stext\n"
	"%016llx T do_syscall_64\n"
	"%016llx T ksys_read\n"
	"%016llx t vfs_read\n"
	"%016llx T _etext\n"
	"%016llx t nft_do_chain\t[nf_tables]\n"
	"%016llx t bpf_prog_6deef7357e7b4530_sd_fw\t[bpf]\n";

/* fold_clean: untrusted names into frames that stay one frame, one line,
 * and valid UTF-8 (bad bytes as U+FFFD, as the SVG shows them), cut only
 * between characters when the buffer is short. */
static const struct {
	const char *in;
	size_t len;		/* the output buffer */
	const char *want;
} clean_cases[] = {
	{ "vfs_read", 64, "vfs_read" },
	{ "a;b", 64, "a:b" },
	{ "tab\there\nnl\x7f", 64, "tab?here?nl?" },
	{ "bad\xff\xfe", 64, "bad\xef\xbf\xbd\xef\xbf\xbd" },
	{ "over\xc0\xafl", 64, "over\xef\xbf\xbd\xef\xbf\xbdl" },
	{ "caf\xc3\xa9;x", 64, "caf\xc3\xa9:x" },
	{ "cut\xe2\x82", 64, "cut\xef\xbf\xbd\xef\xbf\xbd" },
	/* Short buffers: whole characters only. */
	{ "ab\xc3\xa9", 4, "ab" },
	{ "ab\xc3\xa9", 5, "ab\xc3\xa9" },
	{ "ab\xff", 5, "ab" },
	{ "ab\xff" "c", 6, "ab\xef\xbf\xbd" },
	{ "abc", 1, "" },
};

static void test_clean(void)
{
	for (size_t i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]); i++) {
		char out[64];

		memset(out, 'Z', sizeof(out));
		fold_clean(clean_cases[i].in, out, clean_cases[i].len);
		CHECK(strcmp(out, clean_cases[i].want) == 0, "fold_clean case %zu: got '%s'",
		      i, out);
	}
}

/* Folded text from elsewhere (psys-fold --diff's text side) comes out as
 * valid UTF-8 too. */
static void test_text_utf8(void)
{
	struct fold_opts o = { 0 };
	struct fold *f = fold_new(&o);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	CHECK(f && out, "setup");
	CHECK(fold_add_line(f, "app;bad\xff", 8, 2) == 0, "add invalid");
	CHECK(fold_add_line(f, "app;bad\xef\xbf\xbd", 10, 3) == 0, "add repaired");
	CHECK(fold_add_line(f, "app;ok", 6, 1) == 0, "add valid");
	CHECK(fold_write(f, out) == 0, "write");
	fclose(out);
	/* The invalid byte and its replacement are one stack: 2 + 3. */
	CHECK_STR(buf, "app;bad\xef\xbf\xbd 5\napp;ok 1\n", "text utf8");
	free(buf);
	fold_free(f);
}

static struct ksyms *table(uint64_t core, uint64_t mod)
{
	char buf[1024];
	struct ksyms *ks = ksyms_new();

	snprintf(buf, sizeof(buf), ksyms_fmt, (unsigned long long)CORE + core,
		 (unsigned long long)CORE + core + 0x1000, (unsigned long long)CORE + core + 0x2000,
		 (unsigned long long)CORE + core + 0x3000, (unsigned long long)CORE + core + 0x4000,
		 (unsigned long long)MOD + mod, (unsigned long long)BPF + mod);
	ksyms_parse(ks, buf, strlen(buf));
	ksyms_finish(ks);
	return ks;
}

/* Stacks, leaf first; callers hold return addresses (looked up - 1). */
static const uint64_t st_read[] = { CORE + 0x3010, CORE + 0x2020, CORE + 0x1030 };
static const uint64_t st_mod[] = { MOD + 0x10, CORE + 0x1030 };
static const uint64_t st_bpf[] = { BPF + 0x8, CORE + 0x1030 };
static const uint64_t st_past[] = { CORE + 0x4100, CORE + 0x1030 };

static const struct {
	uint64_t t_ms;
	uint32_t cpu, pid;
	const char *comm;
	const uint64_t *stack;
	uint32_t n;
} samples[] = {
	{ 0, 0, 100, "reader", st_read, 3 },
	{ 100, 0, 100, "reader", st_read, 3 },
	{ 200, 1, 100, "reader", st_read, 3 },
	{ 300, 1, 200, "netfw", st_mod, 2 },
	{ 400, 1, 200, "netfw", st_bpf, 2 },
	{ 500, 0, 300, "odd", st_past, 2 },
	{ 600, 0, 0, "swapper/0", st_read, 3 },	/* idle: left out */
};
#define NS (sizeof(samples) / sizeof(samples[0]))
#define T0 5000000000ull

static const char *mod_line = "netfw;do_syscall_64;nft_do_chain [nf_tables]";
static const char *bpf_line = "netfw;do_syscall_64;bpf_prog_6deef7357e7b4530_sd_fw [bpf]";
static const char *read_line = "reader;do_syscall_64;ksys_read;vfs_read";
static const char *past_line = "odd;do_syscall_64;" FOLD_PAST_ETEXT;

/* Folds PATH with O and IN; returns the lines as "stack count\n" text. */
static char *fold_text(const char *path, const struct fold_opts *o,
		       const struct fold_input *in)
{
	struct psysfile_reader *r;
	struct fold *f = fold_new(o);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (psysfile_open(path, &r) == 0) {
		CHECK(fold_add(f, r, in) == 0, "fold_add");
		psysfile_reader_free(r);
	}
	fold_write(f, out);
	fclose(out);
	fold_free(f);
	return buf;
}

static int has(const char *text, const char *line, unsigned count)
{
	char want[512];

	snprintf(want, sizeof(want), "%s %u\n", line, count);
	return strncmp(text, want, strlen(want)) == 0 || strstr(text, want) != NULL;
}

int main(void)
{
	char path[] = "/tmp/psys-fold-XXXXXX.psys";
	int fd = mkstemps(path, 5);
	struct ksyms *same = table(0, 0), *moved = table(SHIFT, 0),
		     *moved_all = table(SHIFT, 0x40000), *lower = table(-SHIFT, 0);
	struct psysfile_writer *w;
	json_t *hdr = json_pack("{s:s, s:{s:I, s:I}}", "host", "h1", "start",
				"wall_ns", (json_int_t)1795688104000000000LL,
				"mono_ns", (json_int_t)T0);

	close(fd);
	unlink(path);
	CHECK(psysfile_create(AT_FDCWD, path, hdr, same, &w) == 0, "create");
	for (size_t i = 0; i < NS; i++) {
		struct psysfile_sample s = { 0 };
		s.time_ns = T0 + samples[i].t_ms * 1000000;
		s.cpu = samples[i].cpu;
		s.pid = s.tid = samples[i].pid;
		s.comm = samples[i].comm;
		s.frames = samples[i].stack;
		s.nframes = samples[i].n;
		CHECK(psysfile_add(w, &s) == 0, "add %zu", i);
	}
	CHECK(psysfile_finish(w, hdr) == 0, "finish");
	psysfile_writer_free(w);

	struct fold_opts o = { 0 };
	/* Embedded symbols: _etext is not embedded, so the past-_etext
	 * address is known only when the header gives _etext. */
	struct fold_input emb = { .to_ns = UINT64_MAX, .etext = CORE + 0x4000 };
	struct fold_input ext = { .ks = same, .to_ns = UINT64_MAX };
	struct fold_input reb = { .ks = moved, .rebase = 1, .delta = SHIFT, .to_ns = UINT64_MAX };
	struct fold_input reb_all = { .ks = moved_all, .rebase = 1, .delta = SHIFT,
				      .to_ns = UINT64_MAX };
	struct fold_input reb_low = { .ks = lower, .rebase = 1, .delta = -(int64_t)SHIFT,
				      .to_ns = UINT64_MAX };
	struct fold_input norebase = { .ks = moved, .to_ns = UINT64_MAX };
	const struct {
		const char *what;
		const struct fold_input *in;
		const char *line;
		unsigned count;
	} cases[] = {
		{ "embedded", &emb, read_line, 3 },
		{ "embedded", &emb, mod_line, 1 },
		{ "embedded", &emb, bpf_line, 1 },
		{ "embedded", &emb, past_line, 1 },
		{ "same table", &ext, read_line, 3 },
		{ "same table", &ext, mod_line, 1 },
		{ "same table", &ext, bpf_line, 1 },
		{ "same table", &ext, past_line, 1 },
		{ "rebased", &reb, read_line, 3 },
		{ "rebased", &reb, mod_line, 1 },
		{ "rebased", &reb, bpf_line, 1 },
		{ "rebased", &reb, past_line, 1 },
		{ "rebased down", &reb_low, read_line, 3 },
		{ "rebased down", &reb_low, past_line, 1 },
		/* Modules moved too: [unknown], never a wrong name. */
		{ "modules moved", &reb_all, read_line, 3 },
		{ "modules moved", &reb_all, "netfw;do_syscall_64;[unknown]", 2 },
		/* Without the rebase a moved table names nothing right. */
		{ "not rebased", &norebase, "reader;[unknown];[unknown];[unknown]", 3 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = fold_text(path, &o, cases[i].in);
		CHECK(t && has(t, cases[i].line, cases[i].count), "%s: want '%s %u' in:\n%s",
		      cases[i].what, cases[i].line, cases[i].count, t ? t : "");
		free(t);
	}

	/* Addresses: the offset within the symbol as the capture saw it. */
	o.addrs = 1;
	char *t = fold_text(path, &o, &reb);
	CHECK(has(t, "reader;do_syscall_64+0x30;ksys_read+0x20;vfs_read+0x10", 3),
	      "--addrs rebased:\n%s", t);
	free(t);
	o.addrs = 0;

	/* Grouping and filters. */
	struct slice sl = { 0 };
	const struct {
		const char *what;
		int per_cpu, per_pid, idle;
		const char *cpus, *pids, *comm;
		uint64_t from_ms, to_ms;
		const char *line;	/* NULL: COUNT is the number of lines */
		unsigned count;
	} groups[] = {
		{ "per-cpu", 1, 0, 0, NULL, NULL, NULL, 0, 0, "cpu 0;reader;do_syscall_64;ksys_read;vfs_read", 2 },
		{ "per-cpu", 1, 0, 0, NULL, NULL, NULL, 0, 0, "cpu 1;reader;do_syscall_64;ksys_read;vfs_read", 1 },
		{ "per-cpu+pid", 1, 1, 0, NULL, NULL, NULL, 0, 0, "cpu 1;pid 200;netfw;do_syscall_64;nft_do_chain [nf_tables]", 1 },
		{ "per-pid", 0, 1, 0, NULL, NULL, NULL, 0, 0, "pid 100;reader;do_syscall_64;ksys_read;vfs_read", 3 },
		{ "idle", 0, 0, 1, NULL, NULL, NULL, 0, 0, "swapper/0;do_syscall_64;ksys_read;vfs_read", 1 },
		{ "no filter", 0, 0, 0, NULL, NULL, NULL, 0, 0, NULL, 4 },
		{ "cpu 1", 0, 0, 0, "1", NULL, NULL, 0, 0, NULL, 3 },
		{ "cpu 1", 0, 0, 0, "1", NULL, NULL, 0, 0, read_line, 1 },
		{ "pid 200", 0, 0, 0, NULL, "200", NULL, 0, 0, NULL, 2 },
		{ "pid 100,300", 0, 0, 0, NULL, "100,300", NULL, 0, 0, NULL, 2 },
		{ "comm", 0, 0, 0, NULL, NULL, "^(odd|netfw)$", 0, 0, NULL, 3 },
		{ "comm+cpu", 0, 0, 0, "0", NULL, "^(odd|netfw)$", 0, 0, past_line, 1 },
		{ "window", 0, 0, 0, NULL, NULL, NULL, 100, 300, read_line, 2 },
		{ "window", 0, 0, 0, NULL, NULL, NULL, 100, 300, NULL, 1 },
		{ "window end exclusive", 0, 0, 0, NULL, NULL, NULL, 0, 100, read_line, 1 },
	};
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct fold_opts go = { .per_cpu = groups[i].per_cpu, .per_pid = groups[i].per_pid,
					.idle = groups[i].idle, .slice = &sl };
		struct fold_input in = emb;
		char err[64];

		slice_free(&sl);
		memset(&sl, 0, sizeof(sl));
		if (groups[i].cpus)
			idlist_parse(groups[i].cpus, IDLIST_MAX_CPU, &sl.cpus);
		if (groups[i].pids)
			idlist_parse(groups[i].pids, IDLIST_MAX_PID, &sl.pids);
		if (groups[i].comm)
			slice_set_comm(&sl, groups[i].comm, err, sizeof(err));
		if (groups[i].to_ms) {
			in.from_ns = T0 + groups[i].from_ms * 1000000;
			in.to_ns = T0 + groups[i].to_ms * 1000000;
		}
		t = fold_text(path, &go, &in);
		if (groups[i].line) {
			CHECK(has(t, groups[i].line, groups[i].count), "%s: want '%s %u' in:\n%s",
			      groups[i].what, groups[i].line, groups[i].count, t);
		} else {
			unsigned n = 0;
			for (const char *p = t; (p = strchr(p, '\n')); p++)
				n++;
			CHECK(n == groups[i].count, "%s: %u lines, want %u:\n%s", groups[i].what,
			      n, groups[i].count, t);
		}
		free(t);
	}
	slice_free(&sl);

	/* Labels and the timeline: lines without root frames, apart per CPU
	 * (the reader ran on two), each with its comm, pid, tid, cpu, host;
	 * the events of two captures on one clock interleave in time order. */
	{
		struct fold_opts lo = { .labels = 1, .timeline = 1, .no_comm = 1 };
		struct fold_input a = emb, b = emb;
		struct fold *f = fold_new(&lo);
		struct psysfile_reader *r;
		struct fold_labels fl;
		const struct fold_event *ev;
		size_t nev = 0;
		static const struct {
			const char *stack;
			uint32_t pid, cpu;
			const char *comm;
			uint64_t count;
		} want[] = {
			{ "do_syscall_64;" FOLD_PAST_ETEXT, 300, 0, "odd", 2 },
			{ "do_syscall_64;bpf_prog_6deef7357e7b4530_sd_fw [bpf]", 200, 1, "netfw", 2 },
			{ "do_syscall_64;ksys_read;vfs_read", 100, 0, "reader", 4 },
			{ "do_syscall_64;ksys_read;vfs_read", 100, 1, "reader", 2 },
			{ "do_syscall_64;nft_do_chain [nf_tables]", 200, 1, "netfw", 2 },
		};
		/* Kept samples (not the idle one) by time: their lines. */
		static const uint32_t order[] = { 2, 2, 3, 4, 1, 0 };

		a.host_label = "h1";
		b.host_label = "h1";
		b.clock_offset_ns = 50000000;	/* 50 ms later on the shared clock */
		for (int k = 0; k < 2; k++) {
			CHECK(psysfile_open(path, &r) == 0, "open");
			CHECK(fold_add(f, r, k ? &b : &a) == 0, "fold_add labels");
			psysfile_reader_free(r);
		}
		CHECK(fold_sort(f) == 0, "sort");
		CHECK(fold_nlines(f) == 5, "labelled lines: %zu", fold_nlines(f));
		for (size_t i = 0; i < 5 && i < fold_nlines(f); i++) {
			uint64_t c;
			const char *l = fold_line(f, i, &c);

			CHECK_STR(l, want[i].stack, "labelled line");
			CHECK(c == want[i].count, "line %zu: count %llu", i, (unsigned long long)c);
			CHECK(fold_line_labels(f, i, &fl) == 0, "labels of line %zu", i);
			CHECK(fl.pid == want[i].pid && fl.tid == want[i].pid && fl.cpu == want[i].cpu,
			      "line %zu: pid %u tid %u cpu %u", i, fl.pid, fl.tid, fl.cpu);
			CHECK_STR(fl.comm, want[i].comm, "comm label");
			CHECK_STR(fl.host, "h1", "host label");
		}
		ev = fold_timeline(f, &nev);
		CHECK(ev && nev == 12, "timeline: %zu events", nev);
		for (size_t i = 0; ev && i < nev && i < 12; i++) {
			uint64_t t_ms = (ev[i].time_ns - T0) / 1000000;

			CHECK(t_ms == (i / 2) * 100 + (i % 2) * 50, "event %zu at %llu ms", i,
			      (unsigned long long)t_ms);
			CHECK(ev[i].line == order[i / 2], "event %zu: line %u, want %u", i,
			      ev[i].line, order[i / 2]);
			CHECK(ev[i].cpu == samples[i / 2].cpu, "event %zu: cpu %u", i, ev[i].cpu);
		}
		fold_free(f);
		/* Without the options there is neither. */
		f = fold_new(&o);
		CHECK(psysfile_open(path, &r) == 0, "open");
		CHECK(fold_add(f, r, &emb) == 0, "fold_add");
		psysfile_reader_free(r);
		CHECK(fold_line_labels(f, 0, &fl) == -ENOENT, "labels without the option");
		CHECK(fold_timeline(f, &nev) == NULL && nev == 0, "timeline without the option");
		fold_free(f);
	}

	/* Idle samples the recorder sent without a stack (flag
	 * PSYSFILE_IDLE_NOSTACK) are idle samples like any other: left out
	 * by default, and with --idle folded as the comm alone, never as a
	 * stack error. An idle sample with a stack (--idle-stacks, or 0.1)
	 * still folds with it, and a kernel sample without a stack and
	 * without the flag is still a stack error. */
	char ipath[] = "/tmp/psys-fold-idle-XXXXXX.psys";
	fd = mkstemps(ipath, 5);
	close(fd);
	unlink(ipath);
	CHECK(psysfile_create(AT_FDCWD, ipath, hdr, same, &w) == 0, "create idle");
	for (int i = 0; i < 6; i++) {
		struct psysfile_sample s = { .time_ns = T0 + i * 1000000ull, .cpu = 1 };
		if (i < 3) {
			s.comm = "swapper/1";
			s.flags = PSYSFILE_IDLE_NOSTACK;
		} else if (i == 3) {
			s.comm = "swapper/1";
			s.frames = st_read;
			s.nframes = 3;
		} else {
			s.pid = s.tid = 100;
			s.comm = "reader";
			s.flags = i == 4 ? PSYSFILE_STACK_ERR : 0;
		}
		CHECK(psysfile_add(w, &s) == 0, "add idle %d", i);
	}
	CHECK(psysfile_finish(w, hdr) == 0, "finish idle");
	psysfile_writer_free(w);
	for (int idle = 0; idle < 2; idle++) {
		for (int no_comm = 0; no_comm < 2; no_comm++) {
			struct fold_opts io = { .idle = idle, .no_comm = no_comm };
			struct psysfile_reader *ir;
			struct fold *f = fold_new(&io);
			char *ib = NULL;
			size_t il = 0;
			FILE *iout = open_memstream(&ib, &il);

			CHECK(psysfile_open(ipath, &ir) == 0, "open idle");
			CHECK(fold_add(f, ir, &emb) == 0, "fold idle");
			psysfile_reader_free(ir);
			fold_write(f, iout);
			fclose(iout);
			const struct fold_counts *c = fold_counts(f);
			CHECK(c->samples == 6 && c->idle == (idle ? 0 : 4) &&
			      c->stack_errors == 2 && c->folded == (idle ? 6u : 2u),
			      "idle=%d: samples %llu idle %llu stack errors %llu folded %llu",
			      idle, (unsigned long long)c->samples, (unsigned long long)c->idle,
			      (unsigned long long)c->stack_errors, (unsigned long long)c->folded);
			const char *want = !idle ? (no_comm ? "[stack error] 2\n" :
						    "reader;[stack error] 2\n") :
					   no_comm ? "[no frames] 3\n[stack error] 2\n"
						     "do_syscall_64;ksys_read;vfs_read 1\n" :
					   "reader;[stack error] 2\nswapper/1 3\n"
					   "swapper/1;do_syscall_64;ksys_read;vfs_read 1\n";
			char ctx[32];
			snprintf(ctx, sizeof(ctx), "idle=%d no_comm=%d", idle, no_comm);
			CHECK_STR(ib, want, ctx);
			free(ib);
			fold_free(f);
		}
	}
	unlink(ipath);

	/* Differential: base has one extra and one missing stack. */
	struct fold *base = fold_new(&o), *now = fold_new(&o);
	fold_add_line(base, "a;b", 3, 5);
	fold_add_line(base, "a;c", 3, 2);
	fold_add_line(now, "a;b", 3, 7);
	fold_add_line(now, "a;d", 3, 1);
	fold_add_line(now, "a;b", 3, 1);	/* counts add */
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	CHECK(fold_write_diff(base, now, out) == 0, "write diff");
	fclose(out);
	CHECK_STR(buf, "a;b 5 8\na;c 2 0\na;d 0 1\n", "diff");
	free(buf);
	fold_free(base);
	fold_free(now);

	test_clean();
	test_text_utf8();
	unlink(path);
	json_decref(hdr);
	ksyms_free(same);
	ksyms_free(moved);
	ksyms_free(moved_all);
	ksyms_free(lower);
	return test_done("test_fold");
}
