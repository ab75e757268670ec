/* killafter: runs a command and sends it a signal after a pseudo-random
 * delay, for fault tests that kill psys-record at arbitrary moments.
 * Prints "kill_mono_ns DELAY_MS" (CLOCK_MONOTONIC just before the signal,
 * the clock of sample times) on stdout and exits with the command's
 * status as the shell would report it (128 + signal when killed).
 *
 *   killafter [-s SIGNAL] [-r SEED] MIN_MS MAX_MS COMMAND [ARG]...
 *
 * The delay is uniform in [MIN_MS, MAX_MS], from SEED (default: pid and
 * time), so a failing trial can be replayed with its seed. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int sig = SIGKILL, c, status;
	unsigned long seed = (unsigned long)getpid() ^ (unsigned long)time(NULL);
	long lo, hi, delay;
	struct timespec ts;
	uint64_t t;
	pid_t pid;

	while ((c = getopt(argc, argv, "+s:r:")) != -1) {
		switch (c) {
		case 's': sig = atoi(optarg); break;
		case 'r': seed = strtoul(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (argc - optind < 3)
		goto usage;
	lo = atol(argv[optind]);
	hi = atol(argv[optind + 1]);
	if (lo < 0 || hi < lo || sig <= 0)
		goto usage;
	srandom((unsigned)seed);
	delay = lo + (hi > lo ? random() % (hi - lo + 1) : 0);

	pid = fork();
	if (pid < 0) {
		perror("killafter: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[optind + 2], argv + optind + 2);
		fprintf(stderr, "killafter: cannot run '%s': %s\n", argv[optind + 2],
			strerror(errno));
		_exit(127);
	}
	ts.tv_sec = delay / 1000;
	ts.tv_nsec = delay % 1000 * 1000000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	t = now_ns();
	kill(pid, sig);
	printf("%llu %ld\n", (unsigned long long)t, delay);
	fflush(stdout);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("killafter: waitpid");
			return 1;
		}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
usage:
	fprintf(stderr, "usage: killafter [-s SIGNAL] [-r SEED] MIN_MS MAX_MS "
			"COMMAND [ARG]...\n");
	return 2;
}
