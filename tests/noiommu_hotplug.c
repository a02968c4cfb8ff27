// SPDX-License-Identifier: GPL-2.0-only
/*
 * Removal of a no-IOMMU device whose cdev is bound, attached and mapped, by
 * the host: the test asks the host side of the harness (scripts/vm.sh) to
 * have QEMU device_del / device_add a hotpluggable edu device, through the
 * request port described in vm/init ("Host requests"). The removal calls
 * vfio-pci's request callback, which signals the device request eventfd
 * (VFIO_PCI_REQ_IRQ_INDEX) and waits until every user closes the device.
 *   - holder_closes_on_request: a holder that listens on the eventfd
 *     unmaps and closes; the device goes; pins are back where they were;
 *     device_add brings a new noiommu-vfioN that binds, attaches, maps and
 *     does DMA.
 *   - holder_ignores_request: a holder that sees the request but keeps the
 *     device open delays the removal; once it closes the device goes.
 *
 * Usage: noiommu_hotplug BDF ID
 *   BDF  the hotpluggable edu device (bound to vfio-pci)
 *   ID   its QEMU id, as the host knows it
 */
#include "noiommu_util.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <termios.h>

#include "kselftest_harness.h"

#define HOST_PORT	"/dev/ttyS1"
#define WAIT_SECONDS	120	/* bound for every wait on the host or kernel */
#define PAGES		16
#define LEN		(PAGES * NU_PAGE)
#define IOVA		0x30000000UL
#define XFER		3000

static const char *bdf, *qemu_id;

/* One request line to the host: "device_del ID" or "device_add ID" */
static bool host_request(const char *op)
{
	char line[128];
	int fd = open(HOST_PORT, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	int len;
	bool ok;

	if (fd < 0)
		return false;
	len = snprintf(line, sizeof(line), "%s %s\n", op, qemu_id);
	ok = write(fd, line, len) == len && !tcdrain(fd);
	close(fd);
	return ok;
}

/* Wait until the device is (present) or is not (!present) in sysfs */
static bool wait_dev(bool present)
{
	int i;

	for (i = 0; i < WAIT_SECONDS * 10; i++) {
		if (nu_dev_exists(bdf) == present)
			return true;
		usleep(100000);
	}
	return false;
}

/* Wait for the device's noiommu cdev after binding it to vfio-pci */
static bool wait_cdev(void)
{
	char name[NAME_MAX + 1];
	int i;

	for (i = 0; i < WAIT_SECONDS * 10; i++) {
		nu_cdev_name(bdf, name, sizeof(name));
		if (name[0])
			return true;
		usleep(100000);
	}
	return false;
}

/* A user of the device: bound, attached, 16 pages mapped */
struct user {
	int iommufd, dev;
	uint32_t devid, ioas;
	uint8_t *buf;
};

static int user_open(struct user *u)
{
	int ret;

	u->buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (u->buf == MAP_FAILED)
		return -ENOMEM;
	u->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (u->iommufd < 0)
		return -errno;
	u->dev = nu_open_cdev(bdf);
	if (u->dev < 0)
		return u->dev;
	ret = nu_bind(u->dev, u->iommufd, &u->devid);
	if (!ret)
		ret = nu_ioas_alloc(u->iommufd, &u->ioas);
	if (!ret)
		ret = nu_attach(u->dev, u->ioas, NULL);
	if (!ret)
		ret = nu_map(u->iommufd, u->ioas, u->buf, LEN, IOVA);
	return ret;
}

static void user_close(struct user *u)
{
	nu_unmap(u->iommufd, u->ioas, IOVA, LEN);
	close(u->dev);
	close(u->iommufd);
	munmap(u->buf, LEN);
}

static int listen_request(int dev)
{
	char set[sizeof(struct vfio_irq_set) + sizeof(int)];
	struct vfio_irq_set *irq = (struct vfio_irq_set *)set;
	int efd = eventfd(0, EFD_CLOEXEC);

	if (efd < 0)
		return -errno;
	*irq = (struct vfio_irq_set){
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_REQ_IRQ_INDEX,
		.count = 1,
	};
	memcpy(irq->data, &efd, sizeof(efd));
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, irq)) {
		close(efd);
		return -errno;
	}
	return efd;
}

/*
 * The holder, in a child: opens the device, says "R" (ready) on to_parent,
 * waits for the request on the eventfd, says "Q" (request seen); if
 * close_on_request it closes at once, else it waits for a byte on
 * from_parent first; says "C" (closed) and exits 0. Exit 1 on an error.
 */
static void holder(int to_parent, int from_parent, bool close_on_request)
{
	struct pollfd p = { .events = POLLIN };
	struct user u;
	uint64_t cnt;
	char c;

	if (user_open(&u))
		_exit(1);
	p.fd = listen_request(u.dev);
	if (p.fd < 0 || write(to_parent, "R", 1) != 1)
		_exit(1);
	if (poll(&p, 1, WAIT_SECONDS * 1000) != 1 ||
	    read(p.fd, &cnt, sizeof(cnt)) != sizeof(cnt) ||
	    write(to_parent, "Q", 1) != 1)
		_exit(1);
	if (!close_on_request && read(from_parent, &c, 1) != 1)
		_exit(1);
	user_close(&u);
	close(p.fd);
	if (write(to_parent, "C", 1) != 1)
		_exit(1);
	_exit(0);
}

FIXTURE(hotplug)
{
	int to_parent[2], to_child[2];
	pid_t child;
	bool removing;		/* device_del asked for */
	struct nu_pins before;
};

