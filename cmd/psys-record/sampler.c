/* BPF sampler wiring for psys-record; see sampler.h. */
#include "sampler.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "psys.skel.h"
#include "psysfile/psysfile.h"

/* Sample flags go from the BPF record into the file unchanged: the bits
 * of bpf/psys.h and lib/psysfile/psysfile.h must be the same. */
_Static_assert(PSYS_SAMPLE_USER == PSYSFILE_USER, "flag bits differ: user");
_Static_assert(PSYS_SAMPLE_STACK_ERR == PSYSFILE_STACK_ERR, "flag bits differ: stack error");
_Static_assert(PSYS_SAMPLE_TRUNCATED == PSYSFILE_TRUNCATED, "flag bits differ: truncated");
_Static_assert(PSYS_SAMPLE_USTACK_ERR == PSYSFILE_USTACK_ERR, "flag bits differ: user stack error");
_Static_assert(PSYS_SAMPLE_IDLE_NOSTACK == PSYSFILE_IDLE_NOSTACK, "flag bits differ: idle");

struct sampler {
	struct psys_bpf *skel;
	struct ring_buffer *rb;
	int *fds;		/* one perf event per CPU... */
	struct bpf_link **links; /* ...owned by its link once attached */
	int n;
	int *cpu;		/* the CPU of each event */
	unsigned freq;
	size_t ring_bytes;
	sampler_fn fn;
	void *ctx;
	int cgroup1;		/* samples carry v1 cgroup ids */
	const char *cgroup1_why;
};

static int verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Silent by default: failures are reported by us, in one line.
	 * -v shows libbpf's warnings and notes, -vv its debug log too. */
	if (verbose < 1 || (level == LIBBPF_DEBUG && verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int sampler_check_privileges(char *why, size_t len)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %llx", &eff) == 1)
				break;
		fclose(f);
	}
	const unsigned long long sys_admin = 1ull << 21, perfmon = 1ull << 38,
				 bpf = 1ull << 39;
	if ((eff & sys_admin) || ((eff & perfmon) && (eff & bpf)))
		return 0;
	snprintf(why, len,
		 "needs root, or CAP_BPF and CAP_PERFMON (missing: %s%s%s)",
		 eff & bpf ? "" : "CAP_BPF",
		 !(eff & bpf) && !(eff & perfmon) ? ", " : "",
		 eff & perfmon ? "" : "CAP_PERFMON");
	return -EPERM;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct sampler *s = ctx;
	const struct psys_sample *rec = data;

	/* The kernel wrote it, but check the size against the frame count
	 * before trusting either. */
	if (size < PSYS_SAMPLE_HDR_SIZE ||
	    rec->nframes > PSYS_MAX_FRAMES || rec->nuframes > PSYS_MAX_FRAMES ||
	    size < PSYS_SAMPLE_HDR_SIZE + (rec->nframes + rec->nuframes) * sizeof(__u64))
		return -EBADMSG;
	return s->fn(s->ctx, rec);
}

/* The byte offset of member NAME in the struct or union TYPE_ID, looking
 * inside anonymous members too; -1 if it has none (or a bit field). */
static long btf_member_off(const struct btf *btf, int type_id, const char *name, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);

	if (!t || !btf_is_composite(t) || depth > 8)
		return -1;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *n = btf__name_by_offset(btf, m[i].name_off);
		long bit = (long)btf_member_bit_offset(t, i);

		if (n && *n) {
			if (strcmp(n, name) == 0)
				return bit % 8 ? -1 : bit / 8;
			continue;
		}
		long o = btf_member_off(btf, btf__resolve_type(btf, m[i].type), name, depth + 1);
		if (o >= 0 && bit % 8 == 0)
			return bit / 8 + o;
	}
	return -1;
}

static long struct_member_off(const struct btf *btf, const char *sname, const char *mname)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);

	return id < 0 ? -1 : btf_member_off(btf, id, mname, 0);
}

/* The value of enumerator NAME of enum ENAME, or -1. */
static long btf_enum_value(const struct btf *btf, const char *ename, const char *name)
{
	int id = btf__find_by_name_kind(btf, ename, BTF_KIND_ENUM);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, id);

	if (!t)
		return -1;
	const struct btf_enum *e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(btf, e[i].name_off), name) == 0)
			return e[i].val;
	return -1;
}

/* Where a thread's cgroup id in CONTROLLER's v1 hierarchy is, from the
 * kernel's own BTF: CO-RE done here, once, so that the object itself
 * needs no BTF to load. Returns 0, or -1 with *WHY set. */
