/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the project's noiommu cdev tests (tests/noiommu_*.c and
 * tests/dpdk_cdev_sequence.c): open and bind the noiommu-vfioN cdev of an
 * edu device, IOAS and attach calls, GET_PA, /proc/self/pagemap, pinned-page
 * accounting, and the edu DMA engine driven by polling (QEMU's edu device,
 * see tools/testing/selftests/vfio/lib/drivers/edu/registers.h).
 *
 * It needs the series' uapi (GET_PA); what does not is in test_util.h.
 *
 * Every helper returns 0 or -errno (or a value), never exits: the tests
 * decide with the kselftest harness what a failure means.
 */
#ifndef NOIOMMU_UTIL_H
#define NOIOMMU_UTIL_H

#include "test_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define NU_PAGE		4096UL

/* edu BAR0 registers */
#define NU_EDU_DMA_SRC		0x80
#define NU_EDU_DMA_DST		0x88
#define NU_EDU_DMA_COUNT	0x90
#define NU_EDU_DMA_CMD		0x98
#define  NU_EDU_DMA_START	0x1	/* reads as 1 while busy */
#define  NU_EDU_DMA_TO_RAM	0x2	/* else RAM to the device buffer */
#define NU_EDU_BUF		0x40000	/* the device's 4 KiB DMA buffer */

/* Bind the device to vfio-pci (it has no driver, e.g. after a hotplug) */
static inline bool nu_bind_vfio_pci(const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	return nu_write_file(path, "vfio-pci") &&
	       nu_write_file("/sys/bus/pci/drivers_probe", bdf);
}

/* Open the device's noiommu cdev: fd or -errno */
static inline int nu_open_cdev(const char *bdf)
{
	char name[NAME_MAX + 1], path[PATH_MAX];
	int fd;

	nu_cdev_name(bdf, name, sizeof(name));
	if (!name[0])
		return -ENODEV;
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static inline int nu_bind(int dev, int iommufd, uint32_t *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	*devid = bind.out_devid;
	return 0;
}

static inline int nu_ioas_alloc(int iommufd, uint32_t *ioas)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return -errno;
	*ioas = alloc.out_ioas_id;
	return 0;
}

/* Attach (or replace, if attached) to pt_id; *hwpt gets the HWPT used */
static inline int nu_attach(int dev, uint32_t pt_id, uint32_t *hwpt)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	if (ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return -errno;
	if (hwpt)
		*hwpt = attach.pt_id;
	return 0;
}

static inline int nu_detach(int dev)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};

	return ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) ? -errno : 0;
}

static inline int nu_hwpt_alloc(int iommufd, uint32_t devid, uint32_t pt_id,
				uint32_t *hwpt)
{
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.dev_id = devid,
		.pt_id = pt_id,
	};

	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &alloc))
		return -errno;
	*hwpt = alloc.out_hwpt_id;
	return 0;
}

static inline int nu_destroy(int iommufd, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &d) ? -errno : 0;
}

/* Map len bytes at buf to the fixed IOVA iova */
static inline int nu_map(int iommufd, uint32_t ioas, void *buf, uint64_t len,
			 uint64_t iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
}

static inline int nu_unmap(int iommufd, uint32_t ioas, uint64_t iova,
			   uint64_t len)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};

	return ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap) ? -errno : 0;
}

static inline int nu_copy(int iommufd, uint32_t dst_ioas, uint64_t dst_iova,
			  uint32_t src_ioas, uint64_t src_iova, uint64_t len)
{
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.dst_ioas_id = dst_ioas,
		.src_ioas_id = src_ioas,
		.length = len,
		.dst_iova = dst_iova,
		.src_iova = src_iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_COPY, &copy) ? -errno : 0;
}

/* GET_PA: *phys, and *len (in: wanted, out: contiguous bytes) */
static inline int nu_get_pa(int iommufd, uint32_t ioas, uint64_t iova,
			    uint64_t *len, uint64_t *phys)
{
	struct iommu_ioas_noiommu_get_pa gp = {
		.size = sizeof(gp),
		.ioas_id = ioas,
		.iova = iova,
		.length = *len,
	};

	if (ioctl(iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &gp))
		return -errno;
	*len = gp.length;
	*phys = gp.out_phys;
	return 0;
}

static int nu_pagemap_fd = -1;

/* Open /proc/self/pagemap once, before any thread reads it */
static inline bool nu_pagemap_open(void)
{
	if (nu_pagemap_fd < 0)
		nu_pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	return nu_pagemap_fd >= 0;
}

/* Physical address of the page at va from /proc/self/pagemap, 0 if none */
static inline uint64_t nu_pagemap_phys(const void *va)
{
	uint64_t ent = 0;

	if (!nu_pagemap_open() ||
	    pread(nu_pagemap_fd, &ent, sizeof(ent),
		  ((uintptr_t)va / NU_PAGE) * 8) != sizeof(ent) ||
	    !(ent & (1ULL << 63)))
		return 0;
	return (ent & ((1ULL << 55) - 1)) * NU_PAGE;
}

