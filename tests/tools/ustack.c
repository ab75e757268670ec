/* ustack: a program for the user-stack tests. main -> outer_user_frame ->
 * hot_function_in_user_space, which loops on read(2) of /dev/zero through
 * a raw syscall instruction (not libc's wrapper, which has no frame
 * pointer), so a sampled user stack reads hot_function_in_user_space;
 * outer_user_frame; main. Built with frame pointers. Pinned to -c CPU for
 * -t SECONDS, named -n COMM. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char buf[4096];

static inline long raw_read(int fd, void *p, unsigned long n)
{
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(SYS_read), "D"(fd), "S"(p), "d"(n)
			 : "rcx", "r11", "memory");
	return ret;
#else
	return syscall(SYS_read, fd, p, n);
#endif
}

__attribute__((noinline)) long hot_function_in_user_space(int fd, long rounds)
{
	long total = 0;

	for (long i = 0; i < rounds; i++)
		total += raw_read(fd, buf, sizeof(buf));
	return total;
}

__attribute__((noinline)) long outer_user_frame(int fd, double secs)
{
	struct timespec a, b;
	long total = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		total += hot_function_in_user_space(fd, 4096);
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while (b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) / 1e9 < secs);
	return total;
}

int main(int argc, char **argv)
{
	int opt, cpu = -1, fd = open("/dev/zero", O_RDONLY);
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
	if (fd < 0)
		return 1;
	printf("%d\n", outer_user_frame(fd, secs) > 0);
	return 0;
}
