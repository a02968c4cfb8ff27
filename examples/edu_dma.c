// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dma - a DPDK-style userspace driver for QEMU's "edu" PCI device in
 * VFIO no-IOMMU mode, through the device cdev and iommufd.
 *
 * The steps every such driver takes:
 *   1. find the cdev:  /sys/bus/pci/devices/BDF/vfio-dev/noiommu-vfioN
 *   2. open /dev/vfio/devices/noiommu-vfioN (needs CAP_SYS_RAWIO) and
 *      /dev/iommu; VFIO_DEVICE_BIND_IOMMUFD; IOMMU_IOAS_ALLOC;
 *      VFIO_DEVICE_ATTACH_IOMMUFD_PT
 *   3. allocate DMA memory (a 2 MiB hugepage, else 4 KiB pages), pin it with
 *      IOMMU_IOAS_MAP and learn its physical extents with
 *      IOMMU_IOAS_NOIOMMU_GET_PA. Without an IOMMU the device uses physical
 *      addresses; the IOVA is only the handle of the pinned memory.
 *   4. map BAR0, enable bus mastering, route MSI to an eventfd
 *   5. DMA: program physical addresses, one transfer per physically
 *      contiguous piece, and sleep on the eventfd until the MSI comes
 *   6. tear down in reverse order
 * On an error it prints the step and the errno text and exits 1; closing
 * the file descriptors (done by exit) releases everything in the kernel.
 *
 * No-IOMMU mode is unsafe: the device can DMA anywhere in memory.
 *
 * Build against the uapi headers of a kernel with the no-IOMMU cdev series:
 *   gcc -static -isystem O/usr/include -o edu_dma edu_dma.c
 * Usage: edu_dma [--tap] 0000:00:03.0
 *   --tap  print TAP (the test harness's format) instead of plain lines
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#ifndef IOMMU_IOAS_NOIOMMU_GET_PA
#error "needs the uapi headers of a kernel with the VFIO no-IOMMU cdev series (-isystem O/usr/include after make headers_install)"
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif

/* QEMU's edu device (qemu/docs/specs/edu.rst): BAR0 registers */
#define EDU_IDENT		0x00
#define   EDU_IDENT_V1		0x010000ed	/* version 1.0 */
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_ACK		0x64
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define   EDU_DMA_START		0x1
#define   EDU_DMA_TO_RAM	0x2	/* direction edu -> RAM, else RAM -> edu */
#define   EDU_DMA_IRQ		0x4	/* raise EDU_IRQ_DMA when done */
#define EDU_IRQ_DMA		0x100
#define EDU_BUF			0x40000	/* the device's 4 KiB DMA buffer */
/* A transfer ending exactly at the end of that buffer aborts QEMU 7.2. */
#define EDU_BUF_USABLE		4095

#define HUGE_SIZE	(2UL << 20)	/* one 2 MiB hugepage */
#define SMALL_SIZE	(16UL << 10)	/* or four 4 KiB pages */
#define MAX_EXTENTS	(HUGE_SIZE / 4096)
/* What the demo copies RAM -> edu -> RAM; both ends cross a 4 KiB page. */
#define XFER_LEN	3000
#define SRC_OFF		(1 * 4096 - 0x300)
#define DST_OFF		(3 * 4096 - 0x200)
#define IRQ_TIMEOUT_MS	5000

#define TEST_NAME	"edu DMA through noiommu cdev"

/* A physically contiguous piece of the DMA buffer. */
struct extent {
	uint64_t off;	/* offset in the buffer */
	uint64_t phys;	/* what the device must be given */
	uint64_t len;
};

struct edu {
	const char *bdf;
	char cdev[NAME_MAX + 1];	/* noiommu-vfioN */
	int dev, iommufd, efd;
	uint32_t devid, ioas, hwpt;
	uint8_t *buf;			/* DMA memory */
	size_t size;
	bool huge;
	uint64_t iova;
	struct extent ext[MAX_EXTENTS];
	int n_ext, n_dma;
	volatile uint8_t *bar;		/* BAR0 */
	size_t bar_size;
	uint64_t cfg_off;		/* config space in the device fd */
};

static bool tap;

/* One line per step: "STEP     what was done". */
static void say(const char *step, const char *fmt, ...)
{
	va_list ap;

	printf("%s%-9s ", tap ? "# " : "", step);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void __attribute__((noreturn, format(printf, 2, 3)))
fail(const char *step, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "edu_dma: %s: %s\n", step, msg);
	if (tap)
		printf("not ok 1 - %s # %s: %s\n", TEST_NAME, step, msg);
	exit(1);
}

#define IOCTL(step, fd, req, arg) xioctl(step, #req, fd, req, arg)
static void xioctl(const char *step, const char *name, int fd,
		   unsigned long req, void *arg)
{
	if (ioctl(fd, req, arg))
		fail(step, "%s: %s", name, strerror(errno));
}

static uint32_t r32(struct edu *e, unsigned int reg)
{
	return *(volatile uint32_t *)(e->bar + reg);
}

static void w32(struct edu *e, unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)(e->bar + reg) = val;
}

