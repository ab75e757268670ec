/* Tests for lib/fold/foldrun.c, a run of psys-fold over captures written
 * here: a good capture folds with its header's facts in the metadata and
 * no message; a header with a field of the wrong type is warned of, read
 * as missing and the run marked damaged, its samples still folded; a
 * differential run whose base cannot be read writes nothing and fails. */
#include "fold/foldrun.h"
#include "psysfile/psysfile.h"
#include "test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 5000000000ull

static char said[4096];

static void hear(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(said + strlen(said), sizeof(said) - strlen(said), "%s%s", *said ? "|" : "",
		 msg);
}

/* Writes a capture of 3 samples of "worker" with HEADER to PATH. */
static void write_capture(const char *path, json_t *header)
{
	static const uint64_t stack[] = { 0xffffffff81000100ull, 0xffffffff81000200ull };
	struct psysfile_writer *w;

	unlink(path);
	CHECK(psysfile_create(AT_FDCWD, path, header, NULL, &w) == 0, "create %s", path);
	for (int i = 0; i < 3; i++) {
		struct psysfile_sample s = { .time_ns = T0 + (uint64_t)i * 5000000, .cpu = 1,
					     .pid = 42, .tid = 42, .comm = "worker",
					     .frames = stack, .nframes = 2 };
		CHECK(psysfile_add(w, &s) == 0, "add");
	}
	json_t *trailer = json_pack("{s:I}", "lost", (json_int_t)2);

	CHECK(psysfile_finish(w, trailer) == 0, "finish");
	json_decref(trailer);
	psysfile_writer_free(w);
	json_decref(header);
}

/* Folds PATH (with DIFF as the base, or NULL); the output in *TEXT. */
static struct foldrun_status run(const char *path, const char *diff, char **text)
{
	struct foldrun_opts o = { .diff = diff, .nfiles = 1, .exporter = "test" };
	const struct diag d = { hear, NULL };
	struct foldrun_status st = { .failed = -1 };
	struct foldrun *r;
	size_t len;
	FILE *out = open_memstream(text, &len);

	said[0] = '\0';
	if (foldrun_new(&o, out, &d, &r) == 0) {
		if (!(diff && foldrun_status(r)->failed))
			foldrun_add(r, path);
		foldrun_write(r);
		st = *foldrun_status(r);
	}
	foldrun_free(r);
	fclose(out);
	return st;
}

int main(void)
{
	char good[] = "/tmp/psys-foldrun-XXXXXX.psys", bad[] = "/tmp/psys-foldrun-XXXXXX.psys";
	struct foldrun_status st;
	char *text = NULL;

	close(mkstemps(good, 5));
	close(mkstemps(bad, 5));
	write_capture(good, json_pack("{s:s, s:I, s:{s:I, s:I}}", "host", "h1", "freq_hz",
				      (json_int_t)200, "start", "wall_ns",
				      (json_int_t)1795688104000000000LL, "mono_ns",
				      (json_int_t)T0));
	write_capture(bad, json_pack("{s:s, s:s}", "host", "h2", "freq_hz", "fast"));

	st = run(good, NULL, &text);
	CHECK(!st.failed && !st.damaged && !st.usage, "good: %d %d %d", st.failed, st.damaged,
	      st.usage);
	CHECK(!*said, "good: no message: '%s'", said);
	CHECK(strstr(text, "# host: \"h1\"\n") && strstr(text, "# freq: \"200 Hz\"\n") &&
	      strstr(text, "# lost: \"2\"\n"),
	      "good: the header's facts: %s", text);
	CHECK(strstr(text, "\nworker;[unknown];[unknown] 3\n"), "good: the stack: %s", text);
	free(text);

	st = run(bad, NULL, &text);
	CHECK(!st.failed && st.damaged, "bad header: damaged, not failed: %d %d", st.failed,
	      st.damaged);
	CHECK(strstr(said, "warning: '") && strstr(said, "': header damaged (") &&
	      strstr(said, "freq_hz") && strstr(said, "): read as missing"),
	      "bad header: the warning names the field: '%s'", said);
	CHECK(!strstr(text, "# host:") && strstr(text, "\nworker;[unknown];[unknown] 3\n"),
	      "bad header: read as missing, samples folded: %s", text);
	free(text);

	st = run(good, "/nonexistent/base.folded", &text);
	CHECK(st.failed && !*text, "diff without its base: failed, nothing written: %d '%s'",
	      st.failed, text);
	CHECK(strstr(said, "cannot read '/nonexistent/base.folded'"), "diff: '%s'", said);
	free(text);

	unlink(good);
	unlink(bad);
	return test_done("test_foldrun");
}
