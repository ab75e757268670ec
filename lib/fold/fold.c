/* Folding samples into stacks; see fold.h. */
#include "fold/fold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hmap.h"
#include "base/intern.h"
#include "base/utf8.h"
#include "fold/who.h"

/* Pseudo stack ids for samples that have no kernel stack to name. */
#define KEY_USER	0xfffffffeu
#define KEY_STACK_ERR	0xfffffffdu
#define KEY_NO_STACK	0xfffffffcu	/* not walked (idle task): no frames */

/* Samples of one capture counted by what makes their line distinct. */
struct entry {
	uint32_t thread, stack, cpu, pid, ustack;
	uint64_t count;
};

/* The lines: each distinct text once, in an intern table, NUL-terminated
 * (the terminator is part of the key); with labels, the text is followed
 * by a NUL and the labels (pid, tid, cpu as 32-bit words, then comm, NUL,
 * host), which the key covers too. A line's id is the order added. */
struct fold {
	struct fold_opts o;
	struct fold_counts c;
	struct intern lines;
	uint64_t *count;	/* by line id */
	size_t count_cap;
	uint32_t *order;	/* line ids in sorted order, once sorted */
	size_t order_cap;
	int sorted;
	/* fold_opts.timeline: the samples in the order read, each with its
	 * line's id; and the copy in time order fold_timeline hands out. */
	struct fold_event *ev, *ev_out;
	size_t nev, ev_cap;
};

struct fold *fold_new(const struct fold_opts *o)
{
	struct fold *f = calloc(1, sizeof(*f));

	if (f)
		f->o = *o;
	return f;
}

const struct fold_counts *fold_counts(const struct fold *f)
{
	return &f->c;
}

char *fold_clean(const char *s, char *out, size_t len)
{
	if (!len)
		return out;
	/* Invalid UTF-8 first (U+FFFD, as the SVG shows it; never a cut
	 * sequence at the end); a control byte or ';' is never part of a
	 * longer sequence, so it can then be replaced byte for byte. */
	utf8_repair(s, strlen(s), out, len);
	for (char *p = out; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == ';')
			*p = ':';
		else if (ch < 0x20 || ch == 0x7f)
			*p = '?';
	}
	return out;
}

/* Adds COUNT to the line S (N bytes, S[N - 1] its NUL); its id in *ID if
 * ID is set. */
static int add_line(struct fold *f, const char *s, size_t n, uint64_t count, uint32_t *id_out)
{
	int is_new;
	uint32_t id;

	/* Room first: a line never exists without its count. */
	if (buf_grow((void **)&f->count, &f->count_cap, f->lines.n + 1, sizeof(*f->count)))
		return -ENOMEM;
	id = intern_add(&f->lines, s, n, &is_new);
	if (id == INTERN_NONE)
		return -ENOMEM;
	if (is_new) {
		f->count[id] = 0;
		f->sorted = 0;
	}
	f->count[id] += count;
	if (id_out)
		*id_out = id;
	return 0;
}

int fold_add_line(struct fold *f, const char *stack, size_t len, uint64_t count)
{
	/* Another tool's folded text may hold any bytes; what is written
	 * stays valid UTF-8. */
	size_t need = utf8_repair(stack, len, NULL, 0);
	char small[512], *tmp = need < sizeof(small) ? small : malloc(need + 1);
	int err;

	if (!tmp)
		return -ENOMEM;
	/* Terminated: the NUL is part of a line's key. */
	utf8_repair(stack, len, tmp, need + 1);
	err = add_line(f, tmp, need + 1, count, NULL);
	if (tmp != small)
		free(tmp);
	return err;
}

/* Names of the addresses met in one file, each worked out once. */
struct names {
	struct hmap map;	/* address -> offset in text */
	struct buf text;
};

/* The symbol for capture address ADDR: shifted into KS's address space
 * for the core kernel when rebasing, as it is for modules. *PAST is set
 * when there is none but the address lies past the end of core text. */
