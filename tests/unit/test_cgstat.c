/* Tests for lib/watch/cgstat.c: which hierarchy mountinfo gives (hybrid,
 * pure v2, pure v1, escapes, mount roots), and the walk over a hand-made
 * cgroup tree in a scratch folder: leaves only, figures from the counters
 * of two polls, cgroups that appear, vanish, come back under the same
 * name or gain children, counters that go back, hostile names, the
 * regular expression, and each file format (v2 cpu.stat, v1
 * cpuacct.usage_percpu_sys, v1 cpuacct.stat). */
#include "watch/cgstat.h"
#include "watch/trigger.h"
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/psys-test-cgstat.XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	CHECK(f != NULL, "write %s", p);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void mk(const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	CHECK(mkdir(p, 0755) == 0, "mkdir %s", p);
}

static void rm(const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	CHECK(remove(p) == 0, "remove %s", p);
}

/* v2 cpu.stat of a cgroup with SYS_US of system time. */
static void v2(const char *cg, unsigned long long sys_us)
{
	char rel[4096], text[256];

	snprintf(rel, sizeof(rel), "%s/cpu.stat", cg);
	snprintf(text, sizeof(text), "usage_usec %llu\nuser_usec 5\nsystem_usec %llu\n"
		 "nice_usec 0\n", sys_us + 5, sys_us);
	put(rel, text);
}

static void test_find(void)
{
	static const struct {
		const char *name, *mountinfo, *controllers, *want;
		int err;
		const char *hier, *mount, *root;
	} cases[] = {
		{ "hybrid, v2 without cpu: cpuacct",
		  "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
		  "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		  "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpuacct\n"
		  "41 31 0:38 / @/u rw,relatime - cgroup2 cgroup2 rw\n",
		  "memory pids\n", NULL, 0, "cpuacct", "/sys/fs/cgroup/cpuacct", "" },
		{ "hybrid, asked for v2",
		  "33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
		  "41 31 0:38 / @/u rw - cgroup2 cgroup2 rw\n",
		  "memory\n", "v2", 0, "v2", "@/u", "" },
		{ "v2 with the cpu controller wins",
		  "33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
		  "41 31 0:38 / @/u rw - cgroup2 cgroup2 rw,nsdelegate\n",
		  "cpuset cpu io memory\n", NULL, 0, "v2", "@/u", "" },
		{ "pure v2",
		  "24 1 0:22 / @/u rw,nosuid - cgroup2 cgroup2 rw\n", "", NULL, 0, "v2", "@/u", "" },
		{ "pure v1, cpu and cpuacct mounted together, escaped space",
		  "25 24 0:23 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
		  "26 24 0:24 / /sys/fs/cgroup/my\\040acct rw - cgroup cgroup rw,cpuacct\n", "",
		  NULL, 0, "cpuacct", "/sys/fs/cgroup/cpu,cpuacct", "" },
		{ "v1 cpuacct_x is not cpuacct; a bind of the root is preferred",
		  "25 24 0:23 / /a rw - cgroup cgroup rw,cpuacct_x\n"
		  "26 24 0:24 /docker/ab /b rw - cgroup cgroup rw,cpuacct\n"
		  "27 24 0:24 / /c rw - cgroup cgroup rw,cpuacct\n", "",
		  NULL, 0, "cpuacct", "/c", "" },
		{ "inside a container: the mount's root goes before paths",
		  "26 24 0:24 /docker/ab /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n", "",
		  NULL, 0, "cpuacct", "/sys/fs/cgroup/cpuacct", "/docker/ab" },
		{ "no cgroup at all", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "", NULL, -ENOENT,
		  NULL, NULL, NULL },
		{ "no v2 when asked", "33 31 0:30 / /x rw - cgroup cgroup rw,cpuacct\n", "", "v2",
		  -ENOENT, NULL, NULL, NULL },
		{ "unknown hierarchy asked", "", "", "cpu", -EINVAL, NULL, NULL, NULL },
		{ "malformed lines skipped",
		  "garbage\n1 2 3 - cgroup2\n41 31 0:38 / @/u rw - cgroup2 cgroup2 rw\n", "", NULL,
		  0, "v2", "@/u", "" },
	};
	char mi[4096], ctl[4096];

	snprintf(mi, sizeof(mi), "%s/mountinfo", dir);
	mk("u");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cgstat_hier h;
		char text[2048], *at;
		int err;

		/* "@" stands for the scratch folder, where cgroup.controllers is. */
		snprintf(text, sizeof(text), "%s", cases[i].mountinfo);
		while ((at = strchr(text, '@'))) {
			char rest[2048];

			snprintf(rest, sizeof(rest), "%s", at + 1);
			snprintf(at, sizeof(text) - (size_t)(at - text), "%s%s", dir, rest);
		}
		put("mountinfo", text);
		put("u/cgroup.controllers", cases[i].controllers);
		err = cgstat_hier_find(mi, cases[i].want, &h);
		CHECK(err == cases[i].err, "%s: got %d want %d", cases[i].name, err, cases[i].err);
		if (!err && cases[i].hier) {
			char want_mount[4096];

			snprintf(want_mount, sizeof(want_mount), "%s%s",
				 cases[i].mount[0] == '@' ? dir : "",
				 cases[i].mount + (cases[i].mount[0] == '@'));
			CHECK(!strcmp(h.name, cases[i].hier) && !strcmp(h.mount, want_mount) &&
			      !strcmp(h.root, cases[i].root) &&
			      h.kind == (strcmp(cases[i].hier, "v2") ? CGSTAT_CPUACCT : CGSTAT_V2),
			      "%s: %s at '%s' root '%s'", cases[i].name, h.name, h.mount, h.root);
		}
		cgstat_hier_free(&h);
	}
	snprintf(ctl, sizeof(ctl), "%s/nothing/mountinfo", dir);
	struct cgstat_hier h;
	CHECK(cgstat_hier_find(ctl, NULL, &h) == -ENOENT, "missing mountinfo file");
	rm("u/cgroup.controllers");
	rm("u");
	rm("mountinfo");
}

