/* The psys sampler: a perf_event program attached to one CPU_CLOCK software
 * event per sampled CPU. Each time the event fires it records who was on
 * the CPU, whether the CPU was in user mode, and the kernel stack, and sends
 * that to user space through a BPF ring buffer. The idle task's samples
 * are sent without a stack (unless idle_stacks is set): on a mostly idle
 * CPU they are most samples, nobody folds them by default, and the stack
 * walk is most of a sample's cost. Built against UAPI headers
 * only, so the object needs no vmlinux.h and loads on any kernel with ring
 * buffers (5.8+). */
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

#include "psys.h"

char LICENSE[] SEC("license") = "GPL";

/* Size set by psys-record before load (--ring-size, or its default). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} samples SEC(".maps");

/* Per-CPU scratch: a full-size record is too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct psys_sample);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct psys_counters);
} counters SEC(".maps");

/* Wake user space only when the ring is getting full; otherwise it drains
 * the ring on its own timer. A wake-up per sample would cost more than the
 * sample. Set by psys-record in bytes. */
const volatile __u64 wakeup_bytes = 1 << 20;
/* Also record the user stack of the interrupted thread (frame pointers). */
const volatile __u32 user_stacks = 0;
/* Walk the idle task's kernel stack too (psys-record --idle-stacks). */
const volatile __u32 idle_stacks = 0;
/* Where the thread's v1 cgroup id is (psys.h); all 0: not read. */
const volatile struct psys_cgroup1_offsets cg1 = { 0 };

/* The id of the current thread's cgroup in the v1 hierarchy CG1 names:
 * four pointers followed, each checked. 0 when any is missing. */
static __always_inline __u64 cgroup1_id(void)
{
	void *p = (void *)bpf_get_current_task();
	__u64 id = 0;

	if (bpf_probe_read_kernel(&p, sizeof(p), p + cg1.task_cgroups) || !p ||
	    bpf_probe_read_kernel(&p, sizeof(p), p + cg1.css_set_subsys) || !p ||
	    bpf_probe_read_kernel(&p, sizeof(p), p + cg1.css_cgroup) || !p ||
	    bpf_probe_read_kernel(&p, sizeof(p), p + cg1.cgroup_kn) || !p ||
	    bpf_probe_read_kernel(&id, sizeof(id), p + cg1.kn_id))
		return 0;
	return id;
}

static __always_inline int in_user_mode(struct bpf_perf_event_data *ctx)
{
#if defined(__TARGET_ARCH_x86)
	return (ctx->regs.cs & 3) != 0;
#elif defined(__TARGET_ARCH_arm64)
	return (ctx->regs.pstate & 0xf) == 0;	/* PSR_MODE_EL0t */
#else
#error "psys: add user-mode detection for this architecture"
#endif
}

SEC("perf_event")
int psys_sample(struct bpf_perf_event_data *ctx)
{
	__u32 zero = 0;
	struct psys_sample *s = bpf_map_lookup_elem(&scratch, &zero);
	struct psys_counters *c = bpf_map_lookup_elem(&counters, &zero);
	__u64 id = bpf_get_current_pid_tgid();
	long len, ulen;
	__u64 size, flags = BPF_RB_NO_WAKEUP;

	if (!s || !c)
		return 0;

	s->time_ns = bpf_ktime_get_ns();
	s->pid = id >> 32;
	s->tid = (__u32)id;
	s->cpu = bpf_get_smp_processor_id();
	s->flags = in_user_mode(ctx) ? PSYS_SAMPLE_USER : 0;
	bpf_get_current_comm(s->comm, sizeof(s->comm));

	s->nframes = 0;
	s->nuframes = 0;
	s->cgroup_id = 0;
	s->cgroup1_id = 0;
	if (s->pid == 0 && !idle_stacks) {
		/* The idle task (each CPU's swapper): counted and sent, its
		 * time and CPU kept, its stack left alone. */
		s->flags |= PSYS_SAMPLE_IDLE_NOSTACK;
		goto send;
	}

	/* Who ran: the idle task is in the root cgroup, and is not asked. */
	if (s->pid) {
		s->cgroup_id = bpf_get_current_cgroup_id();
		if (cg1.task_cgroups)
			s->cgroup1_id = cgroup1_id();
	}

	len = bpf_get_stack(ctx, s->frames, PSYS_MAX_FRAMES * sizeof(__u64), 0);
	if (len < 0) {
		s->flags |= PSYS_SAMPLE_STACK_ERR;
		c->stack_err++;
		len = 0;
	}
	/* Keep the verifier certain of the bounds below. */
	if (len > PSYS_MAX_FRAMES * sizeof(__u64))
		len = PSYS_MAX_FRAMES * sizeof(__u64);
	s->nframes = len / sizeof(__u64);
	if (s->nframes == PSYS_MAX_FRAMES)
		s->flags |= PSYS_SAMPLE_TRUNCATED;

	/* In kernel mode this is the user stack where the thread entered the
	 * kernel; kernel threads have none. */
	if (user_stacks && s->pid) {
		__u32 k = s->nframes;

		if (k > PSYS_MAX_FRAMES)
			k = PSYS_MAX_FRAMES;
		ulen = bpf_get_stack(ctx, &s->frames[k], PSYS_MAX_FRAMES * sizeof(__u64),
				     BPF_F_USER_STACK);
		if (ulen < 0) {
			s->flags |= PSYS_SAMPLE_USTACK_ERR;
			c->ustack_err++;
			ulen = 0;
		}
		if (ulen > PSYS_MAX_FRAMES * sizeof(__u64))
			ulen = PSYS_MAX_FRAMES * sizeof(__u64);
		s->nuframes = ulen / sizeof(__u64);
	}

send:
	size = PSYS_SAMPLE_HDR_SIZE +
	       ((__u64)s->nframes + s->nuframes) * sizeof(__u64);
	if (size > sizeof(*s))
		size = sizeof(*s);
	if (bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&samples, s, size, flags))
		c->lost++;
	else
		c->sent++;
	return 0;
}