static const struct ksym *lookup(const struct fold_input *in,
				 const struct ksyms *ks, uint64_t addr, int *past)
{
	const struct ksym *k;

	*past = 0;
	if (!ks)
		return NULL;
	if (!in->rebase) {
		k = ksyms_lookup(ks, addr);
		if (!k)
			*past = ksyms_past_etext(ks, in->etext, addr);
		return k;
	}
	/* A module is loaded wherever there was room on each boot: only a
	 * module symbol at the very address may name it. */
	k = ksyms_lookup(ks, addr + (uint64_t)in->delta);
	if (k && !k->module)
		return k;
	k = ksyms_lookup(ks, addr);
	if (k && k->module)
		return k;
	*past = ksyms_past_etext(ks, 0, addr + (uint64_t)in->delta);
	return NULL;
}

/* The name of frame ADDR; CALLER is set for every frame but the sampled
 * one: those hold return addresses, which point after the call and, for a
 * call that never returns, past the end of the calling function. So they
 * are looked up one byte back, inside the call instruction. */
static const char *name_of(struct fold *f, struct names *names,
			   const struct fold_input *in, const struct ksyms *ks,
			   uint64_t addr, int caller)
{
	struct names *nm = &names[caller];
	uint32_t off = hmap_get(&nm->map, addr, NULL, NULL);
	char tmp[64], clean[1024];
	const struct ksym *k;
	int past;

	if (off != HMAP_NONE)
		return (const char *)nm->text.data + off;
	off = (uint32_t)nm->text.len;
	k = lookup(in, ks, addr - caller, &past);
	if (!k) {
		const char *what = past ? FOLD_PAST_ETEXT : "[unknown]";

		f->c.unknown_frames++;
		if (f->o.addrs)
			snprintf(tmp, sizeof(tmp), "%.*s 0x%llx]", (int)strlen(what) - 1,
				 what, (unsigned long long)addr);
		else
			snprintf(tmp, sizeof(tmp), "%s", what);
		buf_put(&nm->text, tmp, strlen(tmp));
	} else {
		fold_clean(k->name, clean, sizeof(clean));
		buf_put(&nm->text, clean, strlen(clean));
		if (f->o.addrs) {
			/* The offset in the symbol as the capture saw it. */
			uint64_t a = in->rebase && !k->module ? addr + (uint64_t)in->delta : addr;
			snprintf(tmp, sizeof(tmp), "+0x%llx", (unsigned long long)(a - k->addr));
			buf_put(&nm->text, tmp, strlen(tmp));
		}
		if (k->module) {
			fold_clean(k->module, clean, sizeof(clean));
			buf_put(&nm->text, " [", 2);
			buf_put(&nm->text, clean, strlen(clean));
			buf_put(&nm->text, "]", 1);
		}
	}
	buf_put_u8(&nm->text, 0);
	if (nm->text.err || nm->text.len > UINT32_MAX - 1 || hmap_put(&nm->map, addr, off))
		return NULL;
	return (const char *)nm->text.data + off;
}

static void put_frame(struct buf *line, const char *s, size_t n)
{
	if (line->len)
		buf_put_u8(line, ';');
	buf_put(line, s, n);
}

struct entry_key {
	const struct entry *e;
	uint32_t thread, stack, cpu, ustack;
};

/* Appends the labels of entry E (see struct line) to LINE. */
static void put_labels(struct buf *line, struct psysfile_reader *r, const struct entry *e,
		       const char *host)
{
	uint32_t pid = 0, tid = 0;
	const char *comm = psysfile_thread(r, e->thread, &pid, &tid);
	uint32_t v[3] = { pid, tid, e->cpu };
	char clean[1024];

	buf_put_u8(line, 0);
	buf_put(line, v, sizeof(v));
	/* The names as frames show them, so a filter on a label matches
	 * what the folded output and the graphs call the process. */
	fold_clean(comm ? comm : "", clean, sizeof(clean));
	buf_put(line, clean, strlen(clean));
	buf_put_u8(line, 0);
	fold_clean(host ? host : "", clean, sizeof(clean));
	buf_put(line, clean, strlen(clean));
	/* Who ran: cgroup, container, pod, service, each NUL-ended. */
	char cg[4096], ctr[65], pod[37], svc[256];
	who_labels(r, e->thread, cg, sizeof(cg), ctr, pod, svc);
	const char *who[4] = { cg, ctr, pod, svc };
	for (int i = 0; i < 4; i++) {
		buf_put_u8(line, 0);
		fold_clean(who[i], clean, sizeof(clean));
		buf_put(line, clean, strlen(clean));
	}
}

