/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the project's test programs (tests/) that need no uapi of the
 * series, so that the legacy tests (legacy_noiommu_group.c,
 * edu_dma_cases.c) still build against a tree without it: files and sysfs,
 * a PCI device's vfio-dev entry, and main()'s positional arguments.
 * tests/noiommu_util.h, for the tests of the series, includes it.
 *
 * Every helper returns a value or false, never exits: the tests decide with
 * the kselftest harness what a failure means.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline bool nu_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	return !close(fd) && ok;
}

/* The first line of path, without its newline, in buf */
static inline bool nu_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f);
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static inline bool nu_dev_exists(const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return !access(path, F_OK);
}

/*
 * The entry of the device's vfio-dev directory (its cdev: vfioN, or
 * noiommu-vfioN) whose name starts with prefix ("" for any), in name[], or ""
 */
static inline void nu_vfio_dev_entry(const char *bdf, const char *prefix,
				     char *name, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dir;

	name[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		return;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.' &&
		    !strncmp(e->d_name, prefix, strlen(prefix)))
			snprintf(name, len, "%s", e->d_name);
	closedir(dir);
}

/* The device's noiommu-vfioN cdev name in name[], or "" */
static inline void nu_cdev_name(const char *bdf, char *name, size_t len)
{
	nu_vfio_dev_entry(bdf, "noiommu-vfio", name, len);
}

/*
 * main()'s positional arguments: the last n of argv go to arg[0..n-1] and
 * the harness keeps its options before them. false, after a usage line on
 * stderr, if there are fewer.
 */
static inline bool nu_take_args(int *argc, char **argv, int n,
				const char **arg, const char *usage)
{
	if (*argc < n + 1) {
		fprintf(stderr, "usage: %s %s\n", argv[0], usage);
		return false;
	}
	*argc -= n;
	for (int i = 0; i < n; i++)
		arg[i] = argv[*argc + i];
	return true;
}

#endif /* TEST_UTIL_H */