/* The figure of PATH in the last poll, or NAN. */
static double fig(struct cgstat *cs, int64_t dt, const char *path)
{
	struct cgstat_figure *f = NULL;
	size_t cap = 0;
	double v = NAN;
	int n = cgstat_figures(cs, dt, &f, &cap);

	for (int i = 0; i < n; i++)
		if (!strcmp(f[i].path, path) && f[i].len == strlen(path))
			v = f[i].sys_pct;
	free(f);
	return v;
}

static int nfig(struct cgstat *cs)
{
	struct cgstat_figure *f = NULL;
	size_t cap = 0;
	int n = cgstat_figures(cs, 1000000000, &f, &cap);

	free(f);
	return n;
}

static struct cgstat_hier hier(enum cgstat_kind kind, const char *root)
{
	struct cgstat_hier h = { kind, "v2", strdup(dir), strdup(root) };

	if (kind == CGSTAT_CPUACCT)
		snprintf(h.name, sizeof(h.name), "cpuacct");
	return h;
}

#define HOSTILE "<script>; a b\nc\xff"

static void test_walk_v2(int max_fds)
{
	struct cgstat cs;
	struct cgstat_hier h = hier(CGSTAT_V2, "");
	const int64_t dt = 1000000000;	/* 1 s */

	v2(".", 0);
	mk("a");
	v2("a", 0);
	mk("a/x");
	v2("a/x", 1000);
	mk("b");
	v2("b", 2000);
	mk(HOSTILE);
	v2(HOSTILE, 0);
	CHECK(cgstat_init(&cs, &h, NULL, max_fds) == 0, "init");
	CHECK(cgstat_poll(&cs) == 3, "three leaves read: a/x, b, the hostile one");
	CHECK(nfig(&cs) == 0, "first poll: baselines only");

	v2("a", 999999);	/* not a leaf: never read */
	v2("a/x", 1000 + 500000);	/* 50% of a CPU */
	v2("b", 2000 + 2500000);	/* 250%: several CPUs */
	v2(HOSTILE, 630000);
	CHECK(cgstat_poll(&cs) == 3, "poll 2");
	CHECK(fabs(fig(&cs, dt, "/a/x") - 50) < 1e-9, "a/x: %g", fig(&cs, dt, "/a/x"));
	CHECK(fabs(fig(&cs, dt, "/b") - 250) < 1e-9, "b: %g", fig(&cs, dt, "/b"));
	CHECK(fabs(fig(&cs, dt, "/" HOSTILE) - 63) < 1e-9, "hostile: %g",
	      fig(&cs, dt, "/" HOSTILE));
	CHECK(isnan(fig(&cs, dt, "/a")) && nfig(&cs) == 3, "a parent has no figure");
	CHECK(fabs(fig(&cs, dt / 2, "/a/x") - 100) < 1e-9, "half the time, twice the share");

	/* The gate picks, hottest first, and the names come out repaired. */
	struct trigger t = { 0 };
	CHECK(cgstat_hot(&cs, dt, 60, &t) == 2 && trigger_is_cgroup(&t) && t.ncgroups == 2 &&
	      !strcmp(t.cgroups[0].path, "/b") && !strcmp(t.cgroups[0].hier, "v2") &&
	      !strcmp(t.cgroups[1].path, "/<script>; a b\nc\xef\xbf\xbd"),
	      "hot: %d, first '%s'", t.ncgroups, t.ncgroups ? t.cgroups[0].path : "");
	trigger_free(&t);
	CHECK(cgstat_hot(&cs, dt, 251, &t) == 0 && !t.ncgroups && !trigger_is_cgroup(&t),
	      "none above the gate");
	trigger_free(&t);

	/* b vanishes, e appears, the hostile one's counter goes back. */
	rm("b/cpu.stat");
	rm("b");
	mk("e");
	v2("e", 7);
	v2(HOSTILE, 10);
	v2("a/x", 1000 + 500000 + 100000);
	CHECK(cgstat_poll(&cs) == 3, "poll 3: a/x, e, hostile");
	CHECK(isnan(fig(&cs, dt, "/b")) && isnan(fig(&cs, dt, "/e")), "b gone, e new");
	CHECK(isnan(fig(&cs, dt, "/" HOSTILE)), "a counter that went back has no figure");
	CHECK(fabs(fig(&cs, dt, "/a/x") - 10) < 1e-9, "a/x goes on: %g", fig(&cs, dt, "/a/x"));

	/* b again, under its old name: a new cgroup, a baseline, even though
	 * its counter is above the old b's. */
	mk("b");
	v2("b", 9000000);
	CHECK(cgstat_poll(&cs) == 4, "poll 4");
	CHECK(isnan(fig(&cs, dt, "/b")), "b is new again: %g", fig(&cs, dt, "/b"));
	CHECK(fabs(fig(&cs, dt, "/" HOSTILE)) < 1e-9, "the hostile one has a baseline again");

	/* A cgroup gone between listing and read (its file removed first)
	 * is skipped, not an error; a file kept open reads on here (tmpfs),
	 * where cgroupfs would say ENODEV (the e2e tests see that). */
	rm("e/cpu.stat");
	CHECK(cgstat_poll(&cs) == (max_fds ? 4 : 3), "poll 5: e unreadable, skipped");
	CHECK(max_fds || isnan(fig(&cs, dt, "/e")), "e skipped");
	rm("e");

	/* b gains a child: within CGSTAT_RECHECK polls the child is the
	 * leaf watched, b no longer. */
	mk("b/k");
	v2("b/k", 0);
	int polls = 0;
	while (polls < 9 && !isnan(fig(&cs, dt, "/b") + 0 * cgstat_poll(&cs)))
		polls++;
	CHECK(polls < 9, "b still watched as a leaf after %d polls", polls);
	cgstat_poll(&cs);
	CHECK(!isnan(fig(&cs, dt, "/b/k")) && isnan(fig(&cs, dt, "/b")), "b/k watched");
	CHECK(cs.open_fds <= max_fds, "fd budget: %d open of %d", cs.open_fds, max_fds);

	/* The root itself is never a cgroup of its own. */
	CHECK(isnan(fig(&cs, dt, "/")) && isnan(fig(&cs, dt, "")), "no root figure");
	cgstat_free(&cs);
	cgstat_free(&cs);
	cgstat_free(NULL);

	/* The expression narrows; paths carry the mount's root. */
	regex_t re;
	CHECK(regcomp(&re, "^/in/.*x$", REG_EXTENDED | REG_NOSUB) == 0, "regcomp");
	h = hier(CGSTAT_V2, "/in");
	CHECK(cgstat_init(&cs, &h, &re, max_fds) == 0, "init with a match");
	CHECK(cgstat_poll(&cs) == 1, "one leaf matches");
	v2("a/x", 2000000);
	CHECK(cgstat_poll(&cs) == 1 && nfig(&cs) == 1 && !isnan(fig(&cs, dt, "/in/a/x")),
	      "matched: /in/a/x");
	cgstat_free(&cs);
	regfree(&re);

	rm("b/k/cpu.stat");
	rm("b/k");
	rm("b/cpu.stat");
	rm("b");
	rm("a/x/cpu.stat");
	rm("a/x");
	rm("a/cpu.stat");
	rm("a");
	rm(HOSTILE "/cpu.stat");
	rm(HOSTILE);
	rm("cpu.stat");
}