static void w64(struct edu *e, unsigned int reg, uint64_t val)
{
	*(volatile uint64_t *)(e->bar + reg) = val;
}

/* Read /sys/bus/pci/devices/BDF/FILE into buf (one line); false if absent. */
static bool sysfs_read(const char *bdf, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, file);
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* vfio's no-IOMMU switch: 1 on, 0 off, -1 not in this kernel. */
static int noiommu_mode(void)
{
	char val[8] = "";
	FILE *f = fopen("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "r");

	if (!f)
		return -1;
	if (!fgets(val, sizeof(val), f))
		val[0] = '\0';
	fclose(f);
	return val[0] == 'Y';
}

/* The name of what the symlink /sys/bus/pci/devices/BDF/NAME points to. */
static bool sysfs_link(const char *bdf, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	snprintf(buf, len, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	return true;
}

/* Accept 0000:00:03.0 or 00:03.0; return the full form. */
static const char *parse_bdf(const char *arg)
{
	static char bdf[16];
	unsigned int dom = 0, bus, slot, fn;
	int n = -1;

	if (sscanf(arg, "%x:%x:%x.%x%n", &dom, &bus, &slot, &fn, &n) != 4 ||
	    (size_t)n != strlen(arg)) {
		n = -1;
		if (sscanf(arg, "%x:%x.%x%n", &bus, &slot, &fn, &n) != 3 ||
		    (size_t)n != strlen(arg))
			n = -1;
	}
	if (n < 0 || dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7)
		fail("device", "'%s' is not a PCI address: give one like 0000:00:03.0 (ls /sys/bus/pci/devices lists them)", arg);
	snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", dom, bus, slot, fn);
	return bdf;
}

#define MODE_HINT "boot with vfio.enable_unsafe_noiommu_mode=1 (or echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode) on a kernel with CONFIG_VFIO_CDEV_NOIOMMU=y"

/* Step 1: check the device and find its noiommu-vfioN cdev in sysfs. */
static void find_cdev(struct edu *e)
{
	char vendor[16], device[16], drv[PATH_MAX], iommu[PATH_MAX];
	char path[PATH_MAX], bind[512];
	bool has_drv, has_iommu;
	struct dirent *d;
	DIR *dir;

	if (!sysfs_read(e->bdf, "vendor", vendor, sizeof(vendor)) ||
	    !sysfs_read(e->bdf, "device", device, sizeof(device)))
		fail("device", "no such PCI device %s (ls /sys/bus/pci/devices lists them)", e->bdf);
	if (strcmp(vendor, "0x1234") || strcmp(device, "0x11e8"))
		fail("device", "%s is %s:%s, not QEMU's edu device 0x1234:0x11e8: this example drives edu only",
		     e->bdf, vendor, device);

	has_drv = sysfs_link(e->bdf, "driver", drv, sizeof(drv));
	has_iommu = sysfs_link(e->bdf, "iommu", iommu, sizeof(iommu));
	if (!has_drv || strcmp(drv, "vfio-pci")) {
		char unbind[128] = "";

		if (has_drv)
			snprintf(unbind, sizeof(unbind), "echo %s > /sys/bus/pci/devices/%s/driver/unbind; ",
				 e->bdf, e->bdf);
		snprintf(bind, sizeof(bind), "%secho vfio-pci > /sys/bus/pci/devices/%s/driver_override; echo %s > /sys/bus/pci/drivers_probe",
			 unbind, e->bdf, e->bdf);
		if (!has_iommu && noiommu_mode() != 1)
			fail("device", "no-IOMMU mode is off, and vfio-pci takes %s (it has no IOMMU) only in that mode: %s; then bind it: %s",
			     e->bdf, MODE_HINT, bind);
		fail("device", "%s is not bound to vfio-pci (driver: %s): bind it: %s",
		     e->bdf, has_drv ? drv : "none", bind);
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", e->bdf);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		if (!strncmp(d->d_name, "noiommu-vfio", strlen("noiommu-vfio"))) {
			snprintf(e->cdev, sizeof(e->cdev), "%s", d->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
	if (e->cdev[0]) {
		say("device", "%s: edu %s:%s, driver vfio-pci, cdev %s", e->bdf, vendor, device, e->cdev);
		return;
	}

	/* No cdev: say why. */
	if (has_iommu)
		fail("device", "%s is behind an IOMMU (%s), so it has no noiommu-vfio cdev: use its vfioN cdev with an IOMMU; this example is for no-IOMMU mode",
		     e->bdf, iommu);
	if (noiommu_mode() != 1)
		fail("device", "no-IOMMU mode is off (%s has no noiommu-vfio cdev): %s; then rebind the device",
		     e->bdf, MODE_HINT);
	fail("device", "%s has no noiommu-vfio cdev although no-IOMMU mode is on: this kernel offers no-IOMMU devices only as legacy groups /dev/vfio/noiommu-N; it needs CONFIG_VFIO_CDEV_NOIOMMU=y (the VFIO no-IOMMU cdev series)",
	     e->bdf);
}

/* Step 2: open the cdev and the iommufd, bind, put the device on an IOAS. */
static void open_and_attach(struct edu *e)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", e->cdev);
	e->dev = open(path, O_RDWR | O_CLOEXEC);
	if (e->dev < 0 && (errno == EPERM || errno == EACCES))
		fail("open", "%s: %s: a no-IOMMU device needs CAP_SYS_RAWIO (run as root)", path, strerror(errno));
	if (e->dev < 0)
		fail("open", "%s: %s", path, strerror(errno));
	e->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (e->iommufd < 0)
		fail("open", "/dev/iommu: %s%s", strerror(errno),
		     errno == ENOENT ? " (a kernel with CONFIG_IOMMUFD and devtmpfs mounted?)" : "");
	say("open", "%s (fd %d) and /dev/iommu (fd %d)", path, e->dev, e->iommufd);

	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = e->iommufd,
	};
	if (ioctl(e->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		char group[PATH_MAX] = "N";

		if (errno != EBUSY)
			fail("bind", "VFIO_DEVICE_BIND_IOMMUFD: %s", strerror(errno));
		sysfs_link(e->bdf, "iommu_group", group, sizeof(group));
		fail("bind", "VFIO_DEVICE_BIND_IOMMUFD: %s: the device is in use, through its legacy group /dev/vfio/noiommu-%s or by another process",
		     strerror(EBUSY), group);
	}
	e->devid = bind.out_devid;
	say("bind", "VFIO_DEVICE_BIND_IOMMUFD: dev_id %u", e->devid);

	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	IOCTL("ioas", e->iommufd, IOMMU_IOAS_ALLOC, &alloc);
	e->ioas = alloc.out_ioas_id;
	say("ioas", "IOMMU_IOAS_ALLOC: ioas_id %u", e->ioas);

	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = e->ioas,
	};
	IOCTL("attach", e->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
	e->hwpt = attach.pt_id;
	say("attach", "VFIO_DEVICE_ATTACH_IOMMUFD_PT: IOAS %u, hwpt %u (a software page table, no IOMMU)",
	    e->ioas, e->hwpt);
}

/* Step 3: DMA memory, pinned by IOMMU_IOAS_MAP, resolved by GET_PA. */
static void alloc_dma_memory(struct edu *e)
{
	e->size = HUGE_SIZE;
	e->buf = mmap(NULL, e->size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	if (e->buf != MAP_FAILED) {
		e->huge = true;
		say("memory", "one 2 MiB hugepage at va %p", (void *)e->buf);
		return;
	}
	say("memory", "note: no 2 MiB hugepage (%s): using 4 KiB pages, one DMA per physically contiguous piece (for hugepages: echo 16 > /proc/sys/vm/nr_hugepages)",
	    strerror(errno));
	e->size = SMALL_SIZE;
	e->buf = mmap(NULL, e->size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e->buf == MAP_FAILED)
		fail("memory", "mmap of %zu bytes: %s", e->size, strerror(errno));
	say("memory", "%zu KiB of 4 KiB pages at va %p", e->size >> 10, (void *)e->buf);
}

static void map_dma_memory(struct edu *e)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = e->ioas,
		.user_va = (uintptr_t)e->buf,
		.length = e->size,
	};
	IOCTL("map", e->iommufd, IOMMU_IOAS_MAP, &map);
	e->iova = map.iova;
	say("map", "IOMMU_IOAS_MAP: %zu bytes at va %p pinned, iova 0x%llx",
	    e->size, (void *)e->buf, (unsigned long long)e->iova);

	/* One GET_PA per physically contiguous extent. */
	for (uint64_t off = 0, len; off < e->size; off += len) {
		struct iommu_ioas_noiommu_get_pa pa = {
			.size = sizeof(pa),
			.ioas_id = e->ioas,
			.iova = e->iova + off,
			.length = e->size - off,
		};
		if (ioctl(e->iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &pa))
			fail("get_pa", "IOMMU_IOAS_NOIOMMU_GET_PA at iova 0x%llx: %s",
			     (unsigned long long)pa.iova, strerror(errno));
		if (!pa.length || pa.length > e->size - off || e->n_ext == MAX_EXTENTS)
			fail("get_pa", "IOMMU_IOAS_NOIOMMU_GET_PA at iova 0x%llx returned length %llu",
			     (unsigned long long)pa.iova, (unsigned long long)pa.length);
		len = pa.length;
		e->ext[e->n_ext++] = (struct extent){ off, pa.out_phys, len };
		say("get_pa", "IOMMU_IOAS_NOIOMMU_GET_PA: extent %d: iova 0x%llx -> phys 0x%llx, %llu bytes",
		    e->n_ext - 1, (unsigned long long)pa.iova,
		    (unsigned long long)pa.out_phys, (unsigned long long)pa.length);
	}
}

/* The physical address of buffer offset off, and in *len how many of the
 * *len bytes from there are physically contiguous. */
static uint64_t dma_addr(struct edu *e, uint64_t off, size_t *len)
{
	for (int i = 0; i < e->n_ext; i++) {
		struct extent *x = &e->ext[i];

		if (off >= x->off && off - x->off < x->len) {
			if (*len > x->len - (off - x->off))
				*len = x->len - (off - x->off);
			return x->phys + (off - x->off);
		}
	}
	fail("dma", "buffer offset 0x%llx has no physical extent", (unsigned long long)off);
}

/* Step 4: BAR0, bus mastering, MSI. */
static void map_bar0(struct edu *e)
{
	struct vfio_region_info reg = {
		.argsz = sizeof(reg),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	uint32_t ident;

	IOCTL("bar0", e->dev, VFIO_DEVICE_GET_REGION_INFO, &reg);
	if (!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP))
		fail("bar0", "BAR0 cannot be mmapped (region flags 0x%x)", reg.flags);
	e->bar = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      e->dev, reg.offset);
	if (e->bar == MAP_FAILED)
		fail("bar0", "mmap of BAR0: %s", strerror(errno));
	e->bar_size = reg.size;
	ident = r32(e, EDU_IDENT);
	if (ident != EDU_IDENT_V1)
		fail("bar0", "ident register reads 0x%08x, expected edu 1.0 (0x%08x)", ident, EDU_IDENT_V1);
	say("bar0", "VFIO_DEVICE_GET_REGION_INFO + mmap: %llu KiB at %p, ident 0x%08x (edu 1.0)",
	    (unsigned long long)reg.size >> 10, (void *)e->bar, ident);
}

/* Set or clear bits of the PCI command register through the config region. */
static void pci_command(struct edu *e, uint16_t set, uint16_t clear)
{
	uint16_t old, cmd;

	if (pread(e->dev, &old, sizeof(old), e->cfg_off + PCI_COMMAND) != sizeof(old))
		fail("busmaster", "reading the PCI command register: %s", strerror(errno));
	cmd = htole16((le16toh(old) | set) & ~clear);
	if (pwrite(e->dev, &cmd, sizeof(cmd), e->cfg_off + PCI_COMMAND) != sizeof(cmd))
		fail("busmaster", "writing the PCI command register: %s", strerror(errno));
	say("busmaster", "%s: PCI command 0x%04x -> 0x%04x", set ? "on" : "off",
	    le16toh(old), le16toh(cmd));
}

static void enable_bus_master(struct edu *e)
{
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};

	IOCTL("busmaster", e->dev, VFIO_DEVICE_GET_REGION_INFO, &cfg);
	e->cfg_off = cfg.offset;
	pci_command(e, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0);
}