/* Remembers that a sample at TIME on CPU went to entry ENTRY. */
static int note_event(struct fold_event **ev, size_t *n, size_t *cap, uint64_t time,
		      uint32_t cpu, uint32_t entry)
{
	if (buf_grow((void **)ev, cap, *n + 1, sizeof(**ev)))
		return -ENOMEM;
	(*ev)[(*n)++] = (struct fold_event){ time, cpu, entry };
	return 0;
}

static int entry_eq(const void *ctx, uint32_t i)
{
	const struct entry_key *k = ctx;
	const struct entry *e = &k->e[i];

	return e->thread == k->thread && e->stack == k->stack && e->cpu == k->cpu &&
	       e->ustack == k->ustack;
}

/* Per thread id: 0 not decided yet, 1 it passes the comm and cgroup
 * filters, 2 not. */
static int thread_passes(const struct slice *sl, struct psysfile_reader *r,
			 uint8_t **cache, size_t *cap, uint32_t id)
{
	if (id >= *cap) {
		size_t old = *cap;

		if (buf_grow((void **)cache, cap, (size_t)id + 1, 1))
			return -ENOMEM;
		memset(*cache + old, 0, *cap - old);
	}
	if (!(*cache)[id]) {
		int ok = slice_comm_ok(sl, psysfile_thread_comm(r, id));

		if (ok && sl->has_cgroup) {
			char cg[4096];
			who_cgroup(r, id, cg, sizeof(cg));
			ok = slice_cgroup_ok(sl, cg);
		}
		(*cache)[id] = ok ? 1 : 2;
	}
	return (*cache)[id] == 1;
}

/* The samples of one capture counted by entry, before any is named; with
 * fold_opts.timeline, each sample's time, CPU and entry (not yet line). */
struct tally {
	struct entry *e;
	size_t ne, cap;
	struct hmap idx;		/* key -> entry */
	uint32_t *last;			/* stack id -> entry last used + 1 */
	size_t nlast;
	uint8_t *comm_cache;
	size_t comm_cap;
	struct fold_event *ev;
	size_t nev, ev_cap;
};

static void tally_free(struct tally *t)
{
	free(t->e);
	hmap_free(&t->idx);
	free(t->last);
	free(t->comm_cache);
	free(t->ev);
}

/* The entry key of a sample not folded as a kernel stack, or its stack
 * id; KEY_SKIP when the options leave it out (counted in F). */
#define KEY_SKIP	0xffffffffu
static uint32_t stack_key(struct fold *f, uint32_t stack, uint32_t flags)
{
	if (flags & PSYSFILE_USER) {
		if (f->o.user)
			return KEY_USER;
		f->c.user++;
		return KEY_SKIP;
	}
	if (stack != PSYSFILE_NO_STACK)
		return stack;
	if (flags & PSYSFILE_IDLE_NOSTACK)
		return KEY_NO_STACK;
	f->c.stack_errors++;
	return KEY_STACK_ERR;
}

/* Counting: reads every sample of R, counting those IN and the options
 * keep by entry in T, a record's columns at a time. Returns 0 or -ENOMEM. */
