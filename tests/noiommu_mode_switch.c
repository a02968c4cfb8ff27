// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO decides once, when a device registers, whether it is used in the
 * unsafe no-IOMMU mode. Writing vfio.enable_unsafe_noiommu_mode while devices
 * probe must never leave a device half in the mode: a noiommu-vfioN cdev
 * without the legacy noiommu group, or a noiommu group (/dev/vfio/noiommu-N)
 * behind a plain vfioN cdev.
 *
 * Usage: noiommu_mode_switch BDF
 *   BDF  a device with no IOMMU bound to vfio-pci (driver_override=vfio-pci).
 *        It is unbound and probed again many times; at the end the mode is
 *        switched back on and the device is bound again.
 * Needs a kernel with VFIO_NOIOMMU and VFIO_CDEV_NOIOMMU.
 */
#include <signal.h>
#include <sys/wait.h>

#include "noiommu_util.h"
#include "kselftest_harness.h"

#define MODE_PARAM	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define SWITCH_SECONDS	5

static const char *bdf;

static bool bound(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	return !access(path, F_OK);
}

static void unbind_and_probe(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 bdf);
	if (bound())
		nu_write_file(path, bdf);
	/* Fails (EINVAL) while the mode is off: there is no IOMMU */
	nu_write_file("/sys/bus/pci/drivers_probe", bdf);
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

struct state {
	char cdev[NAME_MAX + 1];
	char group[64];
};

/*
 * A bound device is wholly in the mode (noiommu-vfioN cdev and a vfio-noiommu
 * group) or wholly out of it. Out of it, it cannot be bound at all here,
 * since it has no IOMMU.
 */
static bool consistent(const struct state *st)
{
	bool cdev_noiommu = !strncmp(st->cdev, "noiommu-vfio", 12);
	bool group_noiommu = !strcmp(st->group, "vfio-noiommu");

	return cdev_noiommu && group_noiommu;
}

static pid_t start_switching(void)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	for (;;) {
		nu_write_file(MODE_PARAM, "N");
		nu_write_file(MODE_PARAM, "Y");
	}
}

TEST(probe_while_switching_mode)
{
	unsigned long cycles = 0, in_mode = 0, refused = 0;
	struct timespec start, now;
	bool half = false;
	struct state st;
	pid_t switcher;
	int status;

	ASSERT_TRUE(bound());
	nu_vfio_dev_entry(bdf, "", st.cdev, sizeof(st.cdev));
	group_name(st.group, sizeof(st.group));
	ASSERT_TRUE(consistent(&st)) {
		TH_LOG("%s before the test: cdev '%s', group '%s'", bdf,
		       st.cdev, st.group);
	}

	switcher = start_switching();
	ASSERT_LT(0, switcher);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		unbind_and_probe();
		cycles++;
		if (!bound()) {
			refused++;
		} else {
			nu_vfio_dev_entry(bdf, "", st.cdev, sizeof(st.cdev));
			group_name(st.group, sizeof(st.group));
			if (!consistent(&st)) {
				half = true;
				break;
			}
			in_mode++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < SWITCH_SECONDS);
	kill(switcher, SIGKILL);
	waitpid(switcher, &status, 0);

	/* Leave the mode on and the device bound, as it was */
	ASSERT_TRUE(nu_write_file(MODE_PARAM, "Y"));
	if (!bound())
		nu_write_file("/sys/bus/pci/drivers_probe", bdf);

	TH_LOG("%lu probes: %lu bound in the mode, %lu refused", cycles,
	       in_mode, refused);
	ASSERT_FALSE(half) {
		TH_LOG("%s half in the mode: cdev '%s', group '%s'", bdf,
		       st.cdev, st.group);
	}
	/* Both outcomes were seen, so the switch raced with the probes */
	ASSERT_LT(0UL, in_mode);
	ASSERT_LT(0UL, refused);
	ASSERT_TRUE(bound());
}

int main(int argc, char **argv)
{
	if (!nu_take_args(&argc, argv, 1, &bdf, "BDF"))
		return KSFT_FAIL;
	return test_harness_run(argc, argv);
}
