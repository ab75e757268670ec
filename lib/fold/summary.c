/* Aggregating the metadata of the captures folded; see summary.h. */
#include "fold/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/ptime.h"
#include "cgroup/cgroup_name.h"
#include "folded/folded.h"

/* "peak: cpu 1 at 62.5% sys over 0.2 s (threshold 50%)" or "interval:
 * cpu 1 at 12% sys over 3.0 s (gate 10%)": trigger TR in words. */
/* The name a person knows cgroup PATH by: "container ID12", "service
 * NAME", or "cgroup PATH", cleaned as a frame, into BUF. */
static void cgroup_words(const char *path, char *buf, size_t len)
{
	struct cgroup_name n;
	char raw[4200];

	cgroup_name_parse(path, &n);
	if (n.container_id[0])
		snprintf(raw, sizeof(raw), "container %.12s", n.container_id);
	else if (n.service[0])
		snprintf(raw, sizeof(raw), "service %s", n.service);
	else
		snprintf(raw, sizeof(raw), "cgroup %s", path);
	fold_clean(raw, buf, len);
}

/* "cgroup: container 0123456789ab at 63.2% of a CPU in sys over 3 s
 * (gate 50%)": a cgroup trigger in words. */
static void cgroup_trigger_words(const struct trigger *tr, char *buf, size_t len)
{
	size_t n = snprintf(buf, len, "cgroup:");
	char who[300];

	for (int i = 0; i < tr->ncgroups && i < 3 && n < len; i++) {
		cgroup_words(tr->cgroups[i].path, who, sizeof(who));
		n += snprintf(buf + n, len - n, "%s %s at %.1f%%", i ? "," : "", who,
			      tr->cgroups[i].sys_pct);
	}
	if (n < len && tr->ncgroups > 3)
		n += snprintf(buf + n, len - n, " and %d more", tr->ncgroups - 3);
	if (n < len)
		snprintf(buf + n, len - n, " of a CPU in sys over %g s (gate %g%%)", tr->interval,
			 tr->gate);
}

static void trigger_words(const struct trigger *tr, char *buf, size_t len)
{
	int peak = strcmp(tr->rule, "peak") == 0;
	size_t n = 0;
	char clean[40];

	if (trigger_is_cgroup(tr)) {
		cgroup_trigger_words(tr, buf, len);
		return;
	}
	fold_clean(*tr->rule ? tr->rule : "interval", clean, sizeof(clean));
	n += snprintf(buf + n, len - n, "%s: cpu", clean);
	for (int i = 0; i < tr->nhot && i < 4 && n < len; i++)
		n += snprintf(buf + n, len - n, "%s %d at %.1f%%", i ? "," : "",
			      tr->hot[i].cpu, tr->hot[i].sys_pct);
	if (n < len && tr->nhot > 4)
		n += snprintf(buf + n, len - n, " and %d more", tr->nhot - 4);
	if (n < len)
		snprintf(buf + n, len - n, " sys over %g s (%s %g%%)",
			 peak ? tr->window : tr->interval, peak ? "threshold" : "gate", tr->gate);
}

/* Adds the rule of trigger TR to S's list, once. */
static void add_rule(struct summary *s, const struct trigger *tr)
{
	char clean[40], *p;
	size_t n = 0;

	fold_clean(*tr->rule ? tr->rule : "interval", clean, sizeof(clean));
	for (p = s->rules; *p; p += n + (p[n] == ',' ? 2 : 0)) {
		n = strcspn(p, ",");
		if (n == strlen(clean) && strncmp(p, clean, n) == 0)
			return;
	}
	snprintf(s->rules + strlen(s->rules), sizeof(s->rules) - strlen(s->rules), "%s%s",
		 *s->rules ? ", " : "", clean);
}