static int count_samples(struct fold *f, struct psysfile_reader *r,
			 const struct fold_input *in, struct tally *t)
{
	const struct slice *sl = f->o.slice;
	/* Labels need each sample's CPU, as --per-cpu does. */
	int by_cpu = f->o.per_cpu || f->o.labels;
	/* Decided once: most folds have no id filter to test per sample. */
	int by_ids = sl && (sl->cpus.n || sl->pids.n || sl->tids.n);
	int by_comm = sl && (sl->has_comm || sl->has_cgroup);
	int timeline = f->o.timeline;
	uint64_t clock = (uint64_t)in->clock_offset_ns;
	struct psysfile_batch b;
	int k;

	while ((k = psysfile_next_batch(r, &b)) > 0) {
	for (uint32_t j = 0; j < b.n; j++) {
		uint32_t sk, cpu, pid, tid, th = b.thread[j], ust = b.ustack[j], i;
		uint64_t t0 = b.time[j];
		int ok;

		f->c.samples++;
		if (!f->c.first_ns || t0 < f->c.first_ns)
			f->c.first_ns = t0;
		if (t0 > f->c.last_ns)
			f->c.last_ns = t0;
		if (t0 < in->from_ns || t0 >= in->to_ns) {
			f->c.filtered++;
			continue;
		}
		f->c.in_window++;
		pid = b.pid_of[th];
		if (by_ids || by_comm) {
			psysfile_thread(r, th, &pid, &tid);
			ok = !by_ids || slice_ids_ok(sl, b.cpu[j], pid, tid);
			if (ok && by_comm &&
			    (ok = thread_passes(sl, r, &t->comm_cache, &t->comm_cap, th)) < 0)
				return -ENOMEM;
			if (!ok) {
				f->c.filtered++;
				continue;
			}
		}
		if (pid == 0 && !f->o.idle) {
			f->c.idle++;
			continue;
		}
		if ((sk = stack_key(f, b.stack[j], b.flags[j])) == KEY_SKIP)
			continue;
		cpu = by_cpu ? b.cpu[j] : 0;
		/* Fast path: stack ids are dense, and a stack is mostly seen in
		 * one thread, so the entry last used for this stack is checked
		 * first, without hashing. */
		int simple = !by_cpu && ust == PSYSFILE_NO_STACK && sk < KEY_NO_STACK;
		if (simple && sk < t->nlast && t->last[sk] && t->e[t->last[sk] - 1].thread == th &&
		    t->e[t->last[sk] - 1].ustack == PSYSFILE_NO_STACK) {
			i = t->last[sk] - 1;
		} else {
			uint64_t key = (uint64_t)th << 32 | sk;
			struct entry_key ek = { t->e, th, sk, cpu, ust };

			/* Without --per-cpu or user stacks the key is the
			 * identity: no compare. */
			if (by_cpu || ust != PSYSFILE_NO_STACK) {
				key = hash_mix(key) + (uint64_t)(cpu + 1) * 0x9e3779b97f4a7c15ull +
				      hash_mix(ust);
				i = hmap_get(&t->idx, key, entry_eq, &ek);
			} else {
				i = hmap_get(&t->idx, key, NULL, NULL);
			}
			if (i == HMAP_NONE) {
				if (t->ne >= HMAP_NONE - 1 ||
				    buf_grow((void **)&t->e, &t->cap, t->ne + 1, sizeof(*t->e)))
					return -ENOMEM;
				t->e[t->ne] = (struct entry){ th, sk, cpu, pid, ust, 0 };
				if (hmap_put(&t->idx, key, (uint32_t)t->ne))
					return -ENOMEM;
				i = (uint32_t)t->ne++;
			}
			if (simple) {
				if (sk >= t->nlast) {
					size_t old = t->nlast;

					if (buf_grow((void **)&t->last, &t->nlast, (size_t)sk + 1,
						     sizeof(*t->last)))
						return -ENOMEM;
					memset(t->last + old, 0, (t->nlast - old) * sizeof(*t->last));
				}
				t->last[sk] = i + 1;
			}
		}
		t->e[i].count++;
		f->c.folded++;
		if (timeline &&
		    note_event(&t->ev, &t->nev, &t->ev_cap, t0 + clock, b.cpu[j], i))
			return -ENOMEM;
	}
	}
	return k < 0 ? k : 0;
}

/* Builds in LINE the folded line of entry E of R: root frames first (host,
 * cpu, pid, comm), then (when the format carries them) user frames, then
 * the kernel stack named with KS and NM; then its labels. Returns 0 or
 * -ENOMEM. */
static int entry_line(struct fold *f, struct psysfile_reader *r, const struct fold_input *in,
		      const struct ksyms *ks, struct names *nm, const struct entry *e,
		      struct buf *line)
{
	uint32_t sk = e->stack, n = 0, nu = 0;
	const uint64_t *frames = NULL;
	char tmp[1024];