static int cgroup1_offsets(const char *controller, struct psys_cgroup1_offsets *o,
			   const char **why)
{
	char ename[32];
	struct btf *btf = btf__load_vmlinux_btf();

	memset(o, 0, sizeof(*o));
	if (!btf || libbpf_get_error(btf)) {
		*why = "the kernel has no BTF";
		return -1;
	}
	snprintf(ename, sizeof(ename), "%s_cgrp_id", controller);
	long idx = btf_enum_value(btf, "cgroup_subsys_id", ename);
	long tc = struct_member_off(btf, "task_struct", "cgroups");
	long ss = struct_member_off(btf, "css_set", "subsys");
	long cg = struct_member_off(btf, "cgroup_subsys_state", "cgroup");
	long kn = struct_member_off(btf, "cgroup", "kn");
	long id = struct_member_off(btf, "kernfs_node", "id");
	btf__free(btf);
	if (idx < 0 || tc <= 0 || ss < 0 || cg < 0 || kn < 0 || id < 0) {
		*why = "the kernel's BTF lacks the cgroup structures";
		return -1;
	}
	*o = (struct psys_cgroup1_offsets){ (__u64)tc, (__u64)(ss + 8 * idx), (__u64)cg,
					    (__u64)kn, (__u64)id };
	return 0;
}

int sampler_cgroup1(const struct sampler *s, const char **why)
{
	if (why)
		*why = s->cgroup1_why;
	return s->cgroup1;
}

static size_t pow2_at_least(size_t v)
{
	size_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Opens the CPU_CLOCK event of the I-th CPU and attaches the program.
 * Returns 0 or a negative errno (-ENODEV: the CPU is offline) with the
 * reason in ERRBUF. */
static int open_event(struct sampler *s, int i, char *errbuf, size_t errlen)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = s->freq,
	};
	int cpu = s->cpu[i], err;

	s->fds[i] = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (s->fds[i] < 0) {
		err = -errno;
		snprintf(errbuf, errlen, "cannot open a CPU_CLOCK perf event on cpu %d: %s%s",
			 cpu, strerror(-err), err == -ENODEV ? " (cpu offline)" : "");
		return err;
	}
	s->links[i] = bpf_program__attach_perf_event(s->skel->progs.psys_sample, s->fds[i]);
	if (!s->links[i]) {
		err = -errno;
		snprintf(errbuf, errlen, "cannot attach the sampler on cpu %d: %s", cpu,
			 strerror(-err));
		close(s->fds[i]);
		s->fds[i] = -1;
		return err;
	}
	return 0;
}

/* Closes the I-th CPU's event (the link owns it). */
static void close_event(struct sampler *s, int i)
{
	if (s->links[i])
		bpf_link__destroy(s->links[i]);
	else if (s->fds[i] >= 0)
		close(s->fds[i]);
	s->links[i] = NULL;
	s->fds[i] = -1;
}

static int index_of(const struct sampler *s, int cpu)
{
	for (int i = 0; i < s->n; i++)
		if (s->cpu[i] == cpu)
			return i;
	return -1;
}

int sampler_cpu_open(const struct sampler *s, int cpu)
{
	int i = index_of(s, cpu);

	return i >= 0 && s->fds[i] >= 0;
}

int sampler_cpu_set(struct sampler *s, int cpu, int on, char *why, size_t len)
{
	int i = index_of(s, cpu);

	if (i < 0)
		return -ENOENT;
	if (!on) {
		close_event(s, i);
		return 0;
	}
	return s->fds[i] >= 0 ? 0 : open_event(s, i, why, len);
}

int sampler_open(const struct sampler_opts *o, sampler_fn fn, void *ctx,
		 struct sampler **out, char *errbuf, size_t errlen)
{
	struct sampler *s = calloc(1, sizeof(*s));
	int err;

	verbose = o->verbose;
	libbpf_set_print(print_libbpf);
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->ctx = ctx;
	s->freq = o->freq;
	s->cpu = calloc(o->cpus->n, sizeof(*s->cpu));
	s->fds = calloc(o->cpus->n, sizeof(*s->fds));
	s->links = calloc(o->cpus->n, sizeof(*s->links));
	if (!s->fds || !s->links || !s->cpu) {
		err = -ENOMEM;
		snprintf(errbuf, errlen, "out of memory");
		goto fail;
	}
	s->n = o->cpus->n;
	for (int i = 0; i < s->n; i++)
		s->fds[i] = -1;

