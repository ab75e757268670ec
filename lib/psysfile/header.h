/* The .psys header and trailer records as typed structs: the contract
 * between psys-record, which fills them, and every reader, which reads
 * fields instead of digging JSON keys out of the file. One list of fields
 * per record, each with a bit in the struct's HAS mask (like perf's
 * HEADER_* features): a writer sets the bit of every field it writes, a
 * reader finds the bit of every field the file holds. The records stay
 * JSON objects on disk (docs/FORMAT.md names every key); this file is
 * their one mapping to and from C.
 *
 * Strings are borrowed, never copied: on writing, from the caller; on
 * reading, from the JSON object read, which must outlive the struct.
 * Arrays filled by a reader are its own and go with psys_header_release /
 * psys_trailer_release. */
#ifndef PSYS_HEADER_H
#define PSYS_HEADER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "watch/trigger.h"

/* The header record's fields: bit F of psys_header.has says field F is
 * there. The JSON key of each is in the comment. */
enum psys_header_field {
	PSYS_H_FORMAT,		/* format: "psys" */
	PSYS_H_VERSION,		/* version: the file's major version */
	PSYS_H_TOOL,		/* tool: "psys-record 0.2.0" */
	PSYS_H_HOST,		/* host */
	PSYS_H_KERNEL_RELEASE,	/* kernel.release */
	PSYS_H_KERNEL_VERSION,	/* kernel.version */
	PSYS_H_KERNEL_MACHINE,	/* kernel.machine */
	PSYS_H_BOOT_ID,		/* boot_id */
	PSYS_H_NCPUS,		/* ncpus */
	PSYS_H_CPUS_ONLINE,	/* cpus_online */
	PSYS_H_CPUS,		/* cpus: what the file holds samples of */
	PSYS_H_SAMPLED_CPUS,	/* sampled_cpus */
	PSYS_H_FREQ_HZ,		/* freq_hz */
	PSYS_H_DURATION_S,	/* duration_s */
	PSYS_H_CLOCK,		/* clock: "CLOCK_MONOTONIC" */
	PSYS_H_START_WALL,	/* start.wall */
	PSYS_H_START_WALL_NS,	/* start.wall_ns */
	PSYS_H_START_MONO_NS,	/* start.mono_ns */
	PSYS_H_MODE,		/* mode: "now" or "triggered" */
	PSYS_H_HOT_CPUS,	/* hot_cpus */
	PSYS_H_TRIGGER,		/* trigger: the line that started it */
	PSYS_H_PEAK_WINDOW_S,	/* peak_rule.window_s */
	PSYS_H_PEAK_THRESHOLD,	/* peak_rule.threshold */
	PSYS_H_PRE_S,		/* pre_s */
	PSYS_H_PRE_WANTED_S,	/* pre_wanted_s */
	PSYS_H_SYMBOLS,		/* symbols: "embedded" or "none" */
	PSYS_H_USER_STACKS,	/* user_stacks */
	PSYS_H_IDLE_STACKS,	/* idle_stacks */
	PSYS_H_STACK_MAX,	/* stack_max */
	PSYS_H_REF_SYMBOLS,	/* ref_symbols */
	PSYS_H_CGROUP_V2,	/* cgroups.v2: where cgroup2 was mounted, when
				   samples carry its ids */
	PSYS_H_CGROUP_V1,	/* cgroups.v1: the v1 controller ("cpuacct",
				   "cpu") whose hierarchy's ids samples carry */
	PSYS_H_CGROUP_V1_MOUNT,	/* cgroups.v1_mount: where it was mounted */
	PSYS_H_NFIELDS
};

/* The trailer record's fields, bits of psys_trailer.has. */
enum psys_trailer_field {
	PSYS_T_END_WALL,	/* end.wall */
	PSYS_T_END_WALL_NS,	/* end.wall_ns */
	PSYS_T_END_MONO_NS,	/* end.mono_ns */
	PSYS_T_SAMPLES,		/* samples */
	PSYS_T_LOST,		/* lost */
	PSYS_T_STACK_ERRORS,	/* stack_errors */
	PSYS_T_BPF_MISSES,	/* bpf_misses */
	PSYS_T_STACKS,		/* stacks */
	PSYS_T_SYMBOLS,		/* symbols */
	PSYS_T_HOT_CPUS,	/* hot_cpus */
	PSYS_T_END_REASON,	/* end_reason */
	PSYS_T_TRIGGERS,	/* triggers */
	PSYS_T_PRE_RING_EVICTED_FULL, /* pre_ring_evicted_full */
	PSYS_T_USER_MAPPINGS,	/* user_mappings */
	PSYS_T_WRITE_ERROR,	/* write_error */
	PSYS_T_DROPPED,		/* dropped */
	PSYS_T_CPU_GAPS,	/* cpu_gaps */
	PSYS_T_LOST_AT,		/* lost_at */
	PSYS_T_NFIELDS
};

/* Whether field F is in X (a psys_header or psys_trailer), and setting it. */
#define PSYS_HAS(x, f) ((int)(((x)->has >> (f)) & 1))
#define PSYS_SET(x, f) ((x)->has |= 1ull << (f))
#define PSYS_BIT(f) (1ull << (f))

