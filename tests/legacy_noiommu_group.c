// SPDX-License-Identifier: GPL-2.0-only
/*
 * Legacy VFIO group no-IOMMU check: the path the series must leave unchanged.
 *
 * With vfio.enable_unsafe_noiommu_mode=1 and a QEMU edu device (1234:11e8)
 * bound to vfio-pci on a machine without an IOMMU, the device sits in a
 * "vfio-noiommu" group /dev/vfio/noiommu-N. Walk the classic flow:
 * container, group, VFIO_NOIOMMU_IOMMU, device fd, config space, BAR0.
 *
 * Usage: legacy_noiommu_group [BDF]   (default: $EDU_BDF, else the first
 * edu device bound to vfio-pci). Output is kselftest TAP, one line a check.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_ID		0x010000ed	/* "edu" v1.0 identification register */
#define EDU_REG_ID	0x00
#define EDU_REG_LIVE	0x04		/* reads back the inverse of a write */
#define EDU_BAR0_SIZE	(1 << 20)

#define NR_CHECKS	25

/* Once a step fails, the later ones are reported as failed, not run. */
static bool chain_ok = true;

static bool check(bool cond, const char *desc)
{
	if (!chain_ok) {
		ksft_test_result_fail("%s (not run: an earlier check failed)\n", desc);
		return false;
	}
	if (!cond) {
		if (errno)
			ksft_print_msg("%s: %s\n", desc, strerror(errno));
		chain_ok = false;
	}
	ksft_test_result(cond, "%s\n", desc);
	return cond;
}

static int read_sysfs(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Basename of the symlink /sys/bus/pci/devices/BDF/NAME, or "" */
static void link_name(const char *bdf, const char *name, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		out[0] = '\0';
		return;
	}
	target[n] = '\0';
	snprintf(out, len, "%s", basename(target));
}

static bool is_edu_on_vfio(const char *bdf)
{
	char path[PATH_MAX], val[64], drv[64];
	unsigned long vendor, device;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	if (read_sysfs(path, val, sizeof(val)))
		return false;
	vendor = strtoul(val, NULL, 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	if (read_sysfs(path, val, sizeof(val)))
		return false;
	device = strtoul(val, NULL, 0);
	link_name(bdf, "driver", drv, sizeof(drv));
	return vendor == EDU_VENDOR && device == EDU_DEVICE && !strcmp(drv, "vfio-pci");
}

static bool find_edu(char *bdf, size_t len)
{
	struct dirent *de;
	bool found = false;
	DIR *dir;

	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] != '.' && is_edu_on_vfio(de->d_name)) {
			snprintf(bdf, len, "%s", de->d_name);
			found = true;
		}
	}
	closedir(dir);
	return found;
}

static bool region_info(int device, unsigned int index,
			struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info) == 0;
}

static bool pread_u32(int fd, off_t off, uint32_t *val)
{
	return pread(fd, val, sizeof(*val), off) == sizeof(*val);
}

static bool pwrite_u32(int fd, off_t off, uint32_t val)
{
	return pwrite(fd, &val, sizeof(val), off) == sizeof(val);
}

/* /dev/vfio/devices/noiommu-vfioN of @bdf, or "" without the cdev */
static void noiommu_cdev(const char *bdf, char *out, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	out[0] = 0;
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "noiommu-vfio", 12))
			snprintf(out, len, "/dev/vfio/devices/%s", e->d_name);
	closedir(d);
}

static int bind_cdev(int cdev, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	return ioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, &bind);
}

/*
 * The same group with iommufd's container compatibility (/dev/iommu as the
 * container), and the exclusion between the group and the device's noiommu
 * cdev: while one is in use the other answers EBUSY.
 */