	s->skel = psys_bpf__open();
	if (!s->skel) {
		err = -errno;
		snprintf(errbuf, errlen, "cannot open BPF object: %s", strerror(-err));
		goto fail;
	}
	/* Room for about a second of samples at an average ~160 bytes, so a
	 * drain every 100 ms has ten times the margin it needs. */
	s->ring_bytes = o->ring_bytes;
	if (!s->ring_bytes) {
		/* For the CPUs online now: a machine may list many more
		 * that could come (possible) than it has. */
		struct cpulist on = { 0 };
		int n = 0;
		cpulist_online(NULL, &on);
		for (int i = 0; i < o->cpus->n; i++)
			n += cpulist_has(&on, o->cpus->cpus[i]);
		cpulist_free(&on);
		size_t want = (size_t)(n ? n : o->cpus->n) * o->freq * 160;
		s->ring_bytes = want < (1u << 20) ? (1u << 20) : want;
		if (s->ring_bytes > (256u << 20))
			s->ring_bytes = 256u << 20;
	}
	s->ring_bytes = pow2_at_least(s->ring_bytes);
	bpf_map__set_max_entries(s->skel->maps.samples, s->ring_bytes);
	s->skel->rodata->wakeup_bytes = s->ring_bytes / 4;
	s->skel->rodata->user_stacks = o->user_stacks ? 1 : 0;
	s->skel->rodata->idle_stacks = o->idle_stacks ? 1 : 0;
	s->cgroup1_why = "no v1 cpuacct or cpu hierarchy is mounted";
	if (o->cgroup1_controller) {
		struct psys_cgroup1_offsets off;

		if (cgroup1_offsets(o->cgroup1_controller, &off, &s->cgroup1_why) == 0) {
			s->skel->rodata->cg1.task_cgroups = off.task_cgroups;
			s->skel->rodata->cg1.css_set_subsys = off.css_set_subsys;
			s->skel->rodata->cg1.css_cgroup = off.css_cgroup;
			s->skel->rodata->cg1.cgroup_kn = off.cgroup_kn;
			s->skel->rodata->cg1.kn_id = off.kn_id;
			s->cgroup1 = 1;
			s->cgroup1_why = NULL;
		}
	}

	if ((err = psys_bpf__load(s->skel))) {
		snprintf(errbuf, errlen, "cannot load the BPF sampler: %s%s",
			 strerror(-err), o->verbose ? "" : " (-v shows libbpf's log)");
		goto fail;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.samples), on_sample, s, NULL);
	if (!s->rb) {
		err = -errno;
		snprintf(errbuf, errlen, "cannot set up the ring buffer: %s", strerror(-err));
		goto fail;
	}

	for (int i = 0; i < o->cpus->n; i++) {
		s->cpu[i] = o->cpus->cpus[i];
		/* A CPU offline now is sampled once it comes online. */
		if ((err = open_event(s, i, errbuf, errlen)) && err != -ENODEV)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	sampler_close(s);
	return err;
}

int sampler_fd(const struct sampler *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

int sampler_drain(struct sampler *s)
{
	return ring_buffer__consume(s->rb);
}

void sampler_stop(struct sampler *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->fds[i] >= 0)
			ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

int sampler_counts(const struct sampler *s, const struct cpulist *only,
		   struct sampler_counts *c)
{
	int ncpu = libbpf_num_possible_cpus();
	struct psys_counters *v;
	__u32 zero = 0;
	struct bpf_prog_info info;
	__u32 info_len = sizeof(info);

	memset(c, 0, sizeof(*c));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.counters), &zero, v)) {
		int err = -errno;
		free(v);
		return err;
	}
	for (int i = 0; i < ncpu; i++) {
		if (only && !cpulist_has(only, i))
			continue;
		c->sent += v[i].sent;
		c->lost += v[i].lost;
		c->stack_err += v[i].stack_err;
	}
	free(v);
	/* Runs the kernel skipped because a BPF program was already running
	 * on that CPU: samples that never reached our counters. */
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(s->skel->progs.psys_sample),
				   &info, &info_len) == 0)
		c->bpf_misses = info.recursion_misses;
	return 0;
}

size_t sampler_ring_bytes(const struct sampler *s)
{
	return s->ring_bytes;
}

void sampler_close(struct sampler *s)
{
	if (!s)
		return;
	/* Destroying a perf_event link also closes its event. */
	for (int i = 0; s->fds && s->links && i < s->n; i++)
		close_event(s, i);
	ring_buffer__free(s->rb);
	psys_bpf__destroy(s->skel);
	free(s->fds);
	free(s->links);
	free(s->cpu);
	free(s);
}

static int source_drain(void *ctx)
{
	return sampler_drain(ctx);
}

static void source_counts(void *ctx, struct recorder_counts *c)
{
	struct sampler_counts sc;

	sampler_counts(ctx, NULL, &sc);
	*c = (struct recorder_counts){ sc.lost, sc.stack_err, sc.bpf_misses };
}

struct recorder_source sampler_source(struct sampler *s)
{
	return (struct recorder_source){ s, source_drain, source_counts };
}

int sampler_to_recorder(void *ctx, const struct psys_sample *s)
{
	char comm[PSYS_COMM_LEN + 1];
	struct psysfile_sample fs = {
		.time_ns = s->time_ns, .cpu = s->cpu, .pid = s->pid, .tid = s->tid,
		.flags = s->flags, .comm = comm, .nframes = s->nframes,
		.frames = (const uint64_t *)s->frames, .nuframes = s->nuframes,
		.cgroup_id = s->cgroup_id, .cgroup1_id = s->cgroup1_id,
	};

	memcpy(comm, s->comm, PSYS_COMM_LEN);
	comm[PSYS_COMM_LEN] = '\0';
	/* The user stack follows the kernel stack. */
	recorder_sample(ctx, &fs, (const uint64_t *)s->frames + s->nframes);
	return 0;
}
