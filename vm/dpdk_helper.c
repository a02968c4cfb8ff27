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
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "nocap"))
		return nocap(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "pa"))
		return pa(argv[2], strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: dpdk_helper nocap CMD [ARG...] | pa PID PAGE_SIZE\n");
	return 2;
}