	buf_reset(line);
	if (in->host) {
		fold_clean(in->host, tmp, sizeof(tmp));
		put_frame(line, tmp[0] ? tmp : "[no host]", strlen(tmp[0] ? tmp : "[no host]"));
	}
	const int who[3][2] = { { f->o.per_container, WHO_CONTAINER },
				{ f->o.per_service, WHO_SERVICE },
				{ f->o.per_cgroup, WHO_CGROUP } };
	for (int i = 0; i < 3; i++) {
		char raw[sizeof(tmp)];

		if (!who[i][0])
			continue;
		who_frame(r, e->thread, (enum who_kind)who[i][1], raw, sizeof(raw));
		fold_clean(raw, tmp, sizeof(tmp));
		put_frame(line, tmp, strlen(tmp));
	}
	if (f->o.per_cpu) {
		snprintf(tmp, sizeof(tmp), "cpu %u", e->cpu);
		put_frame(line, tmp, strlen(tmp));
	}
	if (f->o.per_pid) {
		snprintf(tmp, sizeof(tmp), "pid %u", e->pid);
		put_frame(line, tmp, strlen(tmp));
	}
	if (!f->o.no_comm) {
		fold_clean(psysfile_thread_comm(r, e->thread), tmp, sizeof(tmp));
		put_frame(line, tmp[0] ? tmp : "[no comm]", strlen(tmp[0] ? tmp : "[no comm]"));
	}
	/* The user stack (--user-stacks captures), root first. */
	const char *const *uf = e->ustack != PSYSFILE_NO_STACK ?
				psysfile_ustack(r, e->ustack, &nu) : NULL;
	for (uint32_t j = nu; j-- > 0;) {
		fold_clean(uf[j], tmp, sizeof(tmp));
		put_frame(line, tmp[0] ? tmp : "[unknown]", strlen(tmp[0] ? tmp : "[unknown]"));
	}
	if (sk == KEY_USER || sk == KEY_STACK_ERR) {
		/* A user-mode sample with its user stack needs no mark. */
		const char *fr = sk == KEY_USER ? "[user]" : "[stack error]";
		if (!(sk == KEY_USER && nu))
			put_frame(line, fr, strlen(fr));
	} else if (sk != KEY_NO_STACK) {
		frames = psysfile_stack(r, sk, &n);
	}
	/* Stacks are stored leaf first; folded lines read root first. */
	for (uint32_t j = n; j-- > 0;) {
		const char *name = name_of(f, nm, in, ks, frames[j], j > 0);
		if (!name)
			return -ENOMEM;
		put_frame(line, name, strlen(name));
		if (f->o.annotate)
			buf_put(line, "_[k]", 4);
	}
	if (line->err)
		return -ENOMEM;
	if (!line->len)
		put_frame(line, "[no frames]", 11);
	/* A line must not look like a metadata line. */
	if (line->data[0] == '#')
		line->data[0] = '?';
	if (f->o.labels)
		put_labels(line, r, e, in->host_label);
	buf_put_u8(line, 0);
	return line->err;
}

/* Naming: adds each entry of T as its line (once per distinct entry,
 * however many samples it counts), and T's timeline with entries turned
 * into lines. Returns 0 or -ENOMEM. */
static int name_entries(struct fold *f, struct psysfile_reader *r, const struct fold_input *in,
			struct tally *t)
{
	const struct ksyms *ks = in->ks ? in->ks : psysfile_ksyms(r);
	struct names nm[2] = { 0 };	/* sampled frames, callers */
	struct buf line = { 0 };
	uint32_t *entry_line_id = NULL;
	int err = -ENOMEM;

	if (f->o.timeline &&
	    !(entry_line_id = malloc((t->ne ? t->ne : 1) * sizeof(*entry_line_id))))
		goto cleanup;
	for (size_t i = 0; i < t->ne; i++)
		if ((err = entry_line(f, r, in, ks, nm, &t->e[i], &line)) ||
		    (err = add_line(f, (const char *)line.data, line.len, t->e[i].count,
				    entry_line_id ? &entry_line_id[i] : NULL)))
			goto cleanup;
	err = -ENOMEM;
	if (f->o.timeline) {
		if (buf_grow((void **)&f->ev, &f->ev_cap, f->nev + t->nev, sizeof(*f->ev)))
			goto cleanup;
		for (size_t j = 0; j < t->nev; j++) {
			t->ev[j].line = entry_line_id[t->ev[j].line];
			f->ev[f->nev++] = t->ev[j];
		}
	}
	err = 0;
cleanup:
	free(entry_line_id);
	for (int i = 0; i < 2; i++) {
		hmap_free(&nm[i].map);
		buf_free(&nm[i].text);
	}
	buf_free(&line);
	return err;
}

