// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO decides once, when a device registers, whether it is used in the
 * unsafe no-IOMMU mode (struct vfio_device's noiommu flag), and every later
 * path asks the device, never vfio.enable_unsafe_noiommu_mode again. Shown
 * deterministically:
 *   - switching the mode off leaves a bound device wholly in the mode: its
 *     noiommu-vfioN cdev and vfio-noiommu group stay, the cdev still binds,
 *     attaches, maps and answers GET_PA (what pagemap says), and opening it
 *     still needs CAP_SYS_RAWIO. A path that read the parameter again would
 *     treat the device as one behind an IOMMU, and let a process without
 *     the capability open it;
 *   - a probe follows the mode of its own time: refused while it is off
 *     (the device has no IOMMU), wholly in the mode once it is on again.
 *
 * (Until v5 this was a race of parameter writes against probes, meant to
 * catch a device left half in the mode; with one read of the parameter per
 * registration that race had no window the test could hit, so it could not
 * fail. The single read is what these tests rely on and check.)
 *
 * Usage: noiommu_mode_switch BDF
 *   BDF  a device with no IOMMU bound to vfio-pci (driver_override=vfio-pci).
 *        It is unbound and probed again; at the end the mode is on and the
 *        device bound, as before.
 * Needs a kernel with VFIO_NOIOMMU and VFIO_CDEV_NOIOMMU; runs as root.
 */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "noiommu_util.h"
#include "kselftest_harness.h"

#define MODE_PARAM	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define IOVA		0x40000000UL
#define PAGES		4

static const char *bdf;

static bool bound(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	return !access(path, F_OK);
}

static void unbind(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 bdf);
	if (bound())
		nu_write_file(path, bdf);
}

/* false when the probe is refused (EINVAL: no IOMMU, mode off) */
static bool probe(void)
{
	return nu_write_file("/sys/bus/pci/drivers_probe", bdf) && bound();
}

/* The name of the device's iommu_group ("vfio-noiommu" for a fake one) */
static void group_name(char *name, size_t len)
{
	char path[PATH_MAX];

	name[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group/name",
		 bdf);
	nu_read_line(path, name, len);
}

/* Bound, with a noiommu-vfioN cdev and a vfio-noiommu group */
static bool wholly_in_mode(struct __test_metadata *_metadata)
{
	char cdev[NAME_MAX + 1], group[64];

	if (!bound())
		return false;
	nu_vfio_dev_entry(bdf, "", cdev, sizeof(cdev));
	group_name(group, sizeof(group));
	TH_LOG("%s: cdev '%s', group '%s'", bdf, cdev, group);
	return !strncmp(cdev, "noiommu-vfio", 12) &&
	       !strcmp(group, "vfio-noiommu");
}

/* In a child without CAP_SYS_RAWIO: 0 or -errno of opening the cdev */
static int open_cdev_without_rawio(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (syscall(SYS_capget, &hdr, data))
			_exit(100);
		data[CAP_TO_INDEX(CAP_SYS_RAWIO)].effective &=
			~CAP_TO_MASK(CAP_SYS_RAWIO);
		if (syscall(SYS_capset, &hdr, data))
			_exit(100);
		fd = nu_open_cdev(bdf);
		if (fd >= 0)
			_exit(0);
		_exit(-fd < 100 ? -fd : 99);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 100)
		return -ECHILD;
	return -WEXITSTATUS(status);
}

FIXTURE(mode) {};

FIXTURE_SETUP(mode)
{
	ASSERT_TRUE(nu_write_file(MODE_PARAM, "Y"));
	if (!bound())
		probe();
	ASSERT_TRUE(wholly_in_mode(_metadata));
}

/* Leave the mode on and the device bound, as it was */
FIXTURE_TEARDOWN(mode)
{
	nu_write_file(MODE_PARAM, "Y");
	if (!bound())
		probe();
	EXPECT_TRUE(wholly_in_mode(_metadata));
}

TEST_F(mode, off_keeps_a_bound_device_in_the_mode)
{
	uint32_t devid = 0, ioas = 0, hwpt = 0;
	uint64_t bad_off = 0;
	int iommufd, dev;
	uint8_t *buf;

	ASSERT_TRUE(nu_write_file(MODE_PARAM, "N"));
	ASSERT_TRUE(wholly_in_mode(_metadata));

	/* ... and used through its cdev as before */
	buf = mmap(NULL, PAGES * NU_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_TRUE(nu_pagemap_open());
	dev = nu_open_cdev(bdf);
	ASSERT_LE(0, dev);
	iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, iommufd);
	ASSERT_EQ(0, nu_bind(dev, iommufd, &devid));
	ASSERT_EQ(0, nu_ioas_alloc(iommufd, &ioas));
	ASSERT_EQ(0, nu_attach(dev, ioas, &hwpt));
	ASSERT_EQ(0, nu_map(iommufd, ioas, buf, PAGES * NU_PAGE, IOVA));
	ASSERT_EQ(0, nu_check_pa(iommufd, ioas, IOVA, buf, PAGES * NU_PAGE,
				 &bad_off, NULL)) {
		TH_LOG("GET_PA and pagemap differ at offset %#llx",
		       (unsigned long long)bad_off);
	}
	close(dev);
	close(iommufd);
	munmap(buf, PAGES * NU_PAGE);
}

TEST_F(mode, off_keeps_the_cdev_privileged)
{
	ASSERT_EQ(-EPERM, open_cdev_without_rawio());
	ASSERT_TRUE(nu_write_file(MODE_PARAM, "N"));
	ASSERT_EQ(-EPERM, open_cdev_without_rawio());
}

TEST_F(mode, probe_follows_the_mode)
{
	ASSERT_TRUE(nu_write_file(MODE_PARAM, "N"));
	unbind();
	ASSERT_FALSE(bound());
	/* No IOMMU and the mode off: vfio-pci refuses the device */
	ASSERT_FALSE(probe());

	ASSERT_TRUE(nu_write_file(MODE_PARAM, "Y"));
	ASSERT_TRUE(probe());
	ASSERT_TRUE(wholly_in_mode(_metadata));
}

int main(int argc, char **argv)
{
	if (!nu_take_args(&argc, argv, 1, &bdf, "BDF"))
		return KSFT_FAIL;
	return test_harness_run(argc, argv);
}
