/* gen-folded: writes a deterministic, kernel-like folded-stack input for
 * benchmarks and tests: N distinct stacks (default 100,000) sharing
 * prefixes the way real profiles do, COUNT samples in all (default
 * 1,000,000) spread with a heavy tail, depths 14..38 (26 on average),
 * sorted as collapsers write them. The same options always give the same
 * bytes, on any machine.
 *
 *   gen-folded [-n STACKS] [-s SAMPLES] [-S SEED] [-u] [-D] > out.folded
 *
 * -u leaves the stacks in generation order (unsorted); -D adds a second
 * count column (a differential input). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXDEPTH 38
#define NFUNCS 4000
#define NCOMMS 24
#define NENTRY 12

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: tiny, good enough, identical everywhere. */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static const char *const COMMS[NCOMMS] = {
	"loadgen", "nginx", "postgres", "java", "kworker/u16:3", "ksoftirqd/1",
	"sshd", "systemd", "redis-server", "envoy", "node", "python3",
	"containerd", "kubelet", "haproxy", "mysqld", "rsyslogd", "chronyd",
	"swapper/1", "migration/1", "jbd2/sda1-8", "kswapd0", "irq/42-nvme0q1",
	"memcached",
};

static const char *const PREFIX[] = {
	"", "__", "do_", "__x64_sys_", "vfs_", "ext4_", "tcp_", "ip_", "nf_",
	"mm_", "page_", "sched_", "irq_", "xfs_", "blk_", "bio_", "sock_",
	"skb_", "inet_", "__handle_", "rcu_", "security_", "fsnotify_",
	"copy_", "futex_", "ep_",
};

static const char *const WORD[] = {
	"read", "write", "alloc", "free", "lock", "unlock", "queue", "flush",
	"submit", "map", "fault", "wake", "send", "recv", "poll", "copy",
	"insert", "lookup", "update", "commit", "pages", "folio", "entry",
	"iter", "slow", "fast", "common", "state", "event", "timer", "work",
	"softirq", "napi", "rcv", "xmit", "finish", "core", "range", "node",
	"task", "file", "inode", "dentry", "walk", "charge", "account",
};

static const char *const ENTRY[NENTRY] = {
	"entry_SYSCALL_64_after_hwframe", "asm_sysvec_apic_timer_interrupt",
	"asm_common_interrupt", "ret_from_fork_asm", "asm_exc_page_fault",
	"asm_sysvec_call_function_single", "secondary_startup_64_no_verify",
	"asm_sysvec_reschedule_ipi", "entry_SYSCALL_64_safe_stack",
	"asm_sysvec_irq_work", "common_startup_64", "asm_exc_int3",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char *names[NFUNCS + NCOMMS + NENTRY];
static uint16_t callees[NFUNCS][8];
static uint8_t ncallees[NFUNCS];

struct stack {
	uint16_t f[MAXDEPTH];
	uint8_t depth;
	char *text;
	size_t len;
	uint64_t count, before;
};

static void make_names(void)
{
	char buf[128];

	for (int i = 0; i < NFUNCS; i++) {
		int words = 1 + below(3);
		size_t n = snprintf(buf, sizeof(buf), "%s",
				    PREFIX[below(NELEM(PREFIX))]);

		for (int k = 0; k < words; k++)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      k ? "_" : "", WORD[below(NELEM(WORD))]);
		/* A few functions live in modules, as perf shows them. */
		if (below(40) == 0)
			snprintf(buf + n, sizeof(buf) - n, " [%s]",
				 below(2) ? "nf_tables" : "xfs");
		else if (below(8) == 0)
			snprintf(buf + n, sizeof(buf) - n, ".%s",
				 below(2) ? "isra.0" : "constprop.0");
		names[i] = strdup(buf);
		ncallees[i] = 1 + below(7);
		for (int k = 0; k < ncallees[i]; k++)
			callees[i][k] = below(NFUNCS);
	}
	for (int i = 0; i < NCOMMS; i++)
		names[NFUNCS + i] = strdup(COMMS[i]);
	for (int i = 0; i < NENTRY; i++)
		names[NFUNCS + NCOMMS + i] = strdup(ENTRY[i]);
}

/* Open-addressing set of stack hashes, to keep the stacks distinct. */
static uint64_t *seen;
static size_t seen_mask;

static int remember(const struct stack *s)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (int d = 0; d < s->depth; d++)
		h = (h ^ s->f[d]) * 1099511628211ull;
	h |= 1;
	for (i = h & seen_mask; seen[i]; i = (i + 1) & seen_mask)
		if (seen[i] == h)
			return 0;
	seen[i] = h;
	return 1;
}

