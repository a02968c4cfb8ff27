// SPDX-License-Identifier: GPL-2.0-only
/*
 * Legacy VFIO group no-IOMMU check: the path the series must leave unchanged.
 *
 * With vfio.enable_unsafe_noiommu_mode=1 and a QEMU edu device (1234:11e8)
 * bound to vfio-pci on a machine without an IOMMU, the device sits in a
 * "vfio-noiommu" group /dev/vfio/noiommu-N. Walk the classic flow:
 * container, group, VFIO_NOIOMMU_IOMMU, device fd, config space, BAR0.
 *
 * Usage: legacy_noiommu_group [BDF] [harness options]   (default: $EDU_BDF,
 * else the first edu device bound to vfio-pci). kselftest_harness.h TAP.
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

#include "test_util.h"
#include "kselftest_harness.h"

#define EDU_VENDOR	0x1234u
#define EDU_DEVICE	0x11e8u
#define EDU_ID		0x010000edu	/* "edu" v1.0 identification register */
#define EDU_REG_ID	0x00
#define EDU_REG_LIVE	0x04		/* reads back the inverse of a write */
#define EDU_BAR0_SIZE	(1u << 20)
#define EDU_CFG_ID	(EDU_VENDOR | EDU_DEVICE << 16)

static char bdf[NAME_MAX + 1];
static char group_nr[NAME_MAX + 1];
static char group_path[PATH_MAX];	/* /dev/vfio/noiommu-N */

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
	if (!nu_read_line(path, val, sizeof(val)))
		return false;
	vendor = strtoul(val, NULL, 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	if (!nu_read_line(path, val, sizeof(val)))
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

static int bind_cdev(int cdev, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	return ioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, &bind);
}

/* --- the setting: noiommu mode, the device, its group --- */

TEST(noiommu_mode_is_on)
{
	char val[64];

	ASSERT_TRUE(nu_read_line("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
				 val, sizeof(val)));
	EXPECT_STREQ("Y", val);
}

TEST(edu_device_is_bound_to_vfio_pci)
{
	ASSERT_NE(0, bdf[0]) TH_LOG("no edu device bound to vfio-pci");
	EXPECT_TRUE(is_edu_on_vfio(bdf)) TH_LOG("%s", bdf);
}

TEST(group_is_a_noiommu_group)
{
	char path[PATH_MAX], val[64];

	ASSERT_NE(0, group_nr[0]) TH_LOG("%s has no iommu_group", bdf);
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/name", group_nr);
	ASSERT_TRUE(nu_read_line(path, val, sizeof(val)));
	EXPECT_STREQ("vfio-noiommu", val);
	EXPECT_EQ(0, access(group_path, F_OK)) TH_LOG("%s: %s", group_path, strerror(errno));
}

/* --- the classic flow, step by step --- */

FIXTURE(container) {
	int container;
	int group;
};

FIXTURE_SETUP(container)
{
	self->container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, self->container) TH_LOG("/dev/vfio/vfio: %s", strerror(errno));
	self->group = open(group_path, O_RDWR);
	ASSERT_LE(0, self->group) TH_LOG("%s: %s", group_path, strerror(errno));
}

FIXTURE_TEARDOWN(container)
{
	if (self->group >= 0)
		EXPECT_EQ(0, close(self->group));
	if (self->container >= 0)
		EXPECT_EQ(0, close(self->container));
}

TEST_F(container, api_version)
{
	EXPECT_EQ(VFIO_API_VERSION, ioctl(self->container, VFIO_GET_API_VERSION));
}

TEST_F(container, group_is_viable)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_GET_STATUS, &status));
	EXPECT_TRUE(!!(status.flags & VFIO_GROUP_FLAGS_VIABLE));
}

TEST_F(container, set_container_then_noiommu_iommu)
{
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER, &self->container));
	ASSERT_EQ(1, ioctl(self->container, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU));
	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU))
		TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));
	EXPECT_EQ(0, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER));
}

/* --- the device through the group --- */

FIXTURE(device) {
	int container;
	int group;
	int device;
	struct vfio_region_info cfg;
	struct vfio_region_info bar0;
};

FIXTURE_SETUP(device)
{
	self->container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, self->container);
	self->group = open(group_path, O_RDWR);
	ASSERT_LE(0, self->group);
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER, &self->container));
	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU));
	self->device = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	ASSERT_LE(0, self->device) TH_LOG("VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
	ASSERT_TRUE(region_info(self->device, VFIO_PCI_CONFIG_REGION_INDEX, &self->cfg));
	ASSERT_TRUE(region_info(self->device, VFIO_PCI_BAR0_REGION_INDEX, &self->bar0));
}

FIXTURE_TEARDOWN(device)
{
	EXPECT_EQ(0, close(self->device));
	EXPECT_EQ(0, close(self->group));
	EXPECT_EQ(0, close(self->container));
}

TEST_F(device, info_says_pci_with_a_config_region)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(!!(info.flags & VFIO_DEVICE_FLAGS_PCI));
	EXPECT_LT((__u32)VFIO_PCI_CONFIG_REGION_INDEX, info.num_regions);
}

TEST_F(device, config_space_is_edu)
{
	uint32_t id = 0;

	ASSERT_TRUE(pread_u32(self->device, self->cfg.offset, &id));
	EXPECT_EQ(EDU_CFG_ID, id);
}

