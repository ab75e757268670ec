/* Dropping capabilities; see privs.h. Uses the capget/capset system calls
 * directly: libcap would be one more dependency for twenty lines. */
#include "privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = 40;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = 40;
		fclose(f);
	}
	return last < 63 ? last : 63;
}

uint64_t privs_effective(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return 0;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

int privs_drop(uint64_t keep, uint64_t held)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	uint64_t perm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	keep &= perm;
	held &= perm & ~keep;
	/* The bounding set first: that needs CAP_SETPCAP, dropped below. */
	for (int c = 0; c <= cap_last(); c++)
		if (!(keep & PRIVS_CAP(c)) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EPERM)
			return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(keep >> (32 * i));
		d[i].permitted = (uint32_t)((keep | held) >> (32 * i));
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}

int privs_raise(uint64_t caps, int on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	for (int i = 0; i < 2; i++) {
		uint32_t c = (uint32_t)(caps >> (32 * i)) & d[i].permitted;
		d[i].effective = on ? d[i].effective | c : d[i].effective & ~c;
	}
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

void privs_drop_for_recording(int dirfd, int user_stacks, int verbose)
{
	uint64_t keep = 0;
	struct stat st;
	int ret;

	/* Files are made in the output directory: no override needed if we
	 * own it and may write to it, as when we made it. */
	if (fstat(dirfd, &st) || st.st_uid != geteuid() || !(st.st_mode & S_IWUSR))
		keep |= PRIVS_CAP(CAP_DAC_OVERRIDE);
	/* --user-stacks reads other users' /proc/PID/maps, their files
	 * through /proc/PID/root and the vDSO (or a deleted file) from
	 * their memory: ptrace access; and the binaries they map. */
	if (user_stacks)
		keep |= PRIVS_CAP(CAP_SYS_PTRACE) | PRIVS_CAP(CAP_DAC_READ_SEARCH);
	/* The bounding set loses it too: nothing run later could gain it. */
	if ((ret = privs_drop(keep, PRIVS_HOTPLUG)))
		fprintf(stderr, "psys-record: warning: cannot drop capabilities: %s\n",
			strerror(-ret));
	else if (verbose)
		fprintf(stderr, "psys-record: capabilities now %#llx\n",
			(unsigned long long)privs_effective());
}