/* Route MSI vector 0 to eventfd efd, or switch MSI off (efd < 0). */
static void set_msi(struct edu *e, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)] __attribute__((aligned(8)));
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	*set = (struct vfio_irq_set){
		.argsz = sizeof(buf),
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSI_IRQ_INDEX,
		.count = 1,
	};
	if (efd >= 0) {
		memcpy(set->data, &efd, sizeof(int32_t));
	} else {
		/* no data and count 0: MSI off */
		set->argsz = sizeof(*set);
		set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 0;
	}
	IOCTL("msi", e->dev, VFIO_DEVICE_SET_IRQS, set);
}

static void enable_msi(struct edu *e)
{
	struct vfio_irq_info irq = {
		.argsz = sizeof(irq),
		.index = VFIO_PCI_MSI_IRQ_INDEX,
	};

	IOCTL("msi", e->dev, VFIO_DEVICE_GET_IRQ_INFO, &irq);
	if (irq.count < 1 || !(irq.flags & VFIO_IRQ_INFO_EVENTFD))
		fail("msi", "the device has no MSI that can signal an eventfd");
	e->efd = eventfd(0, EFD_CLOEXEC);
	if (e->efd < 0)
		fail("msi", "eventfd: %s", strerror(errno));
	set_msi(e, e->efd);
	say("msi", "VFIO_DEVICE_SET_IRQS: MSI vector 0 signals eventfd %d", e->efd);
}

