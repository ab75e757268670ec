/* loadgen: a sys-time load generator for tests and benchmarks. Pins itself
 * to one CPU, optionally renames itself, and loops on a cheap syscall so
 * that almost all of its time is kernel time on a known path:
 *   read   read(2) of 4 KiB from /dev/zero: ksys_read, vfs_read, read_iter_zero
 *   stat   stat(2) of a path: path lookup (vfs_statx, filename_lookup)
 *   mmap   mmap + touch + munmap of 64 KiB: page faults and unmapping
 *   getpid getpid(2): syscall entry and exit only
 * With -u FRACTION it is busy only that fraction of every period (-p, default
 * 0.02 s) and sleeps the rest: a steady low load rather than a burst.
 * At exit it prints "iterations N seconds S rate R cpu C" on stdout: C is
 * the CPU time (user + system) it got, which on a shared CPU is less than
 * S and is what a sampler at HZ should see of it: HZ x C samples. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: loadgen [-c CPU] [-t SECONDS] [-d DELAY] "
		   "[-w read|stat|mmap|getpid] [-n COMM] [-u BUSY-FRACTION [-p PERIOD]]\n");
}

int main(int argc, char **argv)
{
	const char *work = "read", *comm = NULL;
	double secs = 1, delay = 0, duty = 1, period = 0.02;
	int cpu = -1, opt, fd = -1;
	static char buf[4096];
	unsigned long long iters = 0;

	while ((opt = getopt(argc, argv, "c:t:d:w:n:u:p:h")) != -1) {
		switch (opt) {
		case 'c': cpu = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'd': delay = atof(optarg); break;
		case 'w': work = optarg; break;
		case 'n': comm = optarg; break;
		case 'u': duty = atof(optarg); break;
		case 'p': period = atof(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "loadgen: cannot pin to cpu %d: %s\n",
				cpu, strerror(errno));
			return 1;
		}
	}
	if (comm && prctl(PR_SET_NAME, comm, 0, 0, 0)) {
		fprintf(stderr, "loadgen: cannot set name: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (strcmp(work, "read") == 0 && (fd = open("/dev/zero", O_RDONLY)) < 0) {
		fprintf(stderr, "loadgen: /dev/zero: %s\n", strerror(errno));
		return 1;
	}
	if (delay > 0) {
		struct timespec ts = { (time_t)delay,
				       (long)((delay - (time_t)delay) * 1e9) };
		nanosleep(&ts, NULL);
	}

	if (!(duty > 0 && duty <= 1) || !(period > 0)) {
		fprintf(stderr, "loadgen: -u wants a fraction in (0, 1], -p seconds > 0\n");
		return 2;
	}
	double start = now(), end = start + secs, t = start, next = start;
	while (!stop && t < end) {
		/* Duty cycle: busy until DUTY of this period is gone, then
		 * sleep to the next period. */
		if (duty < 1 && t >= next + duty * period) {
			next += period;
			while (next < t)
				next += period;
			double d = next - t;
			struct timespec ts = { (time_t)d, (long)((d - (time_t)d) * 1e9) };
			nanosleep(&ts, NULL);
			t = now();
			continue;
		}
		/* Check the clock only every few hundred calls: the load should
		 * be the syscall, not clock_gettime (a vDSO call anyway). */
		for (int i = 0; i < (duty < 1 ? 16 : 256); i++, iters++) {
			if (work[0] == 'r') {
				if (read(fd, buf, sizeof(buf)) < 0)
					return 1;
			} else if (work[0] == 's') {
				struct stat st;
				stat("/usr/bin/../lib/../bin/../share", &st);
			} else if (work[0] == 'm') {
				char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (p == MAP_FAILED)
					return 1;
				for (int k = 0; k < 65536; k += 4096)
					p[k] = 1;
				munmap(p, 65536);
			} else {
				syscall(SYS_getpid);
			}
		}
		t = now();
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("iterations %llu seconds %.3f rate %.0f cpu %.3f\n", iters, t - start,
	       iters / (t - start), ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return 0;
}