/* A trigger line kept in a capture: the line as psys-watch (or the peak
 * rule) sent it, and when the recorder took it. */
struct psys_trigger_rec {
	struct trigger t;		/* the line, parsed (owns t.hot) */
	int64_t received_mono_ns;	/* 0: not recorded */
	/* The line as a JSON object, written back as it came, so fields
	 * this version does not know travel on; NULL: written from T.
	 * Borrowed. */
	json_t *line;
};

/* A reference symbol: a kernel symbol's name and address, which tell a
 * symbol table of the same boot or build from another. */
struct psys_ref_symbol {
	const char *name;
	uint64_t addr;			/* "0x..." in JSON */
};

struct psys_header {
	uint64_t has;			/* bits of enum psys_header_field */
	const char *format, *tool, *host;
	int64_t version;
	const char *kernel_release, *kernel_version, *kernel_machine;
	const char *boot_id;
	int64_t ncpus;
	/* CPU lists in list syntax ("0-3,7"). */
	const char *cpus_online, *cpus, *sampled_cpus, *hot_cpus;
	int64_t freq_hz;
	double duration_s;
	const char *clock;
	const char *start_wall;		/* ISO 8601, local time */
	int64_t start_wall_ns, start_mono_ns;
	const char *mode;
	struct psys_trigger_rec trigger;
	double peak_window_s, peak_threshold;
	double pre_s, pre_wanted_s;
	const char *symbols;
	int user_stacks, idle_stacks;
	int64_t stack_max;
	const struct psys_ref_symbol *ref_symbols;
	size_t nref_symbols;
	const char *cgroup_v2, *cgroup_v1, *cgroup_v1_mount;
};

/* A file that named user frames of one process (--user-stacks). */
struct psys_user_mapping {
	int64_t pid;
	uint64_t start, end;		/* "0x..." in JSON */
	const char *file, *build_id, *symbols;
};

/* A stretch in which a captured CPU was offline, so not sampled: from
 * when it went (CLOCK_MONOTONIC ns) to when sampling it began again, 0
 * if it was still offline as the capture ended. */
struct psys_cpu_gap {
	int64_t cpu;
	int64_t offline_mono_ns, online_mono_ns;
};

/* Samples the kernel could not hand over (its buffer full), placed in
 * time: LOST of them between the recorder's look at FROM_MONO_NS (0: not
 * recorded) and the one at MONO_NS, which found them. */
struct psys_loss {
	int64_t mono_ns;
	uint64_t lost;
	int64_t from_mono_ns;
};

struct psys_trailer {
	uint64_t has;			/* bits of enum psys_trailer_field */
	const char *end_wall;
	int64_t end_wall_ns, end_mono_ns;
	uint64_t samples, lost, stack_errors, bpf_misses, stacks, symbols;
	const char *hot_cpus, *end_reason;
	const struct psys_trigger_rec *triggers;
	size_t ntriggers;
	/* Reading: entries of "triggers" that are not trigger lines this
	 * reader understands, left out of TRIGGERS. */
	size_t triggers_unread;
	uint64_t pre_ring_evicted_full;
	const struct psys_user_mapping *user_mappings;
	size_t nuser_mappings;
	const char *write_error;
	uint64_t dropped;
	const struct psys_cpu_gap *cpu_gaps;
	size_t ncpu_gaps;
	const struct psys_loss *lost_at;
	size_t nlost_at;
};

/* The header record's JSON object for H: every field whose bit is set,
 * nothing else. Strings that are not valid UTF-8 are repaired (utf8.h).
 * Returns a new reference, or NULL (errno ENOMEM; EINVAL for a trigger
 * without a line that does not format). */
json_t *psys_header_to_json(const struct psys_header *h);
json_t *psys_trailer_to_json(const struct psys_trailer *t);

/* Fills H from the header record J (NULL: no header; H is then empty).
 * Keys it does not know are ignored, missing keys leave their bit clear
 * and their field 0 or NULL. A known key of the wrong type, a reference
 * symbol or mapping that is not {name, addr} or whose address is not hex,
 * or a "trigger" that is not a trigger line, is refused. Returns 0,
 * -EINVAL with a one-line reason in ERR ("field 'freq_hz': not an
 * integer"), or -ENOMEM. Strings are borrowed from J; free the arrays with
 * psys_header_release (also after a failure). */
int psys_header_from_json(const json_t *j, struct psys_header *h, char *err,
			  size_t errlen);

/* The same for the trailer record. An entry of "triggers" that is an
 * object but not a trigger line is left out and counted in
 * triggers_unread (as a reader of lines skips such a line). */
int psys_trailer_from_json(const json_t *j, struct psys_trailer *t, char *err,
			   size_t errlen);

/* Frees what psys_header_from_json / psys_trailer_from_json allocated
 * and zeroes the struct; for structs filled by a reader only. Accepts
 * NULL. */
void psys_header_release(struct psys_header *h);
void psys_trailer_release(struct psys_trailer *t);

/* The address of the reference symbol NAME in H, 0 if it has none. */
uint64_t psys_header_ref(const struct psys_header *h, const char *name);

#endif