/* Sleep until the MSI arrives, then read and acknowledge the status. */
static uint32_t wait_irq(struct edu *e)
{
	struct pollfd p = { .fd = e->efd, .events = POLLIN };
	uint64_t count;
	uint32_t status;
	int n = poll(&p, 1, IRQ_TIMEOUT_MS);

	if (n < 0)
		fail("dma", "poll on the eventfd: %s", strerror(errno));
	if (n == 0)
		fail("dma", "no MSI within %d ms", IRQ_TIMEOUT_MS);
	if (read(e->efd, &count, sizeof(count)) != sizeof(count))
		fail("dma", "reading the eventfd: %s", strerror(errno));
	status = r32(e, EDU_IRQ_STATUS);
	w32(e, EDU_IRQ_ACK, status);
	if (!(status & EDU_IRQ_DMA))
		fail("dma", "interrupt status 0x%x, expected 0x%x", status, EDU_IRQ_DMA);
	return status;
}

/* Step 5: copy len bytes between buffer offset off and the edu buffer, one
 * DMA per physically contiguous piece, each under 4096 bytes. */
static void edu_copy(struct edu *e, bool to_ram, uint64_t off, size_t len)
{
	for (size_t done = 0, n; done < len; done += n) {
		uint64_t dev = EDU_BUF + done;
		uint64_t ram;

		n = len - done;
		ram = dma_addr(e, off + done, &n);
		w64(e, EDU_DMA_SRC, to_ram ? dev : ram);
		w64(e, EDU_DMA_DST, to_ram ? ram : dev);
		w64(e, EDU_DMA_COUNT, n);
		w64(e, EDU_DMA_CMD, EDU_DMA_START | EDU_DMA_IRQ | (to_ram ? EDU_DMA_TO_RAM : 0));
		uint32_t status = wait_irq(e);
		e->n_dma++;
		if (to_ram)
			say("dma", "edu 0x%llx -> RAM phys 0x%llx, %zu bytes: MSI, status 0x%x acked",
			    (unsigned long long)dev, (unsigned long long)ram, n, status);
		else
			say("dma", "RAM phys 0x%llx -> edu 0x%llx, %zu bytes: MSI, status 0x%x acked",
			    (unsigned long long)ram, (unsigned long long)dev, n, status);
	}
}

