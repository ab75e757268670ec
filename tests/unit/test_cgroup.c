/* Tests for lib/cgroup: the name table (table-driven, one row per runtime
 * layout and the traps beside them), mountinfo parsing, and the id-to-path
 * cache over a hand-made tree and /proc whose "ids" are the directories'
 * real inode numbers. */
#include "cgroup/cgroup_name.h"
#include "cgroup/cgroup_path.h"
#include "test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "1c2f5d3e-7a8b-4c9d-8e0f-123456789abc"
#define UIDU "1c2f5d3e_7a8b_4c9d_8e0f_123456789abc"

static const struct {
	const char *path;
	const char *id, *runtime, *pod, *qos, *service;
} names[] = {
	/* docker, both drivers */
	{ "/system.slice/docker-" ID ".scope", ID, "docker", "", NULL, "" },
	{ "/docker/" ID, ID, "docker", "", NULL, "" },
	/* containerd / CRI under Kubernetes, systemd driver */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
	  ".slice/cri-containerd-" ID ".scope", ID, "containerd", UID, "burstable", "" },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDU
	  ".slice/crio-" ID ".scope", ID, "cri-o", UID, "besteffort", "" },
	{ "/kubepods.slice/kubepods-pod" UIDU ".slice/cri-containerd-" ID ".scope", ID,
	  "containerd", UID, "guaranteed", "" },
	/* Kubernetes, cgroupfs driver */
	{ "/kubepods/besteffort/pod" UID "/" ID, ID, "kubernetes", UID, "besteffort", "" },
	{ "/kubepods/burstable/pod" UID "/" ID, ID, "kubernetes", UID, "burstable", "" },
	{ "/kubepods/pod" UID "/" ID, ID, "kubernetes", UID, "guaranteed", "" },
	{ "/kubepods/burstable/pod" UID, "", NULL, UID, "burstable", "" },
	/* podman, both managers; conmon is not the container */
	{ "/machine.slice/libpod-" ID ".scope", ID, "podman", "", NULL, "" },
	{ "/libpod_parent/libpod-" ID, ID, "podman", "", NULL, "" },
	{ "/machine.slice/libpod-conmon-" ID ".scope", "", NULL, "", NULL, "" },
	{ "/kubepods.slice/crio-conmon-" ID ".scope", "", NULL, "", NULL, "" },
	/* systemd */
	{ "/system.slice/nginx.service", "", NULL, "", NULL, "nginx.service" },
	{ "/user.slice/user-1000.slice/user@1000.service", "", NULL, "", NULL,
	  "user@1000.service" },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service", "", NULL, "",
	  NULL, "foo.service" },
	{ "/user.slice/user-1000.slice/session-3.scope", "", NULL, "", NULL, "session-3.scope" },
	{ "/system.slice/containerd.service/kubepods-x", "", NULL, "", NULL,
	  "containerd.service" },
	/* Near misses: ids of the wrong length or case, a pod UID of the
	 * wrong shape, a "docker" that is not the parent. */
	{ "/docker/" "0123456789abcdef", "", NULL, "", NULL, "" },
	{ "/docker-" "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" ".scope",
	  "", NULL, "", NULL, "docker-0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF.scope" },
	{ "/kubepods/burstable/podnotauid", "", NULL, "", "burstable", "" },
	{ "/x/" ID, "", NULL, "", NULL, "" },
	{ "/", "", NULL, "", NULL, "" },
	{ "", "", NULL, "", NULL, "" },
	{ "/<script>;a b\n", "", NULL, "", NULL, "" },
};