int fold_add(struct fold *f, struct psysfile_reader *r, const struct fold_input *input)
{
	static const struct fold_input none = { .to_ns = UINT64_MAX };
	const struct fold_input *in = input ? input : &none;
	struct tally t = { 0 };
	int err;

	f->c.first_ns = f->c.last_ns = f->c.in_window = 0;
	/* Counting first, by (thread, stack): names come after, once per
	 * distinct entry. */
	err = count_samples(f, r, in, &t);
	if (!err) {
		/* Who ran: each thread folded (every entry holds a sample). */
		struct who_seen w = { 0 };

		if (t.ne && (err = who_note_threads(&w, r, &t.e[0].thread, t.ne, sizeof(*t.e))))
			goto out;
		who_merge(&f->c.who, &w);
		err = name_entries(f, r, in, &t);
	}
out:
	tally_free(&t);
	return err;
}

/* For sorting line ids by their text. */
static const struct intern *sort_lines;

static int cmp_line(const void *a, const void *b)
{
	size_t xn, yn;
	const char *x = intern_get(sort_lines, *(const uint32_t *)a, &xn);
	const char *y = intern_get(sort_lines, *(const uint32_t *)b, &yn);
	int c = strcmp(x, y);

	/* The same text with other labels (the only way two lines can
	 * share it): ordered by the labels' bytes, so the order is fixed. */
	if (c == 0) {
		c = memcmp(x, y, xn < yn ? xn : yn);
		if (c == 0)
			c = xn < yn ? -1 : xn > yn;
	}
	return c;
}

int fold_sort(struct fold *f)
{
	if (f->sorted)
		return 0;
	if (buf_grow((void **)&f->order, &f->order_cap, f->lines.n ? f->lines.n : 1,
		     sizeof(*f->order)))
		return -ENOMEM;
	for (size_t i = 0; i < f->lines.n; i++)
		f->order[i] = (uint32_t)i;
	sort_lines = &f->lines;
	/* qsort's pointer must not be NULL, even for no lines. */
	if (f->lines.n)
		qsort(f->order, f->lines.n, sizeof(*f->order), cmp_line);
	f->sorted = 1;
	return 0;
}

size_t fold_nlines(const struct fold *f)
{
	return f->lines.n;
}

/* The id of line I: in sorted order once sorted, else the order added. */
static uint32_t line_id(const struct fold *f, size_t i)
{
	return f->sorted ? f->order[i] : (uint32_t)i;
}

const char *fold_line(const struct fold *f, size_t i, uint64_t *count)
{
	size_t len;

	if (i >= f->lines.n)
		return NULL;
	if (count)
		*count = f->count[line_id(f, i)];
	return intern_get(&f->lines, line_id(f, i), &len);
}

int fold_line_labels(const struct fold *f, size_t i, struct fold_labels *out)
{
	const char *p;
	size_t n, len;

	if (!f->o.labels || i >= f->lines.n)
		return -ENOENT;
	p = intern_get(&f->lines, line_id(f, i), &len);
	n = strlen(p) + 1;
	if (n + 3 * sizeof(uint32_t) >= len)
		return -ENOENT;		/* a line from folded text */
	memcpy(&out->pid, p + n, 4);
	memcpy(&out->tid, p + n + 4, 4);
	memcpy(&out->cpu, p + n + 8, 4);
	out->comm = p + n + 12;
	out->host = out->comm + strlen(out->comm) + 1;
	out->cgroup = out->host + strlen(out->host) + 1;
	out->container = out->cgroup + strlen(out->cgroup) + 1;
	out->pod = out->container + strlen(out->container) + 1;
	out->service = out->pod + strlen(out->pod) + 1;
	return 0;
}