static void dma_round_trip(struct edu *e)
{
	uint8_t *src = e->buf + SRC_OFF, *dst = e->buf + DST_OFF;
	uint32_t x = (uint32_t)time(NULL) ^ (uint32_t)getpid() ^ 0x9e3779b9;

	_Static_assert(XFER_LEN <= EDU_BUF_USABLE, "edu transfers must stay under 4096 bytes");
	_Static_assert(DST_OFF + XFER_LEN <= SMALL_SIZE, "the transfers must fit the buffer");
	for (size_t i = 0; i < XFER_LEN; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		src[i] = (uint8_t)x;
	}
	memset(dst, 0, XFER_LEN);

	edu_copy(e, false, SRC_OFF, XFER_LEN);
	edu_copy(e, true, DST_OFF, XFER_LEN);
	for (size_t i = 0; i < XFER_LEN; i++)
		if (dst[i] != src[i])
			fail("check", "byte %zu came back as 0x%02x, sent 0x%02x: a wrong DMA address?",
			     i, dst[i], src[i]);
	say("check", "%d bytes RAM -> edu -> RAM in %d DMAs: identical", XFER_LEN, e->n_dma);
}

/* Step 6: undo everything, in reverse order. */
static void teardown(struct edu *e)
{
	set_msi(e, -1);
	close(e->efd);
	say("msi", "VFIO_DEVICE_SET_IRQS: MSI off, eventfd closed");
	pci_command(e, 0, PCI_COMMAND_MASTER);
	munmap((void *)e->bar, e->bar_size);
	say("bar0", "unmapped");

	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = e->ioas,
		.iova = e->iova,
		.length = e->size,
	};
	IOCTL("unmap", e->iommufd, IOMMU_IOAS_UNMAP, &unmap);
	say("unmap", "IOMMU_IOAS_UNMAP: iova 0x%llx, %llu bytes unpinned",
	    (unsigned long long)e->iova, (unsigned long long)unmap.length);

	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
	IOCTL("detach", e->dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
	say("detach", "VFIO_DEVICE_DETACH_IOMMUFD_PT: device off IOAS %u", e->ioas);

	struct iommu_destroy destroy = { .size = sizeof(destroy), .id = e->ioas };
	IOCTL("destroy", e->iommufd, IOMMU_DESTROY, &destroy);
	say("destroy", "IOMMU_DESTROY: IOAS %u", e->ioas);

	close(e->dev);
	close(e->iommufd);
	munmap(e->buf, e->size);
	say("close", "device fd (ends the bind), /dev/iommu, DMA memory freed");
}

int main(int argc, char **argv)
{
	struct edu e = { .dev = -1, .iommufd = -1, .efd = -1 };
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--tap")) {
		tap = true;
		i++;
	}
	if (tap)
		printf("1..1\n");
	if (argc != i + 1 || argv[i][0] == '-')
		fail("usage", "edu_dma [--tap] PCI_ADDRESS, e.g. edu_dma 0000:00:03.0 (an edu device bound to vfio-pci)");
	e.bdf = parse_bdf(argv[i]);

	find_cdev(&e);
	open_and_attach(&e);
	alloc_dma_memory(&e);
	map_dma_memory(&e);
	map_bar0(&e);
	enable_bus_master(&e);
	enable_msi(&e);
	dma_round_trip(&e);
	teardown(&e);

	if (tap)
		printf("ok 1 - %s (%s, %d extent%s, %d DMAs)\n", TEST_NAME,
		       e.huge ? "2 MiB hugepage" : "4 KiB pages", e.n_ext,
		       e.n_ext == 1 ? "" : "s", e.n_dma);
	else
		say("done", "%s: the edu device copied %d bytes by DMA to and from physical addresses from GET_PA",
		    e.bdf, XFER_LEN);
	return 0;
}