static void check_iommufd_compat_and_cdev(const char *group_path,
					  const char *bdf)
{
	int iommufd, group = -1, device = -1, cdev = -1;
	char cdev_path[PATH_MAX];
	struct vfio_region_info cfg;
	uint32_t id = 0;
	bool ok;

	errno = 0;
	iommufd = open("/dev/iommu", O_RDWR);
	group = open(group_path, O_RDWR);
	check(iommufd >= 0 && group >= 0 &&
	      ioctl(group, VFIO_GROUP_SET_CONTAINER, &iommufd) == 0,
	      "iommufd compat: VFIO_GROUP_SET_CONTAINER with /dev/iommu");

	errno = 0;
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	ok = device >= 0 &&
	     region_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) &&
	     pread_u32(device, cfg.offset, &id);
	check(ok && id == (EDU_VENDOR | EDU_DEVICE << 16),
	      "iommufd compat: VFIO_GROUP_GET_DEVICE_FD, config space reads 1234:11e8");

	noiommu_cdev(bdf, cdev_path, sizeof(cdev_path));
	errno = 0;
	cdev = cdev_path[0] ? open(cdev_path, O_RDWR) : -1;
	check(cdev >= 0 && bind_cdev(cdev, iommufd) < 0 && errno == EBUSY,
	      "while the group is in use, binding the noiommu cdev fails with EBUSY");
	if (cdev >= 0)
		close(cdev);

	errno = 0;
	ok = device >= 0 && close(device) == 0;
	ok = close(group) == 0 && ok;
	check(ok, "close the device and the group");

	errno = 0;
	cdev = cdev_path[0] ? open(cdev_path, O_RDWR) : -1;
	check(cdev >= 0 && bind_cdev(cdev, iommufd) == 0,
	      "then the noiommu cdev binds to /dev/iommu");

	errno = 0;
	group = open(group_path, O_RDWR);
	check(group < 0 && errno == EBUSY,
	      "while the cdev is bound, opening the group fails with EBUSY");
	if (group >= 0)
		close(group);
	if (cdev >= 0)
		close(cdev);
	close(iommufd);
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info cfg, bar0;
	char bdf[NAME_MAX + 1] = "", group_nr[NAME_MAX + 1] = "", path[PATH_MAX], val[64];
	int container = -1, group = -1, device = -1;
	uint32_t reg = 0, cfg_id = 0;
	volatile uint32_t *bar = MAP_FAILED;
	bool ok;

	ksft_print_header();
	ksft_set_plan(NR_CHECKS);

	errno = 0;
	ok = !read_sysfs("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
			 val, sizeof(val)) && !strcmp(val, "Y");
	check(ok, "vfio.enable_unsafe_noiommu_mode is Y");

	if (argc > 1)
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);
	else if (getenv("EDU_BDF"))
		snprintf(bdf, sizeof(bdf), "%s", getenv("EDU_BDF"));
	else
		find_edu(bdf, sizeof(bdf));
	errno = 0;
	check(bdf[0] && is_edu_on_vfio(bdf), "an edu device (1234:11e8) is bound to vfio-pci");
	if (bdf[0])
		ksft_print_msg("device %s\n", bdf);

	/* The group is a noiommu one: /sys/kernel/iommu_groups/N/name */
	link_name(bdf, "iommu_group", group_nr, sizeof(group_nr));
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/name", group_nr);
	ok = group_nr[0] && !read_sysfs(path, val, sizeof(val)) &&
	     !strcmp(val, "vfio-noiommu");
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%s", group_nr);
	errno = 0;
	check(ok && access(path, F_OK) == 0, "the device's group is a vfio-noiommu group with /dev/vfio/noiommu-N");
	ksft_print_msg("group %s\n", path);

	errno = 0;
	container = open("/dev/vfio/vfio", O_RDWR);
	check(container >= 0, "open /dev/vfio/vfio");

	errno = 0;
	check(ioctl(container, VFIO_GET_API_VERSION) == VFIO_API_VERSION,
	      "VFIO_GET_API_VERSION is VFIO_API_VERSION");

	errno = 0;
	group = open(path, O_RDWR);
	check(group >= 0, "open /dev/vfio/noiommu-N");

	errno = 0;
	ok = ioctl(group, VFIO_GROUP_GET_STATUS, &status) == 0;
	check(ok && (status.flags & VFIO_GROUP_FLAGS_VIABLE),
	      "VFIO_GROUP_GET_STATUS: group is viable");

	errno = 0;
	check(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) == 0,
	      "VFIO_GROUP_SET_CONTAINER");

	errno = 0;
	check(ioctl(container, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) == 1,
	      "VFIO_CHECK_EXTENSION(VFIO_NOIOMMU_IOMMU) is 1");

	errno = 0;
	check(ioctl(container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU) == 0,
	      "VFIO_SET_IOMMU(VFIO_NOIOMMU_IOMMU)");

	errno = 0;
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	check(device >= 0, "VFIO_GROUP_GET_DEVICE_FD");

	errno = 0;
	ok = ioctl(device, VFIO_DEVICE_GET_INFO, &info) == 0;
	check(ok && (info.flags & VFIO_DEVICE_FLAGS_PCI) &&
	      info.num_regions > VFIO_PCI_CONFIG_REGION_INDEX,
	      "VFIO_DEVICE_GET_INFO: a PCI device with a config region");

	errno = 0;
	ok = region_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) &&
	     pread_u32(device, cfg.offset + 0, &cfg_id);
	check(ok && (cfg_id & 0xffff) == EDU_VENDOR, "config space: vendor is 0x1234");
	errno = 0;
	check(ok && (cfg_id >> 16) == EDU_DEVICE, "config space: device is 0x11e8");

	errno = 0;
	ok = region_info(device, VFIO_PCI_BAR0_REGION_INDEX, &bar0);
	check(ok && (bar0.flags & VFIO_REGION_INFO_FLAG_READ) &&
	      (bar0.flags & VFIO_REGION_INFO_FLAG_WRITE) &&
	      bar0.size >= EDU_BAR0_SIZE, "BAR0: read/write region of 1 MiB");

	errno = 0;
	ok = pread_u32(device, bar0.offset + EDU_REG_ID, &reg);
	check(ok && reg == EDU_ID, "BAR0 pread: identification register is 0x010000ed");
	if (ok && reg != EDU_ID)
		ksft_print_msg("identification register reads 0x%08x\n", reg);

	errno = 0;
	ok = pwrite_u32(device, bar0.offset + EDU_REG_LIVE, 0x12345678) &&
	     pread_u32(device, bar0.offset + EDU_REG_LIVE, &reg);
	check(ok && reg == (uint32_t)~0x12345678u,
	      "BAR0 pwrite/pread: liveness register returns the inverse");

	errno = 0;
	if (chain_ok && (bar0.flags & VFIO_REGION_INFO_FLAG_MMAP))
		bar = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			   device, bar0.offset);
	ok = bar != MAP_FAILED && bar[EDU_REG_ID / 4] == EDU_ID;
	if (ok) {
		bar[EDU_REG_LIVE / 4] = 0xa5a50f0f;
		ok = bar[EDU_REG_LIVE / 4] == (uint32_t)~0xa5a50f0fu;
	}
	check(ok, "BAR0 mmap: identification and liveness registers");
	if (bar != MAP_FAILED)
		munmap((void *)bar, EDU_BAR0_SIZE);

	errno = 0;
	ok = device >= 0 && close(device) == 0;
	ok = group >= 0 && close(group) == 0 && ok;
	ok = container >= 0 && close(container) == 0 && ok;
	check(ok, "close device, group and container");

	check_iommufd_compat_and_cdev(path, bdf);

	ksft_finished();
}