static void test_names(void)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct cgroup_name n;
		char ctx[64], s[16];
		int any = cgroup_name_parse(names[i].path, &n);

		snprintf(ctx, sizeof(ctx), "names[%zu]", i);
		CHECK_STR(n.container_id, names[i].id, ctx);
		CHECK((n.runtime == NULL) == (names[i].runtime == NULL) &&
		      (!n.runtime || strcmp(n.runtime, names[i].runtime) == 0),
		      "%s: runtime %s", ctx, n.runtime ? n.runtime : "(none)");
		CHECK_STR(n.pod_uid, names[i].pod, ctx);
		CHECK((n.qos == NULL) == (names[i].qos == NULL) &&
		      (!n.qos || strcmp(n.qos, names[i].qos) == 0), "%s: qos %s", ctx,
		      n.qos ? n.qos : "(none)");
		CHECK_STR(n.service, names[i].service, ctx);
		CHECK(any == (names[i].id[0] || names[i].pod[0] || names[i].service[0]),
		      "%s: found %d", ctx, any);
		cgroup_name_short_id(&n, s, sizeof(s));
		CHECK(strlen(s) == (n.container_id[0] ? 12u : 0u) &&
		      strncmp(s, n.container_id, strlen(s)) == 0, "%s: short id '%s'", ctx, s);
	}
}

static void test_mounts(void)
{
	/* Hybrid, as on this project's VM: cpu and cpuacct apart. */
	const char *hybrid =
		"25 30 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
		"26 25 0:23 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu\n"
		"27 25 0:24 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
		"28 25 0:25 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
		"29 25 0:26 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n";
	/* Joined cpu,cpuacct; a space in the mount point, escaped. */
	const char *joined =
		"26 25 0:23 / /sys/fs/cgroup/cpu\\040acct rw - cgroup cgroup rw,cpu,cpuacct\n"
		"27 25 0:23 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct\n";
	const char *v2 = "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev - cgroup2 cgroup2 rw,nsdelegate\n";
	const char *cpuonly = "26 25 0:23 / /c rw - cgroup cgroup rw,cpu\n";
	const char *none = "22 1 8:1 / / rw - ext4 /dev/vda rw\nbroken line\n\n";
	struct cgroup_mounts m;

	CHECK(cgroup_mounts_parse(hybrid, strlen(hybrid), &m) == 0, "hybrid parses");
	CHECK_STR(m.v2, "/sys/fs/cgroup/unified", "hybrid v2");
	CHECK_STR(m.v1, "/sys/fs/cgroup/cpuacct", "hybrid v1");
	CHECK_STR(m.v1_controller, "cpuacct", "hybrid v1 controller");
	CHECK(cgroup_mounts_parse(joined, strlen(joined), &m) == 0, "joined parses");
	CHECK_STR(m.v1, "/sys/fs/cgroup/cpu acct", "escaped mount point, first mount");
	CHECK_STR(m.v2, "", "no v2");
	CHECK(cgroup_mounts_parse(v2, strlen(v2), &m) == 0 && !strcmp(m.v2, "/sys/fs/cgroup") &&
	      !m.v1[0] && !m.v1_controller[0], "pure v2");
	CHECK(cgroup_mounts_parse(cpuonly, strlen(cpuonly), &m) == 0 &&
	      !strcmp(m.v1_controller, "cpu") && !strcmp(m.v1, "/c"), "cpu without cpuacct");
	CHECK(cgroup_mounts_parse(none, strlen(none), &m) == -ENOENT, "no cgroups: -ENOENT");
}

