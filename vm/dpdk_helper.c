// SPDX-License-Identifier: GPL-2.0
/*
 * make dpdk, guest side: what busybox cannot do (scripts/dpdk.sh builds it
 * static, vm/dpdk.sh runs it as /harness/dpdk_helper).
 *
 *   dpdk_helper nocap CMD [ARG...]
 *	drop CAP_SYS_ADMIN from the bounding set, then exec CMD: as root, CMD
 *	runs with every capability but CAP_SYS_ADMIN (so /proc/self/pagemap
 *	shows it no page frame numbers).
 *   dpdk_helper pa PID PAGE_SIZE
 *	for each hugetlbfs mapping of process PID (/proc/PID/maps), one line
 *	"VA PA" (hex) per page of PAGE_SIZE bytes: the physical address from
 *	/proc/PID/pagemap, read with CAP_SYS_ADMIN; "VA none" if not present.
 *   dpdk_helper stamp TEXT CMD [ARG...]
 *	run CMD with stdin /dev/null and stdout and stderr on a pseudo
 *	terminal (so that stdio buffers by line, even in a static binary),
 *	copy each line it prints as "MS| line" (ms since just before the
 *	fork), and at the first line containing TEXT print "stamp: MS",
 *	kill CMD (SIGKILL) and wait for it. Exit status 0, or 1 if CMD ended
 *	without printing TEXT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#define PFN_MASK ((1ULL << 55) - 1)
#define PRESENT (1ULL << 63)

static int nocap(char **argv)
{
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0)) {
		perror("dpdk_helper: PR_CAPBSET_DROP CAP_SYS_ADMIN");
		return 1;
	}
	execvp(argv[0], argv);
	fprintf(stderr, "dpdk_helper: exec %s: %s\n", argv[0], strerror(errno));
	return 127;
}

static int pa(const char *pid, unsigned long psize)
{
	char path[64], line[512];
	long small = sysconf(_SC_PAGESIZE);
	FILE *maps;
	int pm;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%s/pagemap", pid);
	pm = open(path, O_RDONLY);
	if (!maps || pm < 0) {
		fprintf(stderr, "dpdk_helper: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end, va;

		if (!strstr(line, "hugepages") && !strstr(line, "rtemap"))
			continue;
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		for (va = start; va < end; va += psize) {
			uint64_t e = 0;
			off_t off = (off_t)(va / small) * sizeof(e);

			if (pread(pm, &e, sizeof(e), off) != sizeof(e) ||
			    !(e & PRESENT) || !(e & PFN_MASK))
				printf("0x%lx none\n", va);
			else
				printf("0x%lx 0x%" PRIx64 "\n", va,
				       (uint64_t)((e & PFN_MASK) * small));
		}
	}
	fclose(maps);
	close(pm);
	return 0;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* the child of stamp: CMD with the terminal's slave side as stdout, stderr */
static void stamp_child(int master, char **argv)
{
	struct termios tio;
	int slave, null;

	setsid();
	slave = open(ptsname(master), O_RDWR);
	null = open("/dev/null", O_RDONLY);
	if (slave < 0 || null < 0) {
		perror("dpdk_helper: stamp: open");
		_exit(127);
	}
	/* no \r added to each \n */
	if (!tcgetattr(slave, &tio)) {
		cfmakeraw(&tio);
		tcsetattr(slave, TCSANOW, &tio);
	}
	dup2(null, 0);
	dup2(slave, 1);
	dup2(slave, 2);
	close(master);
	execvp(argv[0], argv);
	fprintf(stderr, "dpdk_helper: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int stamp(const char *text, char **argv)
{
	char buf[4096];
	struct timespec t0;
	size_t used = 0;
	int master, status, found = 0;
	pid_t pid;
	ssize_t n;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		perror("dpdk_helper: stamp: pseudo terminal");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("dpdk_helper: stamp: fork");
		return 1;
	}
	if (!pid)
		stamp_child(master, argv);
	/* EIO once the child has closed the slave side */
	while (!found && (n = read(master, buf + used, sizeof(buf) - 1 - used)) > 0) {
		char *line = buf, *nl;

		used += n;
		buf[used] = 0;
		while (!found && (nl = strchr(line, '\n'))) {
			double ms = ms_since(&t0);

			*nl = 0;
			printf("%10.1f| %s\n", ms, line);
			if (strstr(line, text)) {
				printf("stamp: %.1f\n", ms);
				found = 1;
			}
			line = nl + 1;
		}
		used -= line - buf;
		memmove(buf, line, used);
		if (used == sizeof(buf) - 1)
			used = 0; /* a line too long: dropped */
	}
	if (!found && used)
		printf("%10.1f| %.*s\n", ms_since(&t0), (int)used, buf);
	fflush(stdout);
	if (found)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(master);
	if (!found) {
		printf("stamp: '%s' not printed, exit status %d\n", text,
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "nocap"))
		return nocap(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "pa"))
		return pa(argv[2], strtoul(argv[3], NULL, 0));
	if (argc >= 4 && !strcmp(argv[1], "stamp"))
		return stamp(argv[2], argv + 3);
	fprintf(stderr, "usage: dpdk_helper nocap CMD [ARG...] | pa PID PAGE_SIZE | stamp TEXT CMD [ARG...]\n");
	return 2;
}
