/* Tests for lib/record/outdir.c: what names a file and what a directory;
 * a missing directory made private; a symlink and a world-writable
 * directory without the sticky bit refused; a taken name gets _1; -o -
 * leaves no file and no folder behind; retention deletes the oldest
 * captures (and their .svg) and nothing that psys-record did not name. */
#include "record/outdir.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static char top[] = "/tmp/psys-outdir-XXXXXX";

static void touch(const char *dir, const char *name, int age_s, size_t size)
{
	char path[512];
	struct timeval tv[2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "make %s", path);
	if (fd < 0)
		return;
	CHECK(ftruncate(fd, (off_t)size) == 0, "size %s", path);
	close(fd);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= age_s;
	tv[1] = tv[0];
	utimes(path, tv);
}

static int exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void test_names(void)
{
	CHECK(outdir_is_file_name("x.psys"), "x.psys");
	CHECK(outdir_is_file_name("/a/b/c.psys"), "path");
	CHECK(!outdir_is_file_name(".psys"), ".psys alone is no name");
	CHECK(!outdir_is_file_name("dir"), "dir");
	CHECK(!outdir_is_file_name("x.psys/"), "x.psys/ is a directory");
	CHECK(!outdir_is_file_name("-"), "-");
}

static void test_open(void)
{
	struct outdir o;
	char dir[512], link[512], open_dir[512], why[512];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/new", top);
	outdir_init(&o, dir);
	CHECK(outdir_open(&o, why, sizeof(why)) == 0, "new dir: %s", why);
	CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
	      "made 0700");
	outdir_close(&o, NULL);

	snprintf(link, sizeof(link), "%s/link", top);
	CHECK(symlink(dir, link) == 0, "symlink");
	outdir_init(&o, link);
	int rc = outdir_open(&o, why, sizeof(why));
	CHECK(rc == -ELOOP || rc == -ENOTDIR, "symlink refused: %d", rc);
	CHECK(strstr(why, "not a directory (a symlink?)") != NULL, "says why: %s", why);

	snprintf(open_dir, sizeof(open_dir), "%s/open", top);
	CHECK(mkdir(open_dir, 0777) == 0 && chmod(open_dir, 0777) == 0, "world-writable");
	outdir_init(&o, open_dir);
	CHECK(outdir_open(&o, why, sizeof(why)) == -EPERM, "world-writable refused");
	CHECK(strstr(why, "no sticky bit") != NULL, "says why: %s", why);
	CHECK(chmod(open_dir, 01777) == 0, "sticky");
	outdir_init(&o, open_dir);
	CHECK(outdir_open(&o, why, sizeof(why)) == 0, "sticky accepted: %s", why);
	outdir_close(&o, NULL);
}