/* Sorts V (N events) by time, keeping the order of equal times. */
static int sort_events(struct fold_event *v, size_t n)
{
	struct fold_event *tmp, *src = v, *dst;
	size_t *run, nrun = 1, i;

	/* Captures are mostly in order already: check before sorting. */
	for (i = 1; i < n && v[i - 1].time_ns <= v[i].time_ns; i++)
		;
	if (i >= n)
		return 0;
	for (; i < n; i++)
		nrun += v[i].time_ns < v[i - 1].time_ns;
	tmp = malloc(n * sizeof(*tmp));
	run = malloc((nrun + 1) * sizeof(*run));
	if (!tmp || !run) {
		free(tmp);
		free(run);
		return -ENOMEM;
	}
	/* A natural merge sort: the runs in order already (a block of one
	 * CPU's samples, mostly) merged in pairs, the earlier run first on
	 * equal times: stable, n log(runs) whatever the input. */
	run[0] = 0;
	for (i = 1, nrun = 1; i < n; i++)
		if (v[i].time_ns < v[i - 1].time_ns)
			run[nrun++] = i;
	run[nrun] = n;
	for (dst = tmp; nrun > 1; dst = src == v ? tmp : v) {
		size_t k = 0;

		for (size_t r = 0; r < nrun; r += 2) {
			/* An odd run out at the end is copied as it is. */
			size_t lo = run[r], mid = run[r + 1], hi = r + 2 <= nrun ? run[r + 2] : mid;
			size_t a = lo, b = mid, o = lo;

			while (a < mid && b < hi)
				dst[o++] = src[b].time_ns < src[a].time_ns ? src[b++] : src[a++];
			while (a < mid)
				dst[o++] = src[a++];
			while (b < hi)
				dst[o++] = src[b++];
			run[k++] = lo;
		}
		run[k] = n;
		nrun = k;
		src = dst;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
	free(run);
	return 0;
}

const struct fold_event *fold_timeline(struct fold *f, size_t *n)
{
	uint32_t *pos = NULL;

	*n = 0;
	free(f->ev_out);
	f->ev_out = NULL;
	if (!f->nev)
		return NULL;
	if (fold_sort(f) ||
	    !(pos = malloc(f->lines.n * sizeof(*pos))) ||
	    !(f->ev_out = malloc(f->nev * sizeof(*f->ev_out))))
		goto nomem;
	for (size_t i = 0; i < f->lines.n; i++)
		pos[f->order[i]] = (uint32_t)i;
	for (size_t i = 0; i < f->nev; i++) {
		f->ev_out[i] = f->ev[i];
		f->ev_out[i].line = pos[f->ev[i].line];
	}
	if (sort_events(f->ev_out, f->nev))
		goto nomem;
	free(pos);
	*n = f->nev;
	return f->ev_out;
nomem:
	free(pos);
	free(f->ev_out);
	f->ev_out = NULL;
	errno = ENOMEM;
	return NULL;
}

int fold_write(struct fold *f, FILE *out)
{
	int err = fold_sort(f);

	if (err)
		return err;
	for (size_t i = 0; i < f->lines.n; i++) {
		uint64_t n;

		fputs(fold_line(f, i, &n), out);
		fprintf(out, " %llu\n", (unsigned long long)n);
	}
	return ferror(out) ? -EIO : 0;
}

int fold_write_diff(struct fold *base, struct fold *f, FILE *out)
{
	size_t i = 0, j = 0;
	int err;

	if ((err = fold_sort(base)) || (err = fold_sort(f)))
		return err;
	/* Both sorted the same way: one merge walk. */
	while (i < base->lines.n || j < f->lines.n) {
		uint64_t a = 0, b = 0;
		const char *x = fold_line(base, i, &a), *y = fold_line(f, j, &b);
		int c = !x ? 1 : !y ? -1 : strcmp(x, y);

		if (c <= 0)
			i++;
		else
			a = 0;
		if (c >= 0)
			j++;
		else
			b = 0;
		fprintf(out, "%s %llu %llu\n", c <= 0 ? x : y, (unsigned long long)a,
			(unsigned long long)b);
	}
	return ferror(out) ? -EIO : 0;
}

void fold_free(struct fold *f)
{
	if (!f)
		return;
	intern_free(&f->lines);
	free(f->count);
	free(f->order);
	free(f->ev);
	free(f->ev_out);
	free(f);
}