static void test_v1(void)
{
	struct cgstat cs;
	struct cgstat_hier h = hier(CGSTAT_CPUACCT, "");
	long hz = sysconf(_SC_CLK_TCK);
	char text[64];

	/* Per-CPU ns, summed. */
	put("cpuacct.usage_percpu_sys", "0 0 \n");
	mk("c");
	put("c/cpuacct.usage_percpu_sys", "100 200 300 \n");
	CHECK(cgstat_init(&cs, &h, NULL, 16) == 0 && !cs.v1_ticks, "init percpu");
	CHECK(cgstat_poll(&cs) == 1, "percpu poll 1");
	put("c/cpuacct.usage_percpu_sys", "400000100 200 500000300 \n");
	CHECK(cgstat_poll(&cs) == 1, "percpu poll 2");
	CHECK(fabs(fig(&cs, 1000000000, "/c") - 90) < 1e-9, "percpu: %g",
	      fig(&cs, 1000000000, "/c"));
	put("c/cpuacct.usage_percpu_sys", "garbage\n");
	CHECK(cgstat_poll(&cs) == 0, "a file that does not parse is skipped");
	cgstat_free(&cs);
	rm("c/cpuacct.usage_percpu_sys");
	rm("cpuacct.usage_percpu_sys");

	/* Older kernels: cpuacct.stat in USER_HZ ticks. */
	h = hier(CGSTAT_CPUACCT, "");
	put("cpuacct.stat", "user 0\nsystem 0\n");
	put("c/cpuacct.stat", "user 5\nsystem 10\n");
	CHECK(cgstat_init(&cs, &h, NULL, 0) == 0 && cs.v1_ticks, "init ticks");
	CHECK(cgstat_poll(&cs) == 1, "ticks poll 1");
	snprintf(text, sizeof(text), "user 5\nsystem %ld\n", 10 + hz / 4);
	put("c/cpuacct.stat", text);
	CHECK(cgstat_poll(&cs) == 1, "ticks poll 2");
	CHECK(fabs(fig(&cs, 1000000000, "/c") - 25) < 1e-6, "ticks: %g",
	      fig(&cs, 1000000000, "/c"));
	CHECK(cs.open_fds == 0, "budget 0 keeps nothing open");
	cgstat_free(&cs);
	rm("c/cpuacct.stat");
	rm("c");
	rm("cpuacct.stat");

	/* A root without any file to read: not a cgroup hierarchy. */
	h = hier(CGSTAT_CPUACCT, "");
	CHECK(cgstat_init(&cs, &h, NULL, 0) == -ENOTSUP, "nothing to read");
	cgstat_free(&cs);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_find();
	test_walk_v2(64);
	test_walk_v2(0);
	test_v1();
	rmdir(dir);
	return test_done("test_cgstat");
}