static void test_create(void)
{
	struct outdir o;
	struct psysfile_writer *w = NULL;
	json_t *h = json_pack("{s:s}", "format", "psys");
	char dir[512], path[600], why[512];
	int tee = -1;
	/* 2026-11-26 10:15:04 UTC; the name is in local time, so only its
	 * shape and the _1 are checked. */
	int64_t when = 1795684504000000000;

	snprintf(dir, sizeof(dir), "%s/caps", top);
	outdir_init(&o, dir);
	CHECK(outdir_open(&o, why, sizeof(why)) == 0, "open: %s", why);
	CHECK(outdir_create(&o, when, h, NULL, NULL, &w, &tee, path, sizeof(path), NULL) == 0,
	      "first");
	psysfile_writer_free(w);
	size_t n = strlen(path);
	CHECK(n > 20 && strcmp(path + n - 5, ".psys") == 0 && path[n - 12] == '_' &&
	      strncmp(path, dir, strlen(dir)) == 0, "named by time: %s", path);
	CHECK(outdir_create(&o, when, h, NULL, NULL, &w, &tee, path, sizeof(path), NULL) == 0,
	      "second");
	psysfile_writer_free(w);
	n = strlen(path);
	CHECK(n > 7 && strcmp(path + n - 7, "_1.psys") == 0, "taken: _1: %s", path);
	CHECK(tee == -1, "no tee for a directory");
	outdir_close(&o, NULL);

	/* -o -: an unlinked file in a private folder, both gone at once. */
	setenv("TMPDIR", top, 1);
	outdir_init(&o, "-");
	CHECK(o.to_stdout, "- is standard output");
	CHECK(outdir_open(&o, why, sizeof(why)) == 0, "private folder: %s", why);
	char tmp[sizeof(o.tmpdir)];
	snprintf(tmp, sizeof(tmp), "%s", o.tmpdir);
	struct stat st;
	CHECK(stat(tmp, &st) == 0 && (st.st_mode & 0777) == 0700, "private folder 0700");
	CHECK(outdir_create(&o, when, h, NULL, NULL, &w, &tee, path, sizeof(path), NULL) == 0,
	      "stdout capture");
	CHECK_STR(path, "standard output", "called");
	CHECK(tee >= 0, "tee fd");
	CHECK(access(tmp, F_OK) != 0, "private folder removed");
	/* What the writer wrote reads back through the tee. */
	uint64_t done = 0;
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(psysfile_flush(w) == 0, "flush");
	uint64_t bytes = psysfile_bytes(w);
	CHECK(bytes > 0 && outdir_stream(tee, &done, bytes, p[1]) == 0 && done == bytes,
	      "streamed %llu of %llu", (unsigned long long)done, (unsigned long long)bytes);
	char magic[4] = "";
	CHECK(read(p[0], magic, 4) == 4, "read back");
	close(p[0]);
	close(p[1]);
	close(tee);
	psysfile_writer_free(w);
	outdir_close(&o, NULL);
	json_decref(h);
}

static void test_retain(void)
{
	struct outdir o;
	char dir[512], why[512];

	snprintf(dir, sizeof(dir), "%s/ret", top);
	outdir_init(&o, dir);
	CHECK(outdir_open(&o, why, sizeof(why)) == 0, "open: %s", why);
	touch(dir, "20261126_100000.psys", 50, 100);
	touch(dir, "20261126_100000.svg", 50, 10);
	touch(dir, "20261126_100001_1.psys", 40, 100);
	touch(dir, "20261126_100002.psys", 30, 100);
	touch(dir, "20261126_100003.psys", 20, 100);
	touch(dir, "20261126_100004.psys", 10, 100);
	touch(dir, "notes.psys", 60, 100);		/* not named by psys-record */
	touch(dir, "20261126_10000.psys", 60, 100);	/* one digit short */

	outdir_retain(&o, 3, UINT64_MAX, 0, 0, NULL);
	CHECK(!exists(dir, "20261126_100000.psys") && !exists(dir, "20261126_100000.svg"),
	      "oldest and its svg deleted");
	CHECK(!exists(dir, "20261126_100001_1.psys"), "second oldest deleted");
	CHECK(exists(dir, "20261126_100002.psys") && exists(dir, "20261126_100004.psys"),
	      "newest three kept");
	CHECK(exists(dir, "notes.psys") && exists(dir, "20261126_10000.psys"),
	      "other files untouched");
	/* Room for one more: two kept. */
	outdir_retain(&o, 3, UINT64_MAX, 1, 0, NULL);
	CHECK(!exists(dir, "20261126_100002.psys") && exists(dir, "20261126_100003.psys"),
	      "reserve makes room");
	/* By size: the newest is kept whatever its size. */
	outdir_retain(&o, 100, 50, 0, 0, NULL);
	CHECK(!exists(dir, "20261126_100003.psys") && exists(dir, "20261126_100004.psys"),
	      "over max_bytes: all but the newest deleted");
	outdir_close(&o, NULL);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	test_names();
	test_open();
	test_create();
	test_retain();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", top);
	return test_done("test_outdir");
}
