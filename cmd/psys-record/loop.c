/* psys-record's event loop; see loop.h. */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cpulist.h"
#include "base/ptime.h"
#include "watch/trigger.h"
#include "privs.h"
#include "sampler.h"

#define PROG "psys-record"
#define HOTPLUG_POLL_NS (100 * 1000000LL)	/* how often the online CPUs are read */

struct loop {
	struct recorder *r;
	int epfd, sfd, in_fd, in_pollable, in_eof;
	char *line;
	size_t line_len, line_cap;
	int line_too_long;
	int stopping;
	struct sampler *sampler;
	const struct cpulist *cpus;	/* sampled, online or not */
	int64_t online_read;		/* when the online CPUs were read */
	int said_reopen;
};

static int64_t real_clock(void *ctx, enum recorder_clock_id which)
{
	return ptime_now(which == RECORDER_WALL ? CLOCK_REALTIME : CLOCK_MONOTONIC);
}

static void say(void *ctx, const char *msg)
{
	fprintf(stderr, PROG ": %s\n", msg);
}

static int print_path(void *ctx, const char *path)
{
	if (printf("%s\n", path) >= 0 && fflush(stdout) == 0)
		return 0;
	int err = errno ? -errno : -EIO;
	clearerr(stdout);
	return err;
}

void loop_wire(struct recorder_opts *o)
{
	o->diag = (struct diag){ say, NULL };
	o->clock = (struct recorder_clock){ NULL, real_clock };
	o->finished = print_path;
	o->out_fd = STDOUT_FILENO;
}

/* Follows the sampled CPUs going offline and coming online: a CPU's
 * perf event dies with it, so it is opened again when the CPU is back,
 * and the recorder is told of both, for the captures' trailers. */
static void follow_cpus(struct loop *l, int64_t now)
{
	struct cpulist on = { 0 };
	char why[256];

	if (now - l->online_read < HOTPLUG_POLL_NS || cpulist_online(NULL, &on))
		return;
	for (int i = 0; i < l->cpus->n; i++) {
		int cpu = l->cpus->cpus[i], online = cpulist_has(&on, cpu);

		if (online == sampler_cpu_open(l->sampler, cpu))
			continue;
		if (!online) {
			sampler_cpu_set(l->sampler, cpu, 0, why, sizeof(why));
			recorder_cpu_state(l->r, cpu, 0, now, l->online_read);
			continue;
		}
		privs_raise(PRIVS_HOTPLUG, 1);
		int err = sampler_cpu_set(l->sampler, cpu, 1, why, sizeof(why));
		privs_raise(PRIVS_HOTPLUG, 0);
		if (err) {
			/* Tried again at the next poll; said once. */
			if (!l->said_reopen++)
				fprintf(stderr, PROG ": warning: cpu %d is back online: %s\n", cpu,
					why);
			continue;
		}
		recorder_cpu_state(l->r, cpu, 1, ptime_now(CLOCK_MONOTONIC), 0);
	}
	cpulist_free(&on);
	l->online_read = now;
}

/* Splits what stdin gave into lines and hands each to the recorder. */
static void feed_input(struct loop *l, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (!l->line_too_long) {
			if (l->line_len + k > TRIGGER_LINE_MAX) {
				l->line_too_long = 1;
			} else {
				if (buf_grow((void **)&l->line, &l->line_cap, l->line_len + k + 1, 1))
					l->line_too_long = 1;
				if (!l->line_too_long) {
					memcpy(l->line + l->line_len, p, k);
					l->line_len += k;
				}
			}
		}
		if (!nl)
			return;
		if (l->line_too_long)
			recorder_bad_line(l->r, "line too long");
		else
			recorder_line(l->r, l->line, l->line_len);
		l->line_len = 0;
		l->line_too_long = 0;
		p = nl + 1;
		n -= k + 1;
	}
}

static void read_input(struct loop *l)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(l->in_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN)
				l->in_eof = 1;
			return;
		}
		if (n == 0) {
			/* A last line without a newline still counts. */
			if (l->line_len && !l->line_too_long)
				recorder_line(l->r, l->line, l->line_len);
			l->line_len = 0;
			l->in_eof = 1;
			return;
		}
		feed_input(l, buf, n);
		if (!l->in_pollable && (size_t)n < sizeof(buf))
			continue;
	}
}

int loop_run(struct recorder *r, struct sampler *sampler, const struct cpulist *cpus,
	     int triggered)
{
	struct loop l = { .r = r, .epfd = -1, .sfd = -1, .in_fd = -1, .sampler = sampler,
			  .cpus = cpus };
	sigset_t mask;
	int err = 0;

	/* A CPU offline as sampling starts is a stretch not sampled too. */
	for (int i = 0; i < cpus->n; i++)
		if (!sampler_cpu_open(sampler, cpus->cpus[i]))
			recorder_cpu_state(r, cpus->cpus[i], 0, ptime_now(CLOCK_MONOTONIC), 0);
	l.online_read = ptime_now(CLOCK_MONOTONIC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	l.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l.sfd < 0 || l.epfd < 0) {
		fprintf(stderr, PROG ": cannot set up the event loop: %s\n", strerror(errno));
		err = -errno;
		goto cleanup;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 1 };
	epoll_ctl(l.epfd, EPOLL_CTL_ADD, sampler_fd(sampler), &ev);
	ev.data.u32 = 2;
	epoll_ctl(l.epfd, EPOLL_CTL_ADD, l.sfd, &ev);
	if (triggered) {
		l.in_fd = 0;
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
		ev.data.u32 = 3;
		/* A regular file cannot be polled: it is always readable. */
		l.in_pollable = epoll_ctl(l.epfd, EPOLL_CTL_ADD, 0, &ev) == 0;
	} else if ((err = recorder_start_now(r))) {
		goto cleanup;
	}

	for (;;) {
		struct epoll_event evs[3];
		int64_t now = ptime_now(CLOCK_MONOTONIC);
		int64_t wake = recorder_next_wake(r, now);
		int n = epoll_wait(l.epfd, evs, 3,
				   l.in_fd >= 0 && !l.in_pollable && !l.in_eof ? 0 :
				   (int)((wake - now + 999999) / 1000000));

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == 2) {
				struct signalfd_siginfo si;
				while (read(l.sfd, &si, sizeof(si)) == sizeof(si))
					l.stopping = si.ssi_signo;
			}
			if (evs[i].data.u32 == 3 && !l.in_eof)
				read_input(&l);
		}
		if (l.in_fd >= 0 && !l.in_pollable && !l.in_eof)
			read_input(&l);
		if (l.in_eof && l.in_pollable) {
			epoll_ctl(l.epfd, EPOLL_CTL_DEL, 0, NULL);
			l.in_pollable = 0;
		}
		follow_cpus(&l, ptime_now(CLOCK_MONOTONIC));
		recorder_tick(r, ptime_now(CLOCK_MONOTONIC), l.stopping);
		/* The reader of stdout left: every file is finished, end. */
		if (l.stopping || recorder_pipe_gone(r) ||
		    (!triggered && !recorder_capturing(r)) ||
		    (triggered && l.in_eof && !recorder_capturing(r)))
			break;
	}
	recorder_finish(r, l.stopping);
	err = recorder_failed(r) ? -EIO : 0;
cleanup:
	free(l.line);
	if (l.epfd >= 0)
		close(l.epfd);
	if (l.sfd >= 0)
		close(l.sfd);
	return err;
}