void summary_add(struct summary *s, const struct slice *sl, const struct capinfo *ci,
		 const struct fold_counts *c)
{
	struct cpulist l = { 0 };
	char clean[256];

	/* A triggered capture names its hot CPUs; otherwise all it sampled.
	 * The header names those it started with; a capture that grew (a
	 * trigger for more CPUs came while it ran) names them all in its
	 * trailer. */
	const char *lists[] = { ci->cpus, ci->t.hot_cpus };
	for (int k = 0; k < 2; k++) {
		if (!lists[k] || cpulist_parse(lists[k], &l))
			continue;
		for (int i = 0; i < l.n; i++)
			if (!sl->cpus.n || idlist_has(&sl->cpus, (uint32_t)l.cpus[i]))
				cpulist_add(&s->cpus, l.cpus[i]);
		cpulist_free(&l);
	}

	fold_clean(ci->host, clean, sizeof(clean));
	if (*clean && !strstr(s->hosts, clean))
		snprintf(s->hosts + strlen(s->hosts), sizeof(s->hosts) - strlen(s->hosts),
			 "%s%s", *s->hosts ? ", " : "", clean);
	if (!*s->kernel)
		fold_clean(ci->kernel_release, s->kernel, sizeof(s->kernel));
	if (!s->freq)
		s->freq = (long)ci->h.freq_hz;
	if (!s->files) {
		s->kernel_start = ci->stext_first;
		s->kernel_limit = ci->etext_first;
	}

	int64_t wall0 = ci->h.start_wall_ns, wall1 = ci->t.end_wall_ns;
	/* No trailer: the capture ran until its last sample. */
	if (!wall1 && wall0 && c->last_ns)
		wall1 = wall0 + ((int64_t)c->last_ns - ci->h.start_mono_ns);
	if (wall0 && (!s->wall_first || wall0 < s->wall_first))
		s->wall_first = wall0;
	if (wall1 > s->wall_last)
		s->wall_last = wall1;
	if (ci->trigger) {
		/* A cgroup trigger's capture is titled after its cgroups. */
		if (!s->files && trigger_is_cgroup(ci->trigger))
			for (int i = 0; i < ci->trigger->ncgroups && i < 3; i++) {
				char who[300];
				size_t k = strlen(s->who_title);

				cgroup_words(ci->trigger->cgroups[i].path, who, sizeof(who));
				snprintf(s->who_title + k, sizeof(s->who_title) - k, "%s%s",
					 i ? ", " : "", who);
			}
		if (!*s->trigger)
			trigger_words(ci->trigger, s->trigger, sizeof(s->trigger));
		add_rule(s, ci->trigger);
	}
	for (size_t i = 0; i < ci->t.ntriggers; i++)
		add_rule(s, &ci->t.triggers[i].t);
	/* The stretches CPUs were offline, on the wall clock the window is
	 * in: the capture's start ties its monotonic clock to it. */
	for (size_t i = 0; wall0 && i < ci->t.ncpu_gaps; i++) {
		const struct psys_cpu_gap *g = &ci->t.cpu_gaps[i];
		if ((sl->cpus.n && !idlist_has(&sl->cpus, (uint32_t)g->cpu)) ||
		    buf_grow((void **)&s->gaps, &s->gaps_cap, s->ngaps + 1, sizeof(*s->gaps)))
			continue;
		s->gaps[s->ngaps++] = (struct summary_gap){
			(int)g->cpu, wall0 + (g->offline_mono_ns - ci->h.start_mono_ns),
			g->online_mono_ns ? wall0 + (g->online_mono_ns - ci->h.start_mono_ns) : 0 };
	}
	for (size_t i = 0; wall0 && i < ci->t.nlost_at; i++)
		if (!buf_grow((void **)&s->losses, &s->losses_cap, s->nlosses + 1,
			      sizeof(*s->losses)))
			s->losses[s->nlosses++] = (struct summary_loss){
				ci->t.lost_at[i].from_mono_ns ?
				wall0 + (ci->t.lost_at[i].from_mono_ns - ci->h.start_mono_ns) : 0,
				wall0 + (ci->t.lost_at[i].mono_ns - ci->h.start_mono_ns),
				ci->t.lost_at[i].lost };
	s->lost += ci->t.lost;
	s->stack_errors += ci->t.stack_errors;
	s->bpf_misses += ci->t.bpf_misses;
	s->files++;
}

void summary_title(const struct summary *s, char *buf, size_t len)
{
	char cpus[4096];

	if (*s->who_title) {
		snprintf(buf, len, "sysHigh for %s", s->who_title);
		return;
	}
	cpulist_join(&s->cpus, ":", cpus, sizeof(cpus));
	snprintf(buf, len, "sysHigh for cpu %s", *cpus ? cpus : "?");
}

