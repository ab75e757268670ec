/* pltcall: a program for the symbol tests. main -> outer_c -> inner_c,
 * which loops on syscall(SYS_getppid) and now and then stat(2), called through libc's
 * PLT (not inlined, not raw), so user-mode samples land in the PLT
 * entries (stat@plt, syscall@plt) and kernel-mode samples carry libc's
 * own frames. Built with frame pointers. Pinned to -c CPU for -t SECONDS,
 * named -n COMM. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) long inner_c(long rounds)
{
	struct stat st;
	long total = 0;

	/* getppid(2) and an unknown system call cost the kernel little, so
	 * the PLT's share of the time is as large as a syscall loop makes it. */
	for (long i = 0; i < rounds; i++) {
		if (i % 16 == 0)
			total += stat("/", &st) == 0;
		total += syscall(SYS_getppid) > 0;
		total += syscall(-1L) < 0;	/* ENOSYS: the shortest way in */
	}
	return total;
}

__attribute__((noinline)) long outer_c(double secs)
{
	struct timespec a, b;
	long total = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		total += inner_c(1000);
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while (b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) / 1e9 < secs);
	return total;
}

int main(int argc, char **argv)
{
	int opt, cpu = -1;
	double secs = 1;

	while ((opt = getopt(argc, argv, "c:t:n:")) != -1) {
		if (opt == 'c')
			cpu = atoi(optarg);
		else if (opt == 't')
			secs = atof(optarg);
		else if (opt == 'n')
			prctl(PR_SET_NAME, optarg, 0, 0, 0);
		else
			return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	printf("%d\n", outer_c(secs) > 0);
	return 0;
}
