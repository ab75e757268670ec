/* Damaged captures: every truncation and thousands of random byte flips of
 * real .psys files, read and folded in process (fast, and under
 * SANITIZE=1 every memory error counts), and a sample of them through the
 * psys-fold program itself. Never a crash, never a hang (each read is
 * bounded by an alarm that saves the input), always either an error the
 * reader names or valid folded output: cutting a file never adds samples,
 * a longer cut never has fewer, a flip never adds any.
 *
 *   test_fault_mangle [-n FLIPS] [-s SEED] [-c EVERY] [FILE.psys...]
 *
 * Without files it uses the real captures checked in as fuzz seeds
 * ($TOP/fuzz/corpus/psysfile). With $BUILD set (tests/run.sh sets it),
 * one input in EVERY (default 60) also goes through $BUILD/psys-fold. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fold/fold.h"
#include "psysfile/psysfile.h"
#include "test.h"

/* Each in-process read and fold must end within this (under ASan too). */
#define READ_SECONDS 10
/* And each psys-fold run. */
#define RUN_SECONDS 30

static const uint8_t *cur_buf;
static size_t cur_len;
static const char *cur_what = "";
static char tmpdir[256];

/* An endless loop: save the input that caused it and fail loudly. */
static void on_alarm(int sig)
{
	char path[320];
	int fd;

	snprintf(path, sizeof(path), "%s/psys-mangle-hang.psys", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, cur_buf, cur_len) < 0)
			fd = -1;
		close(fd);
	}
	static const char msg[] = "test_fault_mangle: HANG reading a damaged capture "
				  "(input saved as psys-mangle-hang.psys in $TMPDIR): ";
	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, cur_what, strlen(cur_what)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(1);
	_exit(1);
}

/* What one read of a buffer gave. */
struct result {
	int open_err;
	uint64_t samples, folded, bad_records;
	int has_header, has_trailer;
};

/* A folded line: "stack COUNT", the stack non-empty and free of control
 * bytes (fold_clean's promise), the count a positive decimal. */
static int line_ok(const char *l, size_t len)
{
	size_t sp;

	if (len < 3)
		return 0;
	for (sp = len; sp > 0 && l[sp - 1] != ' '; sp--)
		;
	if (sp < 2 || sp == len || l[sp] == '0')
		return 0;
	for (size_t i = sp; i < len; i++)
		if (l[i] < '0' || l[i] > '9')
			return 0;
	for (size_t i = 0; i < sp - 1; i++)
		if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f)
			return 0;
	return 1;
}

static struct result read_buf(const uint8_t *buf, size_t len, const char *what)
{
	struct result res = { 0 };
	struct psysfile_reader *r = NULL;
	struct fold_opts o = { .idle = 1, .user = 1 };
	struct fold *f = NULL;
	char *text = NULL;
	size_t tlen = 0;
	FILE *out = NULL;

	cur_buf = buf;
	cur_len = len;
	cur_what = what;
	alarm(READ_SECONDS);
	res.open_err = psysfile_open_mem(buf, len, &r);
	if (res.open_err) {
		CHECK(res.open_err == -EPROTO || res.open_err == -EPROTONOSUPPORT,
		      "%s: open: %s", what, strerror(-res.open_err));
		goto out;
	}
	f = fold_new(&o);
	out = open_memstream(&text, &tlen);
	if (!f || !out) {
		CHECK(0, "%s: out of memory", what);
		goto out;
	}
	CHECK(fold_add(f, r, NULL) == 0, "%s: fold_add", what);
	CHECK(fold_write(f, out) == 0, "%s: fold_write", what);
	fclose(out);
	out = NULL;
	const struct psysfile_stats *st = psysfile_stats(r);
	const struct fold_counts *c = fold_counts(f);
	res.samples = st->samples;
	res.folded = c->folded;
	res.bad_records = st->bad_records;
	res.has_header = st->has_header;
	res.has_trailer = st->has_trailer;
	CHECK(c->samples == st->samples, "%s: fold read %llu samples, reader %llu", what,
	      (unsigned long long)c->samples, (unsigned long long)st->samples);
	/* Every output line valid, and the counts add up to what was folded. */
	uint64_t sum = 0;
	for (char *p = text, *end = text + tlen; p < end;) {
		char *nl = memchr(p, '\n', end - p);

		if (!nl || !line_ok(p, nl - p)) {
			CHECK(0, "%s: bad output line '%.*s'", what,
			      (int)(nl ? nl - p : end - p), p);
			break;
		}
		sum += strtoull(memrchr(p, ' ', nl - p) + 1, NULL, 10);
		p = nl + 1;
	}
	CHECK(sum == c->folded, "%s: lines add up to %llu, folded %llu", what,
	      (unsigned long long)sum, (unsigned long long)c->folded);
out:
	alarm(0);
	if (out)
		fclose(out);
	free(text);
	fold_free(f);
	psysfile_reader_free(r);
	return res;
}