TEST_F(device, bar0_is_a_1mib_read_write_region)
{
	EXPECT_TRUE(!!(self->bar0.flags & VFIO_REGION_INFO_FLAG_READ));
	EXPECT_TRUE(!!(self->bar0.flags & VFIO_REGION_INFO_FLAG_WRITE));
	EXPECT_LE((__u64)EDU_BAR0_SIZE, self->bar0.size);
}

TEST_F(device, bar0_pread_identification)
{
	uint32_t reg = 0;

	ASSERT_TRUE(pread_u32(self->device, self->bar0.offset + EDU_REG_ID, &reg));
	EXPECT_EQ(EDU_ID, reg);
}

TEST_F(device, bar0_pwrite_liveness_reads_the_inverse)
{
	uint32_t reg = 0;

	ASSERT_TRUE(pwrite_u32(self->device, self->bar0.offset + EDU_REG_LIVE, 0x12345678));
	ASSERT_TRUE(pread_u32(self->device, self->bar0.offset + EDU_REG_LIVE, &reg));
	EXPECT_EQ((uint32_t)~0x12345678u, reg);
}

TEST_F(device, bar0_mmap)
{
	volatile uint32_t *bar;

	ASSERT_TRUE(!!(self->bar0.flags & VFIO_REGION_INFO_FLAG_MMAP));
	bar = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->device, self->bar0.offset);
	ASSERT_NE(MAP_FAILED, bar) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(EDU_ID, bar[EDU_REG_ID / 4]);
	bar[EDU_REG_LIVE / 4] = 0xa5a50f0f;
	EXPECT_EQ((uint32_t)~0xa5a50f0fu, bar[EDU_REG_LIVE / 4]);
	EXPECT_EQ(0, munmap((void *)bar, EDU_BAR0_SIZE));
}

/*
 * --- the same group with iommufd's container compatibility (/dev/iommu as
 * the container), and the exclusion between the group and the device's
 * noiommu cdev: while one is in use the other answers EBUSY ---
 */

FIXTURE(compat) {
	int iommufd;
	char cdev_path[PATH_MAX];	/* /dev/vfio/devices/noiommu-vfioN */
};

FIXTURE_SETUP(compat)
{
	char name[NAME_MAX + 1];

	self->iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->iommufd) TH_LOG("/dev/iommu: %s", strerror(errno));
	nu_vfio_dev_entry(bdf, "noiommu-vfio", name, sizeof(name));
	ASSERT_NE(0, name[0]) TH_LOG("%s has no noiommu-vfioN cdev", bdf);
	snprintf(self->cdev_path, sizeof(self->cdev_path), "/dev/vfio/devices/%s", name);
}

FIXTURE_TEARDOWN(compat)
{
	EXPECT_EQ(0, close(self->iommufd));
}

TEST_F(compat, iommufd_as_container_gives_the_device)
{
	struct vfio_region_info cfg;
	int group, device;
	uint32_t id = 0;

	group = open(group_path, O_RDWR);
	ASSERT_LE(0, group);
	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_SET_CONTAINER, &self->iommufd))
		TH_LOG("VFIO_GROUP_SET_CONTAINER(/dev/iommu): %s", strerror(errno));
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	ASSERT_LE(0, device) TH_LOG("VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
	ASSERT_TRUE(region_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg));
	ASSERT_TRUE(pread_u32(device, cfg.offset, &id));
	EXPECT_EQ(EDU_CFG_ID, id);
	EXPECT_EQ(0, close(device));
	EXPECT_EQ(0, close(group));
}

TEST_F(compat, cdev_bind_is_ebusy_while_the_group_is_in_use)
{
	int group, device, cdev;

	group = open(group_path, O_RDWR);
	ASSERT_LE(0, group);
	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_SET_CONTAINER, &self->iommufd));
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	ASSERT_LE(0, device);
	cdev = open(self->cdev_path, O_RDWR);
	ASSERT_LE(0, cdev) TH_LOG("%s: %s", self->cdev_path, strerror(errno));
	EXPECT_EQ(-1, bind_cdev(cdev, self->iommufd));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, close(cdev));
	EXPECT_EQ(0, close(device));
	EXPECT_EQ(0, close(group));
	/* The group closed, the cdev binds. */
	cdev = open(self->cdev_path, O_RDWR);
	ASSERT_LE(0, cdev);
	EXPECT_EQ(0, bind_cdev(cdev, self->iommufd)) TH_LOG("bind: %s", strerror(errno));
	EXPECT_EQ(0, close(cdev));
}

TEST_F(compat, group_open_is_ebusy_while_the_cdev_is_bound)
{
	int group, cdev;

	cdev = open(self->cdev_path, O_RDWR);
	ASSERT_LE(0, cdev) TH_LOG("%s: %s", self->cdev_path, strerror(errno));
	ASSERT_EQ(0, bind_cdev(cdev, self->iommufd)) TH_LOG("bind: %s", strerror(errno));
	group = open(group_path, O_RDWR);
	EXPECT_EQ(-1, group);
	EXPECT_EQ(EBUSY, errno);
	if (group >= 0)
		close(group);
	EXPECT_EQ(0, close(cdev));
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] != '-') {
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);
		argv[1] = argv[0];
		argc--;
		argv++;
	} else if (getenv("EDU_BDF")) {
		snprintf(bdf, sizeof(bdf), "%s", getenv("EDU_BDF"));
	} else {
		find_edu(bdf, sizeof(bdf));
	}
	link_name(bdf, "iommu_group", group_nr, sizeof(group_nr));
	snprintf(group_path, sizeof(group_path), "/dev/vfio/noiommu-%s", group_nr);
	return test_harness_run(argc, argv);
}
