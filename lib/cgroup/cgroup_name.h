/* Names people use for a cgroup, derived from its path by one table:
 * the container id (docker, containerd/CRI, CRI-O, podman), the
 * Kubernetes pod UID and QoS class, and the systemd unit. The table, in
 * the order it is tried on each path component from the leaf up:
 *
 *   component                               gives
 *   docker-ID.scope                         container ID (docker)
 *   ID below a component "docker"           container ID (docker)
 *   cri-containerd-ID.scope                 container ID (containerd)
 *   crio-ID.scope, crio-ID                  container ID (cri-o)
 *   libpod-ID.scope, libpod-ID              container ID (podman)
 *   ID below a kubepods pod component       container ID (kubernetes)
 *   kubepods[-QOS]-podUID.slice             pod UID (with '_' read as '-')
 *   podUID below kubepods[/QOS]             pod UID
 *   kubepods-QOS.slice, kubepods/QOS        QoS: burstable, besteffort;
 *                                           a pod directly under kubepods
 *                                           is guaranteed
 *   NAME.service                            service NAME.service (the
 *                                           innermost one)
 *   NAME.scope (not a container's)          service NAME.scope, when no
 *                                           .service lies below it
 *
 * ID is 64 lower-case hex digits; UID is a 36-character UUID. Conmon's
 * scopes (libpod-conmon-ID.scope, crio-conmon-ID.scope) are the runtime's
 * monitor, not the container, and give no container id. A path that
 * matches nothing gives nothing: callers show the path itself. */
#ifndef PSYS_CGROUP_NAME_H
#define PSYS_CGROUP_NAME_H

#include <stddef.h>

#define CGROUP_ID_LEN 64	/* a container id's hex digits */
#define CGROUP_SHORT_ID 12	/* as docker ps shows it */
#define CGROUP_UID_LEN 36

struct cgroup_name {
	char container_id[CGROUP_ID_LEN + 1];	/* "" none */
	const char *runtime;	/* "docker", "containerd", "cri-o", "podman",
				   "kubernetes"; NULL with no container */
	char pod_uid[CGROUP_UID_LEN + 1];	/* "" none */
	const char *qos;	/* "guaranteed", "burstable", "besteffort";
				   NULL outside Kubernetes */
	char service[256];	/* systemd unit, "" none */
};

/* Fills OUT from PATH (any bytes; a cgroup path relative to its
 * hierarchy's root, "/a/b"). Returns 1 if any name was found, 0 if none. */
int cgroup_name_parse(const char *path, struct cgroup_name *out);

/* The container id's first CGROUP_SHORT_ID digits in BUF (LEN >= 13);
 * "" when N has none. Returns BUF. */
char *cgroup_name_short_id(const struct cgroup_name *n, char *buf, size_t len);

#endif