/*
 * Check GET_PA over [iova, iova + len) of a mapping of buf against pagemap,
 * one call per contiguous extent. 0 if all agree; -errno of GET_PA; or
 * -EFAULT when an address differs (*bad_off gets the offset).
 */
static inline int nu_check_pa(int iommufd, uint32_t ioas, uint64_t iova,
			      const uint8_t *buf, uint64_t len,
			      uint64_t *bad_off, unsigned long *calls)
{
	uint64_t done = 0, n, phys = 0, off;
	int ret;

	while (done < len) {
		n = len - done;
		ret = nu_get_pa(iommufd, ioas, iova + done, &n, &phys);
		if (calls)
			(*calls)++;
		if (ret)
			return ret;
		if (!n || n > len - done)
			return -ERANGE;
		for (off = 0; off < n; off += NU_PAGE) {
			uint64_t pm = nu_pagemap_phys(buf + done + off);

			if (pm != ((phys + off) & ~(NU_PAGE - 1))) {
				if (bad_off)
					*bad_off = done + off;
				return -EFAULT;
			}
		}
		done += n;
	}
	return 0;
}

/* Pin accounting: outstanding FOLL_PIN pins, and this process's VmPin/VmLck */
struct nu_pins {
	long long foll_pins;	/* nr_foll_pin_acquired - nr_foll_pin_released */
	long long vm_pin_kb;
	long long vm_lck_kb;
};

static inline long long nu_status_kb(const char *key)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atoll(line + strlen(key));
	fclose(f);
	return v;
}

static inline bool nu_read_pins(struct nu_pins *p)
{
	long long acq = -1, rel = -1, v;
	char name[128];
	FILE *f;

	if (!nu_write_file("/proc/sys/vm/stat_refresh", "1"))
		return false;
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return false;
	while (fscanf(f, "%127s %lld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	p->foll_pins = acq - rel;
	p->vm_pin_kb = nu_status_kb("VmPin:");
	p->vm_lck_kb = nu_status_kb("VmLck:");
	return acq >= 0 && rel >= 0 && p->vm_pin_kb >= 0 && p->vm_lck_kb >= 0;
}

/* A bound device's BAR0 and config space, for edu DMA */
struct nu_edu {
	int dev;
	volatile uint8_t *bar;
	size_t bar_size;
	uint64_t cfg_off;
};

/* Map BAR0 and enable bus mastering */
static inline int nu_edu_setup(struct nu_edu *e, int dev)
{
	struct vfio_region_info reg = {
		.argsz = sizeof(reg),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;
	void *p;

	e->dev = dev;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &reg) ||
	    ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		return -errno;
	p = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev,
		 reg.offset);
	if (p == MAP_FAILED)
		return -errno;
	e->bar = p;
	e->bar_size = reg.size;
	e->cfg_off = cfg.offset;
	if (pread(dev, &cmd, sizeof(cmd), cfg.offset + PCI_COMMAND) !=
	    sizeof(cmd))
		return -EIO;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(dev, &cmd, sizeof(cmd), cfg.offset + PCI_COMMAND) !=
	    sizeof(cmd))
		return -EIO;
	return 0;
}

static inline void nu_edu_teardown(struct nu_edu *e)
{
	if (e->bar)
		munmap((void *)e->bar, e->bar_size);
	e->bar = NULL;
}

static inline void nu_w64(struct nu_edu *e, unsigned int reg, uint64_t v)
{
	*(volatile uint64_t *)(e->bar + reg) = v;
}

static inline uint64_t nu_r64(struct nu_edu *e, unsigned int reg)
{
	return *(volatile uint64_t *)(e->bar + reg);
}

/*
 * One DMA of count (<= 4095) bytes between physical address phys and the
 * start of the device buffer; to_ram: buffer -> RAM. Polls until the engine
 * is idle (QEMU runs it from a timer). 0, or -ETIMEDOUT after ~10 s.
 */
static inline int nu_edu_dma(struct nu_edu *e, uint64_t phys, uint32_t count,
			     bool to_ram)
{
	struct timespec d = { .tv_nsec = 1000000 };
	int i;

	nu_w64(e, NU_EDU_DMA_SRC, to_ram ? NU_EDU_BUF : phys);
	nu_w64(e, NU_EDU_DMA_DST, to_ram ? phys : NU_EDU_BUF);
	nu_w64(e, NU_EDU_DMA_COUNT, count);
	nu_w64(e, NU_EDU_DMA_CMD,
	       NU_EDU_DMA_START | (to_ram ? NU_EDU_DMA_TO_RAM : 0));
	for (i = 0; i < 10000; i++) {
		if (!(nu_r64(e, NU_EDU_DMA_CMD) & NU_EDU_DMA_START))
			return 0;
		nanosleep(&d, NULL);
	}
	return -ETIMEDOUT;
}

#endif /* NOIOMMU_UTIL_H */