static void extend(struct stack *s, int depth)
{
	for (int d = s->depth; d < depth; d++) {
		uint16_t prev = s->f[d - 1];

		if (prev >= NFUNCS)	/* a comm or an entry point */
			s->f[d] = prev >= NFUNCS + NCOMMS ? below(NFUNCS)
							  : NFUNCS + NCOMMS +
								    below(NENTRY);
		else
			s->f[d] = callees[prev][below(ncallees[prev])];
	}
	s->depth = depth;
}

static int by_text(const void *a, const void *b)
{
	const struct stack *x = a, *y = b;

	return strcmp(x->text, y->text);
}

int main(int argc, char **argv)
{
	long nstacks = 100000, nsamples = 1000000;
	uint64_t seed = 42;
	int sorted = 1, diff = 0, c;
	struct stack *st;
	double *w, wsum = 0;
	uint64_t given = 0;

	while ((c = getopt(argc, argv, "n:s:S:uD")) != -1) {
		switch (c) {
		case 'n': nstacks = atol(optarg); break;
		case 's': nsamples = atol(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'u': sorted = 0; break;
		case 'D': diff = 1; break;
		default:
			fprintf(stderr, "usage: gen-folded [-n STACKS] [-s SAMPLES] "
					"[-S SEED] [-u] [-D]\n");
			return 2;
		}
	}
	if (nstacks < 1 || nsamples < nstacks) {
		fprintf(stderr, "gen-folded: need 1 <= stacks <= samples\n");
		return 2;
	}
	rng_state = seed;
	make_names();
	for (seen_mask = 1; seen_mask < (size_t)nstacks * 4; seen_mask <<= 1)
		;
	seen = calloc(seen_mask, sizeof(*seen));
	seen_mask--;
	st = calloc(nstacks, sizeof(*st));
	w = calloc(nstacks, sizeof(*w));
	if (!st || !w || !seen)
		return 1;

	for (long i = 0; i < nstacks;) {
		struct stack *s = &st[i];
		int depth = 14 + below(25);

		if (i == 0 || below(12) == 0) {
			s->f[0] = NFUNCS + below(NCOMMS);
			s->depth = 1;
		} else {
			/* Share a prefix with an earlier stack, as real
			 * stacks share their callers. */
			const struct stack *p = &st[below(i)];
			int k = 1 + below(p->depth < depth ? p->depth : depth);

			memcpy(s->f, p->f, k * sizeof(s->f[0]));
			s->depth = k;
		}
		extend(s, depth);
		if (!remember(s))
			continue;
		/* Heavy tail: a few stacks get most samples. */
		{
			double u = (double)(rnd() >> 11) / 9007199254740992.0;

			w[i] = 1 / (u * u + 1e-6);
		}
		wsum += w[i];
		i++;
	}
	for (long i = 0; i < nstacks; i++) {
		struct stack *s = &st[i];
		size_t len = 0;
		char *p;

		s->count = 1 + (uint64_t)((double)(nsamples - nstacks) * w[i] / wsum);
		given += s->count;
		for (int d = 0; d < s->depth; d++)
			len += strlen(names[s->f[d]]) + 1;
		s->text = p = malloc(len);
		for (int d = 0; d < s->depth; d++) {
			size_t n = strlen(names[s->f[d]]);

			memcpy(p, names[s->f[d]], n);
			p += n;
			*p++ = d + 1 < s->depth ? ';' : '\0';
		}
	}
	/* Hand out what rounding kept back, so the total is exact. */
	for (long i = 0; given < (uint64_t)nsamples; i = (i + 1) % nstacks) {
		st[i].count++;
		given++;
	}
	for (long i = 0; i < nstacks; i++) {
		/* BEFORE: the same stack a little more or less busy. */
		uint64_t c2 = st[i].count;

		st[i].before = c2 + c2 / 4 > 0 ? c2 - c2 / 8 + below(c2 / 4 + 1)
					       : c2;
	}
	if (sorted)
		qsort(st, nstacks, sizeof(*st), by_text);
	for (long i = 0; i < nstacks; i++) {
		if (diff)
			printf("%s %llu %llu\n", st[i].text,
			       (unsigned long long)st[i].before,
			       (unsigned long long)st[i].count);
		else
			printf("%s %llu\n", st[i].text,
			       (unsigned long long)st[i].count);
	}
	for (long i = 0; i < nstacks; i++)
		free(st[i].text);
	for (size_t i = 0; i < NELEM(names); i++)
		free(names[i]);
	free(st);
	free(w);
	free(seen);
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
