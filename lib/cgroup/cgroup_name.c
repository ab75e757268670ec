/* The cgroup name table; see cgroup_name.h. */
#include "cgroup/cgroup_name.h"

#include <stdio.h>
#include <string.h>

/* One path component: [P, P + N). */
struct comp {
	const char *p;
	size_t n;
};

static int is_hex_id(const char *p, size_t n)
{
	if (n != CGROUP_ID_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* A UUID, with '-' or (systemd's escaping in slice names) '_' between its
 * groups: 8-4-4-4-12 hex digits. */
static int is_uid(const char *p, size_t n)
{
	if (n != CGROUP_UID_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = p[i];

		if (dash ? (c != '-' && c != '_') :
			   !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

static int starts(struct comp c, const char *prefix)
{
	size_t k = strlen(prefix);

	return c.n >= k && memcmp(c.p, prefix, k) == 0;
}

static int ends(struct comp c, const char *suffix)
{
	size_t k = strlen(suffix);

	return c.n >= k && memcmp(c.p + c.n - k, suffix, k) == 0;
}

static int is(struct comp c, const char *s)
{
	return c.n == strlen(s) && memcmp(c.p, s, c.n) == 0;
}

/* The id in PREFIX-ID[SUFFIX] (SUFFIX ".scope" optional). */
static int prefixed_id(struct comp c, const char *prefix, int scope_only, char *out)
{
	size_t k = strlen(prefix);
	struct comp rest;

	if (!starts(c, prefix))
		return 0;
	rest = (struct comp){ c.p + k, c.n - k };
	if (ends(rest, ".scope"))
		rest.n -= 6;
	else if (scope_only)
		return 0;
	if (!is_hex_id(rest.p, rest.n))
		return 0;
	memcpy(out, rest.p, CGROUP_ID_LEN);
	out[CGROUP_ID_LEN] = '\0';
	return 1;
}

static void set_uid(struct cgroup_name *out, const char *p)
{
	for (int i = 0; i < CGROUP_UID_LEN; i++)
		out->pod_uid[i] = p[i] == '_' ? '-' : (p[i] >= 'A' && p[i] <= 'F') ? p[i] + 32 : p[i];
	out->pod_uid[CGROUP_UID_LEN] = '\0';
}

/* kubepods-[QOS-]podUID.slice (systemd driver) */
static int kube_slice(struct comp c, struct cgroup_name *out)
{
	static const char *const qos[] = { "burstable", "besteffort" };
	struct comp r;

	if (!starts(c, "kubepods-") || !ends(c, ".slice"))
		return 0;
	r = (struct comp){ c.p + 9, c.n - 9 - 6 };
	if (is(r, "burstable") || is(r, "besteffort")) {
		if (!out->qos)
			out->qos = is(r, "burstable") ? qos[0] : qos[1];
		return 1;
	}
	const char *q = NULL;
	for (int i = 0; i < 2; i++) {
		size_t k = strlen(qos[i]);
		if (r.n > k && memcmp(r.p, qos[i], k) == 0 && r.p[k] == '-') {
			q = qos[i];
			r.p += k + 1;
			r.n -= k + 1;
		}
	}
	if (!(r.n == 3 + CGROUP_UID_LEN && memcmp(r.p, "pod", 3) == 0 &&
	      is_uid(r.p + 3, CGROUP_UID_LEN)))
		return 0;
	if (!out->pod_uid[0]) {
		set_uid(out, r.p + 3);
		out->qos = q ? q : "guaranteed";
	}
	return 1;
}

static int split(const char *path, struct comp *c, int max)
{
	int n = 0;

	for (const char *p = path; *p && n < max;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		c[n++] = (struct comp){ p, len };
		p += len;
	}
	return n;
}

int cgroup_name_parse(const char *path, struct cgroup_name *out)
{
	struct comp c[64];
	int n = split(path ? path : "", c, 64), kube = -1;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++)
		if (is(c[i], "kubepods") || is(c[i], "kubepods.slice")) {
			kube = i;
			break;
		}
	for (int i = n - 1; i >= 0; i--) {
		struct comp x = c[i], up = i ? c[i - 1] : (struct comp){ "", 0 };
		char *id = out->container_id;
		int have = id[0] != '\0';

		if (!have && (prefixed_id(x, "docker-", 1, id) ||
			      (is(up, "docker") && is_hex_id(x.p, x.n) &&
			       prefixed_id(x, "", 0, id))))
			out->runtime = "docker";
		else if (!have && prefixed_id(x, "cri-containerd-", 1, id))
			out->runtime = "containerd";
		else if (!have && !starts(x, "crio-conmon-") && prefixed_id(x, "crio-", 0, id))
			out->runtime = "cri-o";
		else if (!have && !starts(x, "libpod-conmon-") && prefixed_id(x, "libpod-", 0, id))
			out->runtime = "podman";
		else if (!have && kube >= 0 && i > kube && is_hex_id(x.p, x.n) &&
			 prefixed_id(x, "", 0, id))
			out->runtime = "kubernetes";

		if (kube >= 0 && i >= kube) {
			if (kube_slice(x, out))
				continue;
			if (i > kube && !out->pod_uid[0] && x.n == 3 + CGROUP_UID_LEN &&
			    memcmp(x.p, "pod", 3) == 0 && is_uid(x.p + 3, CGROUP_UID_LEN)) {
				set_uid(out, x.p + 3);
				out->qos = i == kube + 1 ? "guaranteed" : NULL;
			}
			if (i == kube + 1 && (is(x, "burstable") || is(x, "besteffort")) &&
			    (!out->qos || out->pod_uid[0]))
				out->qos = is(x, "burstable") ? "burstable" : "besteffort";
		}
		/* The innermost .service; a scope only when no service lies
		 * below it and it is not a container's own. */
		if (!out->service[0] && x.n < sizeof(out->service) &&
		    (ends(x, ".service") ||
		     (ends(x, ".scope") && !have && !out->container_id[0] &&
		      !starts(x, "libpod-conmon-") && !starts(x, "crio-conmon-")))) {
			memcpy(out->service, x.p, x.n);
			out->service[x.n] = '\0';
		}
	}
	return out->container_id[0] || out->pod_uid[0] || out->service[0];
}

char *cgroup_name_short_id(const struct cgroup_name *n, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", CGROUP_SHORT_ID, n->container_id);
	return buf;
}