FIXTURE_SETUP(hotplug)
{
	ASSERT_TRUE(nu_dev_exists(bdf)) TH_LOG("no device %s", bdf);
	ASSERT_TRUE(wait_cdev()) TH_LOG("%s has no noiommu cdev", bdf);
	ASSERT_TRUE(nu_read_pins(&self->before));
	ASSERT_EQ(0, pipe(self->to_parent));
	ASSERT_EQ(0, pipe(self->to_child));
	self->child = -1;
	self->removing = false;
}

FIXTURE_TEARDOWN(hotplug)
{
	int status;

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, &status, 0);
	}
	/* Leave the device present and bound for what runs next */
	if (self->removing)
		wait_dev(false);
	if (!nu_dev_exists(bdf) && host_request("device_add"))
		wait_dev(true);
	if (nu_dev_exists(bdf)) {
		nu_bind_vfio_pci(bdf);
		wait_cdev();
	}
}

/* The holder's next message, or 0 if none comes within WAIT_SECONDS */
static char next_msg(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c = 0;

	if (poll(&p, 1, WAIT_SECONDS * 1000) != 1)
		return 0;
	return read(fd, &c, 1) == 1 ? c : 0;
}

static pid_t start_holder(FIXTURE_DATA(hotplug) *self, bool close_on_request)
{
	pid_t pid = fork();

	if (!pid)
		holder(self->to_parent[1], self->to_child[0], close_on_request);
	return pid;
}

/* After device_add: bind, attach, map, GET_PA and a DMA round trip */
static void assert_works_again(struct __test_metadata *_metadata)
{
	uint64_t pa[PAGES], n;
	struct nu_edu edu = { 0 };
	struct user u;
	unsigned int i;

	ASSERT_TRUE(nu_bind_vfio_pci(bdf));
	ASSERT_TRUE(wait_cdev());
	ASSERT_EQ(0, user_open(&u));
	ASSERT_EQ(0, nu_edu_setup(&edu, u.dev));
	for (i = 0; i < PAGES; i++) {
		n = NU_PAGE;
		ASSERT_EQ(0, nu_get_pa(u.iommufd, u.ioas, IOVA + i * NU_PAGE,
				       &n, &pa[i]));
		ASSERT_EQ(nu_pagemap_phys(u.buf + i * NU_PAGE), pa[i]);
	}
	for (i = 0; i < XFER; i++)
		u.buf[i] = (uint8_t)(i * 31 + 1);
	memset(u.buf + NU_PAGE, 0, XFER);
	ASSERT_EQ(0, nu_edu_dma(&edu, pa[0], XFER, false));
	ASSERT_EQ(0, nu_edu_dma(&edu, pa[1], XFER, true));
	ASSERT_EQ(0, memcmp(u.buf, u.buf + NU_PAGE, XFER));
	nu_edu_teardown(&edu);
	user_close(&u);
}

static void assert_pins_back(struct __test_metadata *_metadata,
			     const struct nu_pins *before)
{
	struct nu_pins after;

	ASSERT_TRUE(nu_read_pins(&after));
	ASSERT_EQ(before->foll_pins, after.foll_pins);
}

/*
 * The holder has closed: the device goes, the holder exits cleanly and its
 * pins are released; device_add brings back a device that works.
 */
static void assert_gone_then_back(struct __test_metadata *_metadata,
				  FIXTURE_DATA(hotplug) *self)
{
	int status;

	ASSERT_EQ('C', next_msg(self->to_parent[0]));
	ASSERT_TRUE(wait_dev(false)) TH_LOG("%s is still there", bdf);
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = -1;
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	assert_pins_back(_metadata, &self->before);

	self->removing = false;
	ASSERT_TRUE(host_request("device_add"));
	ASSERT_TRUE(wait_dev(true)) TH_LOG("%s did not come back", bdf);
	assert_works_again(_metadata);
	assert_pins_back(_metadata, &self->before);
}

TEST_F_TIMEOUT(hotplug, holder_closes_on_request, 600)
{
	self->child = start_holder(self, true);
	ASSERT_LT(0, self->child);
	ASSERT_EQ('R', next_msg(self->to_parent[0]));
	self->removing = true;
	ASSERT_TRUE(host_request("device_del"));
	ASSERT_EQ('Q', next_msg(self->to_parent[0]));
	assert_gone_then_back(_metadata, self);
}

TEST_F_TIMEOUT(hotplug, holder_ignores_request, 600)
{
	int i;

	self->child = start_holder(self, false);
	ASSERT_LT(0, self->child);
	ASSERT_EQ('R', next_msg(self->to_parent[0]));
	self->removing = true;
	ASSERT_TRUE(host_request("device_del"));
	/* The removal has begun: vfio-pci asked the holder to let go */
	ASSERT_EQ('Q', next_msg(self->to_parent[0]));
	/* and waits for it, however long it keeps the device */
	for (i = 0; i < 30; i++) {
		ASSERT_TRUE(nu_dev_exists(bdf))
			TH_LOG("%s went while its holder had it open", bdf);
		usleep(100000);
	}
	ASSERT_EQ(1, write(self->to_child[1], "x", 1));
	assert_gone_then_back(_metadata, self);
}

int main(int argc, char **argv)
{
	const char *arg[2];

	if (!nu_take_args(&argc, argv, 2, arg, "BDF ID"))
		return KSFT_FAIL;
	bdf = arg[0];
	qemu_id = arg[1];
	return test_harness_run(argc, argv);
}