/* "# KEY: N" for an unsigned number. */
static void write_u64(FILE *out, const char *key, uint64_t n)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)n);
	folded_meta_write(out, key, v);
}

void summary_write(const struct summary *s, const struct fold_counts *c,
		   const char *slice_desc, FILE *out)
{
	char cpus[4096], title[4200], a[64], b[64], v[256];

	cpulist_join(&s->cpus, ":", cpus, sizeof(cpus));
	summary_title(s, title, sizeof(title));
	/* Values are JSON strings (lib/folded/folded.h): other tools never read a
	 * metadata line as a stack. */
	folded_meta_write(out, "psys-fold", PSYS_VERSION);
	folded_meta_write(out, "title", title);
	if (*s->hosts)
		folded_meta_write(out, "host", s->hosts);
	if (*s->kernel)
		folded_meta_write(out, "kernel", s->kernel);
	if (s->wall_first && !ptime_iso(s->wall_first, a, sizeof(a)) &&
	    !ptime_iso(s->wall_last, b, sizeof(b))) {
		char w[200];
		snprintf(w, sizeof(w), "%s .. %s (%.3f s)", a, b,
			 (s->wall_last - s->wall_first) / 1e9);
		folded_meta_write(out, "window", w);
	}
	folded_meta_write(out, "cpus", cpus);
	if (*s->trigger)
		folded_meta_write(out, "trigger", s->trigger);
	if (*s->rules)
		folded_meta_write(out, "rules", s->rules);
	if (s->freq) {
		snprintf(v, sizeof(v), "%ld Hz", s->freq);
		folded_meta_write(out, "freq", v);
	}
	if (*slice_desc)
		folded_meta_write(out, "slice", slice_desc + (*slice_desc == ' '));
	/* Who ran it, when every sample folded ran in one container or
	 * service. */
	if (*who_one(&c->who, v, sizeof(v)))
		folded_meta_write(out, "who", v);
	write_u64(out, "samples", c->folded);
	snprintf(v, sizeof(v), "%llu (user %llu, idle %llu, sliced off %llu not folded)",
		 (unsigned long long)c->samples, (unsigned long long)c->user,
		 (unsigned long long)c->idle, (unsigned long long)c->filtered);
	folded_meta_write(out, "samples_read", v);
	write_u64(out, "lost", s->lost);
	if (s->ngaps) {
		/* "cpu 1 +2.010..+3.020 s": from the window's start. */
		char g[1024];
		size_t n = 0;
		for (size_t i = 0; i < s->ngaps && n < sizeof(g); i++) {
			const struct summary_gap *p = &s->gaps[i];
			n += snprintf(g + n, sizeof(g) - n, "%scpu %d +%.3f..", i ? ", " : "",
				      p->cpu, (p->from - s->wall_first) / 1e9);
			if (n < sizeof(g))
				n += p->to ? snprintf(g + n, sizeof(g) - n, "+%.3f s",
						      (p->to - s->wall_first) / 1e9)
					   : snprintf(g + n, sizeof(g) - n, "end");
		}
		folded_meta_write(out, "offline", g);
	}
	if (s->nlosses) {
		/* "+1.500..+4.365 s 1637": lost between two looks. */
		char g[1024];
		size_t n = 0;
		for (size_t i = 0; i < s->nlosses && n < sizeof(g); i++) {
			const struct summary_loss *p = &s->losses[i];
			n += snprintf(g + n, sizeof(g) - n, "%s", i ? ", " : "");
			if (p->from && n < sizeof(g))
				n += snprintf(g + n, sizeof(g) - n, "%+.3f..",
					      (p->from - s->wall_first) / 1e9);
			if (n < sizeof(g))
				n += snprintf(g + n, sizeof(g) - n, "%+.3f s %llu",
					      (p->at - s->wall_first) / 1e9,
					      (unsigned long long)p->lost);
		}
		folded_meta_write(out, "lost_at", g);
	}
	write_u64(out, "stack_errors", s->stack_errors);
	if (s->files > 1)
		write_u64(out, "files", (uint64_t)s->files);
}

int64_t summary_period_ns(const struct summary *s)
{
	return s->freq > 0 ? (int64_t)llround(1e9 / (double)s->freq) : 0;
}

void summary_free(struct summary *s)
{
	if (s) {
		cpulist_free(&s->cpus);
		free(s->gaps);
		free(s->losses);
	}
}