/* Runs psys-fold on BUF through a file: it must exit 0 (intact), 1 (not a
 * .psys file: one "psys-fold: ..." line) or 3 (damaged: a warning),
 * never die of a signal or hang, and write valid lines. */
static void run_fold(const char *prog, const uint8_t *buf, size_t len, const char *what)
{
	char in[320], out[320], err[320];
	int fd, status = 0;
	pid_t pid;

	snprintf(in, sizeof(in), "%s/m.psys", tmpdir);
	snprintf(out, sizeof(out), "%s/m.out", tmpdir);
	snprintf(err, sizeof(err), "%s/m.err", tmpdir);
	fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		CHECK(0, "cannot write %s: %s", in, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	pid = fork();
	if (pid == 0) {
		if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
			_exit(126);
		alarm(RUN_SECONDS);	/* SIGALRM ends a hang: a failure below */
		execl(prog, prog, "--idle", "--user", in, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		CHECK(0, "%s: cannot run %s", what, prog);
		return;
	}
	if (!WIFEXITED(status)) {
		CHECK(0, "%s: psys-fold killed by signal %d%s (input kept as %s)", what,
		      WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (hang)" : "", in);
		exit(test_done("test_fault_mangle"));
	}
	int rc = WEXITSTATUS(status);
	char e[4096] = "", line[65536];
	FILE *f = fopen(err, "r");
	size_t n = f ? fread(e, 1, sizeof(e) - 1, f) : 0;

	e[n] = '\0';
	if (f)
		fclose(f);
	CHECK(rc == 0 || rc == 1 || rc == 3, "%s: psys-fold exit %d: %s", what, rc, e);
	if (rc == 1)
		CHECK(strncmp(e, "psys-fold: cannot read '", 24) == 0 && strchr(e, '\n') &&
		      strchr(e, '\n')[1] == '\0', "%s: exit 1 without one clear line: %s", what, e);
	if (rc == 3)
		CHECK(strstr(e, "psys-fold: warning: '"), "%s: exit 3 without a warning: %s",
		      what, e);
	f = fopen(out, "r");
	while (f && fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);

		if (l && line[l - 1] == '\n')
			line[--l] = '\0';
		if (strncmp(line, "# ", 2) == 0)
			continue;
		if (!line_ok(line, l)) {
			CHECK(0, "%s: psys-fold wrote '%s'", what, line);
			break;
		}
	}
	if (f)
		fclose(f);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc(n)) && fread(buf, 1, n, f) == (size_t)n) {
		*len = n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void mangle(const char *path, unsigned flips, unsigned every, const char *prog)
{
	size_t len, step;
	uint8_t *orig = slurp(path, &len), *buf;
	struct result full, prev = { 0 }, r;
	char what[512];
	unsigned runs = 0, cut_runs = 0;

	CHECK(orig != NULL, "cannot read %s", path);
	if (!orig)
		return;
	buf = malloc(len);
	if (!buf)
		abort();
	full = read_buf(orig, len, path);
	CHECK(full.open_err == 0 && full.has_header && full.samples > 0,
	      "%s: not an intact capture with samples", path);

	/* Truncations: every length up to 16 KiB, about 4000 cuts beyond. */
	step = len <= 16384 ? 1 : len / 4000;
	for (size_t cut = 0; cut <= len; cut += step) {
		snprintf(what, sizeof(what), "%s cut at %zu of %zu", path, cut, len);
		r = read_buf(orig, cut, what);
		CHECK(cut < 16 ? r.open_err == -EPROTO : r.open_err == 0,
		      "%s: open %d", what, r.open_err);
		CHECK(r.samples <= full.samples, "%s: %llu samples, more than the whole",
		      what, (unsigned long long)r.samples);
		CHECK(r.samples >= prev.samples, "%s: %llu samples, fewer than a shorter cut (%llu)",
		      what, (unsigned long long)r.samples, (unsigned long long)prev.samples);
		CHECK(!r.has_trailer || cut == len, "%s: a trailer before the end", what);
		CHECK(r.bad_records == 0, "%s: a cut damaged a record", what);
		if (prog && cut_runs++ % every == 0)
			run_fold(prog, orig, cut, what);
		prev = r;
	}
	CHECK(prev.samples == full.samples || len % step, "%s: the whole file cut at its end", path);

	/* Flips: 1 to 4 bytes XORed with a random non-zero value. */
	for (unsigned i = 0; i < flips; i++) {
		unsigned nb = 1 + random() % 4;
		size_t at[4];

		memcpy(buf, orig, len);
		for (unsigned k = 0; k < nb; k++) {
			at[k] = (size_t)random() % len;
			buf[at[k]] ^= (uint8_t)(1 + random() % 255);
		}
		snprintf(what, sizeof(what), "%s flip %u (%u bytes, first at %zu)", path, i, nb, at[0]);
		r = read_buf(buf, len, what);
		CHECK(r.samples <= full.samples, "%s: %llu samples, more than intact (%llu)",
		      what, (unsigned long long)r.samples, (unsigned long long)full.samples);
		if (prog && runs++ % every == 0)
			run_fold(prog, buf, len, what);
	}
	free(buf);
	free(orig);
}

int main(int argc, char **argv)
{
	unsigned flips = 1000, every = 60, seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	const char *top = getenv("TOP"), *build = getenv("BUILD");
	char prog[512], path[512];
	int c;

	while ((c = getopt(argc, argv, "n:s:c:")) != -1) {
		switch (c) {
		case 'n': flips = (unsigned)atoi(optarg); break;
		case 's': seed = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'c': every = (unsigned)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: test_fault_mangle [-n FLIPS] [-s SEED] "
					"[-c EVERY] [FILE.psys...]\n");
			return 2;
		}
	}
	if (every < 1)
		every = 1;
	snprintf(tmpdir, sizeof(tmpdir), "%s/psys-mangle.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("test_fault_mangle: mkdtemp");
		return 1;
	}
	signal(SIGALRM, on_alarm);
	srandom(seed);
	printf("seed %u (replay with -s %u)\n", seed, seed);
	fflush(stdout);
	snprintf(prog, sizeof(prog), "%s/psys-fold", build ? build : "");
	const char *p = build && access(prog, X_OK) == 0 ? prog : NULL;
	if (!p)
		printf("no $BUILD/psys-fold: in-process reads only\n");

	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			mangle(argv[i], flips, every, p);
	} else {
		static const char *const seeds[] = { "two.psys", "stat.psys" };

		for (size_t i = 0; i < sizeof(seeds) / sizeof(*seeds); i++) {
			snprintf(path, sizeof(path), "%s/fuzz/corpus/psysfile/%s",
				 top ? top : ".", seeds[i]);
			mangle(path, flips, every, p);
		}
	}
	/* The scratch folder stays after a failure: it holds the input
	 * psys-fold failed on. */
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	if (!test_failures && system(path) != 0)
		fprintf(stderr, "test_fault_mangle: cannot remove %s\n", tmpdir);
	return test_done("test_fault_mangle");
}
