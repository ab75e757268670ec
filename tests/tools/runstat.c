/* runstat: runs a command and appends what it cost to a file, for the
 * benchmark (bench/run.sh): wall time, CPU time (user, system) and peak
 * resident memory of the command and every child it waited for, from
 * wait4(2). The kernel derives rusage user+system from the scheduler's own
 * run time (sum_exec_runtime, in ns), so the CPU figure is exact, not
 * counted in ticks.
 *
 *   runstat FILE COMMAND [ARG...]
 *
 * Appends one line to FILE:
 *   wall=SECONDS cpu=SECONDS user=SECONDS sys=SECONDS maxrss_kb=KB status=N
 * and exits with the command's status (128+signal if killed). The
 * command's stdin, stdout and stderr are untouched; SIGINT and SIGTERM
 * sent to runstat are passed on to the command, so a script can stop it
 * by runstat's pid and still get its figures. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	int status, code;
	double t0, t1;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: runstat FILE COMMAND [ARG...]\n");
		return 2;
	}
	out = fopen(argv[1], "a");
	if (!out) {
		fprintf(stderr, "runstat: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* The command's stop signals are for it, not for us: we must live
	 * to write its figures. Blocked until the child is known, so none is
	 * lost in between. */
	struct sigaction sa = { .sa_handler = forward };
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t0 = now();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "runstat: cannot fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		fclose(out);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "runstat: cannot run '%s': %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	child = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
			return 1;
		}
	t1 = now();
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(out, "wall=%.6f cpu=%.6f user=%.6f sys=%.6f maxrss_kb=%ld status=%d\n",
		t1 - t0, tv(ru.ru_utime) + tv(ru.ru_stime), tv(ru.ru_utime),
		tv(ru.ru_stime), ru.ru_maxrss, code);
	if (fclose(out)) {
		fprintf(stderr, "runstat: cannot write '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	return code;
}
