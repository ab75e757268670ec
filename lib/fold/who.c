/* Who ran a sample; see who.h. */
#include "fold/who.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/intern.h"
#include "base/utf8.h"

#include "cgroup/cgroup_name.h"

/* A hierarchy's root cgroup: its kernfs root node, id 1. */
#define ROOT_ID 1

int who_cgroup(const struct psysfile_reader *r, uint32_t th, char *buf, size_t len)
{
	uint64_t cg2, cg1;
	const char *path;
	int hier;

	/* Chosen by the ids alone, so that a sample is always of the same
	 * cgroup whether or not its name survived. */
	psysfile_thread_cgroups(r, th, &cg2, &cg1);
	if (cg2 <= ROOT_ID && cg1 > ROOT_ID) {
		cg2 = cg1;
		hier = PSYSFILE_CGROUP_V1;
	} else {
		hier = PSYSFILE_CGROUP_V2;
	}
	if ((path = psysfile_cgroup_path(r, hier, cg2))) {
		snprintf(buf, len, "%s", path);
		return 1;
	}
	if (cg2) {
		snprintf(buf, len, "cgroup id %" PRIu64, cg2);
		return 0;
	}
	if (len)
		buf[0] = '\0';
	return -1;
}

void who_frame(const struct psysfile_reader *r, uint32_t th, enum who_kind kind, char *buf,
	       size_t len)
{
	char path[4096], id[CGROUP_SHORT_ID + 1];
	struct cgroup_name n;
	int k = who_cgroup(r, th, path, sizeof(path));

	if (kind == WHO_CGROUP) {
		if (k > 0)
			snprintf(buf, len, "cgroup %s", path);
		else
			snprintf(buf, len, "%s", k == 0 ? path : "[no cgroup]");
		return;
	}
	cgroup_name_parse(k > 0 ? path : "", &n);
	if (kind == WHO_CONTAINER && n.container_id[0])
		snprintf(buf, len, "container %s", cgroup_name_short_id(&n, id, sizeof(id)));
	else if (kind == WHO_SERVICE && n.service[0])
		snprintf(buf, len, "service %s", n.service);
	else
		snprintf(buf, len, "%s", kind == WHO_CONTAINER ? "[no container]" : "[no service]");
}

void who_labels(const struct psysfile_reader *r, uint32_t th, char *cgroup, size_t len,
		char *container, char *pod, char *service)
{
	struct cgroup_name n;
	int k = who_cgroup(r, th, cgroup, len);

	cgroup_name_parse(k > 0 ? cgroup : "", &n);
	snprintf(container, CGROUP_ID_LEN + 1, "%s", n.container_id);
	snprintf(pod, CGROUP_UID_LEN + 1, "%s", n.pod_uid);
	snprintf(service, sizeof(n.service), "%s", n.service);
}

static void seen(int *count, char *have, size_t len, const char *now, int first)
{
	if (first) {
		snprintf(have, len, "%s", now);
		*count = 1;
	} else if (*count == 1 && strcmp(have, now) != 0) {
		*count = 2;
	}
}

void who_note(struct who_seen *w, const struct psysfile_reader *r, uint32_t th)
{
	char cg[4096], ctr[65], pod[37], svc[256];

	if (w->last_thread == th + 1)
		return;
	w->last_thread = th + 1;
	who_labels(r, th, cg, sizeof(cg), ctr, pod, svc);
	seen(&w->containers, w->container, sizeof(w->container), ctr, !w->any);
	seen(&w->services, w->service, sizeof(w->service), svc, !w->any);
	w->any = 1;
}

int who_note_threads(struct who_seen *w, const struct psysfile_reader *r,
		     const uint32_t *threads, size_t n, size_t stride)
{
	uint32_t nt = psysfile_nthreads(r);
	uint8_t *used = calloc(nt ? nt : 1, 1);

	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t th = *(const uint32_t *)((const char *)threads + i * stride);
		if (th < nt)
			used[th] = 1;
	}
	for (uint32_t th = 0; th < nt; th++)
		if (used[th])
			who_note(w, r, th);
	free(used);
	return 0;
}

void who_merge(struct who_seen *a, const struct who_seen *b)
{
	if (!b->any)
		return;
	seen(&a->containers, a->container, sizeof(a->container), b->container, !a->any);
	seen(&a->services, a->service, sizeof(a->service), b->service, !a->any);
	if (b->containers > 1)
		a->containers = 2;
	if (b->services > 1)
		a->services = 2;
	a->any = 1;
}

char *who_one(const struct who_seen *w, char *buf, size_t len)
{
	if (w->any && w->containers == 1 && w->container[0])
		snprintf(buf, len, "container %.12s", w->container);
	else if (w->any && w->services == 1 && w->service[0])
		snprintf(buf, len, "service %s", w->service);
	else if (len)
		buf[0] = '\0';
	return buf;
}

struct cg_count {
	uint32_t id;		/* in the intern table of paths */
	uint64_t n;
};

static int by_count(const void *a, const void *b)
{
	const struct cg_count *x = a, *y = b;

	return x->n != y->n ? (x->n < y->n ? 1 : -1) : (x->id > y->id) - (x->id < y->id);
}

json_t *who_cgroups_json(const struct psysfile_reader *r, const uint64_t *per_thread,
			 size_t nthreads)
{
	struct intern paths = { 0 };
	struct cg_count *c = NULL;
	size_t cap = 0;
	json_t *a = json_array();
	char cg[4096];

	for (size_t th = 0; a && th < nthreads; th++) {
		int is_new;
		uint32_t id;

		if (!per_thread[th])
			continue;
		who_cgroup(r, (uint32_t)th, cg, sizeof(cg));
		if ((id = intern_add(&paths, cg, strlen(cg), &is_new)) == INTERN_NONE ||
		    buf_grow((void **)&c, &cap, paths.n, sizeof(*c))) {
			json_decref(a);
			a = NULL;
			break;
		}
		if (is_new)
			c[id] = (struct cg_count){ id, 0 };
		c[id].n += per_thread[th];
	}
	if (a && paths.n)
		qsort(c, paths.n, sizeof(*c), by_count);
	for (size_t i = 0; a && i < paths.n; i++) {
		struct cgroup_name n;
		size_t len;
		const char *p = intern_get(&paths, c[i].id, &len);
		json_t *o = json_object();

		snprintf(cg, sizeof(cg), "%.*s", (int)len, p);
		cgroup_name_parse(cg[0] == '/' ? cg : "", &n);
		if (!o || json_object_set_new(o, "cgroup", utf8_json(cg, strlen(cg))) ||
		    json_object_set_new(o, "samples", json_integer((json_int_t)c[i].n)) ||
		    (n.container_id[0] &&
		     json_object_set_new(o, "container_id", json_string(n.container_id))) ||
		    (n.pod_uid[0] && json_object_set_new(o, "pod_uid", json_string(n.pod_uid))) ||
		    (n.service[0] &&
		     json_object_set_new(o, "service", utf8_json(n.service, strlen(n.service)))) ||
		    json_array_append_new(a, o)) {
			json_decref(o);
			json_decref(a);
			a = NULL;
		}
	}
	intern_free(&paths);
	free(c);
	return a;
}
