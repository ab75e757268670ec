/* The record the BPF sampler hands to user space, shared by bpf/psys.bpf.c
 * and psys-record. Fixed-width fields and explicit padding only: the layout
 * must be identical on both sides. It is a transport format, not the file
 * format: psys-record re-encodes samples (lib/psysfile/psysfile.h), so changing this
 * struct only needs PSYS_SAMPLE_VERSION bumped for the two halves built
 * together to agree. */
#ifndef PSYS_BPF_H
#define PSYS_BPF_H

#include <linux/types.h>

#define PSYS_SAMPLE_VERSION 3
#define PSYS_MAX_FRAMES 127	/* the kernel's perf_event_max_stack default */
#define PSYS_COMM_LEN 16

/* psys_sample.flags */
#define PSYS_SAMPLE_USER	0x1	/* the CPU was in user mode */
#define PSYS_SAMPLE_STACK_ERR	0x2	/* bpf_get_stack() failed */
#define PSYS_SAMPLE_TRUNCATED	0x4	/* stack filled all PSYS_MAX_FRAMES */

#define PSYS_SAMPLE_USTACK_ERR	0x8	/* user stack asked for, not read */
#define PSYS_SAMPLE_IDLE_NOSTACK 0x10	/* the idle task: stack not walked */

struct psys_sample {
	__u64 time_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 pid;		/* thread group id; 0 for the idle task */
	__u32 tid;
	__u32 cpu;
	__u16 flags;
	__u16 nframes;		/* kernel frames: frames[0..nframes) */
	__u16 nuframes;		/* user frames: frames[nframes..+nuframes) */
	__u16 pad[3];
	char comm[PSYS_COMM_LEN];
	/* The thread's cgroup v2 id (bpf_get_current_cgroup_id), and its
	 * cgroup's id in one v1 hierarchy (cgroup1_subsys below); 0 when
	 * not read (the idle task, no such hierarchy). */
	__u64 cgroup_id;
	__u64 cgroup1_id;
	/* Kernel stack, leaf first, then (with user stacks on) the user
	 * stack of the thread, leaf first. */
	__u64 frames[2 * PSYS_MAX_FRAMES];
};

/* Only the valid frames travel through the ring buffer. */
#define PSYS_SAMPLE_HDR_SIZE (sizeof(struct psys_sample) - \
			      2 * PSYS_MAX_FRAMES * sizeof(__u64))

/* Where the v1 cgroup id is, read by psys-record from the kernel's BTF
 * (offsets in bytes): task_struct.cgroups -> css_set.subsys[index of the
 * hierarchy's controller] -> cgroup_subsys_state.cgroup -> cgroup.kn ->
 * kernfs_node.id. The program follows these pointers with
 * bpf_probe_read_kernel, so one object loads on every kernel, with BTF
 * or without (then task_cgroups is 0 and no v1 id is read). */
struct psys_cgroup1_offsets {
	__u64 task_cgroups;	/* 0: off */
	__u64 css_set_subsys;	/* offset of subsys[index] itself */
	__u64 css_cgroup;
	__u64 cgroup_kn;
	__u64 kn_id;
};

/* Per-CPU counters kept by the BPF program. Nothing is dropped silently:
 * every sample the program sees is counted in exactly one of sent and lost. */
struct psys_counters {
	__u64 sent;		/* handed to the ring buffer */
	__u64 lost;		/* ring buffer full: sample dropped */
	__u64 stack_err;	/* bpf_get_stack() failed (sample still sent) */
	__u64 ustack_err;	/* user stack asked for but not read */
};

#endif