static uint64_t ino(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The cache over a tree in a scratch folder: "ids" are inode numbers,
 * as a cgroup's id is its directory's inode. */
static void test_cache(void)
{
	char top[] = "/tmp/psys-cgtest.XXXXXX", p[512], q[512];
	struct cgroup_mounts m = { 0 };
	struct cgroup_paths *c;

	if (!mkdtemp(top)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(m.v2, sizeof(m.v2), "%s/v2", top);
	snprintf(m.v1, sizeof(m.v1), "%s/v1", top);
	snprintf(m.v1_controller, sizeof(m.v1_controller), "cpuacct");
	snprintf(m.v2_root, sizeof(m.v2_root), "/");
	snprintf(m.v1_root, sizeof(m.v1_root), "/");
	snprintf(p, sizeof(p), "%s/v2", top); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/v2/a", top); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/v2/a/b;<x> y", top); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/v2/gone", top); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/v1", top); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/v1/svc.service", top); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/proc", top); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/proc/42", top); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/proc/42/cgroup", top);
	put_file(p, "3:cpu:/\n2:cpuacct:/svc.service\n0::/a\n");
	snprintf(p, sizeof(p), "%s/proc/43", top); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/proc/43/cgroup", top);
	/* /proc says one thing, the inode another: not believed. */
	put_file(p, "0::/a\n");

	snprintf(p, sizeof(p), "%s/v2/a", top);
	uint64_t id_a = ino(p);
	snprintf(p, sizeof(p), "%s/v2/a/b;<x> y", top);
	uint64_t id_b = ino(p);
	snprintf(p, sizeof(p), "%s/v1/svc.service", top);
	uint64_t id_s = ino(p);
	snprintf(p, sizeof(p), "%s/v2/gone", top);
	uint64_t id_gone = ino(p);
	snprintf(p, sizeof(p), "%s/proc", top);
	c = cgroup_paths_new(&m, p);
	CHECK(c != NULL, "cache");
	if (!c)
		return;
	CHECK(cgroup_paths_see(c, CGROUP_V2, id_a, 42) == 0, "see a");
	CHECK(cgroup_paths_see(c, CGROUP_V1, id_s, 42) == 0, "see svc");
	CHECK(cgroup_paths_lookup(c, CGROUP_V2, id_a) &&
	      !strcmp(cgroup_paths_lookup(c, CGROUP_V2, id_a), "/a"), "a named from /proc");
	CHECK(cgroup_paths_lookup(c, CGROUP_V1, id_s) &&
	      !strcmp(cgroup_paths_lookup(c, CGROUP_V1, id_s), "/svc.service"),
	      "svc named from /proc's cpuacct line");
	CHECK(cgroup_paths_lookup(c, CGROUP_V1, id_a) == NULL, "hierarchies apart");
	/* Thread 43's /proc names /a for id_b: refused; the walk names it. */
	cgroup_paths_see(c, CGROUP_V2, id_b, 43);
	CHECK(cgroup_paths_lookup(c, CGROUP_V2, id_b) == NULL, "a wrong /proc path is refused");
	/* A cgroup removed before it was looked for stays unnamed. */
	snprintf(q, sizeof(q), "%s/v2/gone", top);
	rmdir(q);
	cgroup_paths_see(c, CGROUP_V2, id_gone, 0);
	cgroup_paths_see(c, CGROUP_V2, 999999999999ull, 0);
	CHECK(cgroup_paths_refresh(c) == 2, "two given up on");
	CHECK(cgroup_paths_lookup(c, CGROUP_V2, id_b) &&
	      !strcmp(cgroup_paths_lookup(c, CGROUP_V2, id_b), "/a/b;<x> y"),
	      "named by the walk, name intact");
	CHECK(cgroup_paths_lookup(c, CGROUP_V2, id_gone) == NULL, "removed: unnamed");
	/* Once named, a cgroup keeps its name after it is removed. */
	snprintf(q, sizeof(q), "%s/v2/a/b;<x> y", top);
	rmdir(q);
	CHECK(cgroup_paths_lookup(c, CGROUP_V2, id_b) != NULL, "name kept after removal");
	cgroup_paths_see(c, CGROUP_V2, id_gone, 0);
	CHECK(cgroup_paths_refresh(c) == 0 && cgroup_paths_stats(c)->walks == 1,
	      "an id given up on is not walked for again");
	CHECK(cgroup_paths_stats(c)->named_proc == 2 && cgroup_paths_stats(c)->named_walk == 1,
	      "stats");
	cgroup_paths_free(c);
	snprintf(q, sizeof(q), "rm -rf '%s'", top);
	if (system(q))
		CHECK(0, "cleanup");
}

int main(void)
{
	test_names();
	test_mounts();
	test_cache();
	return test_done("test_cgroup");
}
