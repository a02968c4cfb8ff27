// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sequence DPDK's development line (expected in 26.11) runs on a
 * no-IOMMU device through the device cdev, when /dev/vfio/vfio cannot be
 * opened, with IOVA as PA:
 *
 *   open /dev/vfio/devices/noiommu-vfioN, open /dev/iommu,
 *   VFIO_DEVICE_BIND_IOMMUFD, IOMMU_IOAS_ALLOC (one IOAS),
 *   every 2 MiB hugepage: IOMMU_IOAS_MAP with IOMMU_IOAS_MAP_FIXED_IOVA at
 *     iova = its physical address (from /proc/self/pagemap), one mapping
 *     each, so two physically adjacent hugepages are two adjacent mappings,
 *   VFIO_DEVICE_ATTACH_IOMMUFD_PT,
 *   then the device does DMA at those addresses.
 *
 * No packaged DPDK does this yet (make dpdk DPDK=<prefix> DPDK_CDEV=1 runs
 * one that does); this test runs it on QEMU's edu device, whose DMA engine
 * copies between RAM and its 4 KiB buffer (polled, no interrupt).
 *
 * Usage: dpdk_cdev_sequence BDF
 *   BDF  an edu device bound to vfio-pci in no-IOMMU mode, not in use.
 * Needs NR_PAGES free 2 MiB hugepages, two of them physically adjacent (in a
 * freshly booted VM some always are); if no two are, the adjacency test
 * fails and says so.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#endif

#define HUGE_SIZE	(2UL << 20)
#define NR_PAGES	16

/* QEMU's edu device (docs/specs/edu.rst) */
#define EDU_IDENT		0x00
#define EDU_IDENT_V1		0x010000ed
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define   EDU_DMA_START		0x1
#define   EDU_DMA_TO_RAM	0x2
#define EDU_BUF			0x40000
#define XFER_LEN		4000	/* under the 4 KiB buffer */

static const char *bdf;

struct hugepage {
	uint8_t *va;
	uint64_t pa;
};

FIXTURE(dpdk_cdev) {
	int dev;
	int iommufd;
	uint32_t ioas;
	struct hugepage page[NR_PAGES];
	int adj;		/* page[adj + 1].pa == page[adj].pa + 2 MiB, or -1 */
	volatile uint8_t *bar;
	size_t bar_size;
};

/* The noiommu-vfioN name of the device's cdev */
static bool cdev_name(char *name, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dir;

	name[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		return false;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			snprintf(name, len, "%s", e->d_name);
	closedir(dir);
	return !strncmp(name, "noiommu-vfio", strlen("noiommu-vfio"));
}

/* The physical address of va, from /proc/self/pagemap (0 if unknown) */
static uint64_t pagemap_pa(const void *va)
{
	long psize = sysconf(_SC_PAGESIZE);
	uint64_t ent = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), (uintptr_t)va / psize * sizeof(ent)) != sizeof(ent))
		ent = 0;
	close(fd);
	if (!(ent & (1ULL << 63)))	/* not present */
		return 0;
	return (ent & ((1ULL << 55) - 1)) * psize + (uintptr_t)va % psize;
}

static int cmp_pa(const void *a, const void *b)
{
	const struct hugepage *x = a, *y = b;

	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

static int ioas_map_fixed(int iommufd, uint32_t ioas, void *va, uint64_t iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = HUGE_SIZE,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &map);
}

static int get_pa(int iommufd, uint32_t ioas, uint64_t iova, uint64_t length,
		  struct iommu_ioas_noiommu_get_pa *pa)
{
	*pa = (struct iommu_ioas_noiommu_get_pa){
		.size = sizeof(*pa),
		.ioas_id = ioas,
		.iova = iova,
		.length = length,
	};
	return ioctl(iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, pa);
}

static uint32_t r32(FIXTURE_DATA(dpdk_cdev) *self, unsigned int reg)
{
	return *(volatile uint32_t *)(self->bar + reg);
}

static void w64(FIXTURE_DATA(dpdk_cdev) *self, unsigned int reg, uint64_t val)
{
	*(volatile uint64_t *)(self->bar + reg) = val;
}

/* One edu DMA between RAM at bus address ram and its buffer; polled. */
static bool edu_dma(FIXTURE_DATA(dpdk_cdev) *self, bool to_ram, uint64_t ram,
		    size_t len)
{
	w64(self, EDU_DMA_SRC, to_ram ? EDU_BUF : ram);
	w64(self, EDU_DMA_DST, to_ram ? ram : EDU_BUF);
	w64(self, EDU_DMA_COUNT, len);
	w64(self, EDU_DMA_CMD, EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0));
	/* QEMU runs each DMA from a 100 ms timer; allow 10 s */
	for (int i = 0; i < 10000; i++) {
		if (!(r32(self, EDU_DMA_CMD) & EDU_DMA_START))
			return true;
		usleep(1000);
	}
	return false;
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
		p[i] = (uint8_t)seed;
	}
}

/* BAR0 mapped, memory decoding and bus mastering on */
static void enable_device(struct __test_metadata *_metadata,
			  FIXTURE_DATA(dpdk_cdev) *self)
{
	struct vfio_region_info bar = {
		.argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;

	ASSERT_EQ(0, ioctl(self->dev, VFIO_DEVICE_GET_REGION_INFO, &bar));
	self->bar = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->dev, bar.offset);
	ASSERT_NE(MAP_FAILED, self->bar);
	self->bar_size = bar.size;
	ASSERT_EQ((uint32_t)EDU_IDENT_V1, r32(self, EDU_IDENT));
	ASSERT_EQ(0, ioctl(self->dev, VFIO_DEVICE_GET_REGION_INFO, &cfg));
	ASSERT_EQ((ssize_t)sizeof(cmd), pread(self->dev, &cmd, sizeof(cmd), cfg.offset + PCI_COMMAND));
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	ASSERT_EQ((ssize_t)sizeof(cmd), pwrite(self->dev, &cmd, sizeof(cmd), cfg.offset + PCI_COMMAND));
}

FIXTURE_SETUP(dpdk_cdev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char name[NAME_MAX + 1], path[PATH_MAX];
	int i;

	self->dev = self->iommufd = -1;
	self->adj = -1;
	ASSERT_TRUE(cdev_name(name, sizeof(name))) {
		TH_LOG("%s has no noiommu-vfioN cdev (bound to vfio-pci, no-IOMMU mode on?)", bdf);
	}
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	self->dev = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", path, strerror(errno));
	self->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->iommufd);
	bind.iommufd = self->iommufd;
	ASSERT_EQ(0, ioctl(self->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_IOAS_ALLOC, &alloc));
	self->ioas = alloc.out_ioas_id;

	/* The hugepages, in physical address order, as DPDK's memsegs */
	for (i = 0; i < NR_PAGES; i++) {
		self->page[i].va = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
					MAP_HUGE_2MB | MAP_POPULATE, -1, 0);
		ASSERT_NE(MAP_FAILED, self->page[i].va) {
			TH_LOG("hugepage %d of %d: %s (echo %d > /proc/sys/vm/nr_hugepages)",
			       i + 1, NR_PAGES, strerror(errno), NR_PAGES);
		}
		self->page[i].pa = pagemap_pa(self->page[i].va);
		ASSERT_NE(0ULL, (unsigned long long)self->page[i].pa) TH_LOG("no PFN in pagemap (root?)");
		ASSERT_EQ(0UL, self->page[i].pa % HUGE_SIZE);
	}
	qsort(self->page, NR_PAGES, sizeof(self->page[0]), cmp_pa);
	for (i = 0; i + 1 < NR_PAGES && self->adj < 0; i++)
		if (self->page[i + 1].pa == self->page[i].pa + HUGE_SIZE)
			self->adj = i;

	/* One mapping per hugepage at iova = pa */
	for (i = 0; i < NR_PAGES; i++) {
		ASSERT_EQ(0, ioas_map_fixed(self->iommufd, self->ioas,
					    self->page[i].va, self->page[i].pa)) {
			TH_LOG("IOMMU_IOAS_MAP FIXED_IOVA iova 0x%llx: %s",
			       (unsigned long long)self->page[i].pa, strerror(errno));
		}
	}

	attach.pt_id = self->ioas;
	ASSERT_EQ(0, ioctl(self->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach));
	enable_device(_metadata, self);
}

FIXTURE_TEARDOWN(dpdk_cdev)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = self->ioas, .length = UINT64_MAX,
	};

	if (self->bar && self->bar != MAP_FAILED)
		munmap((void *)self->bar, self->bar_size);
	if (self->iommufd >= 0)
		ioctl(self->iommufd, IOMMU_IOAS_UNMAP, &unmap);
	for (int i = 0; i < NR_PAGES; i++)
		if (self->page[i].va && self->page[i].va != MAP_FAILED)
			munmap(self->page[i].va, HUGE_SIZE);
	if (self->dev >= 0)
		close(self->dev);
	if (self->iommufd >= 0)
		close(self->iommufd);
}

/* GET_PA of every hugepage, at its start and inside, returns the iova */
TEST_F(dpdk_cdev, get_pa_is_iova)
{
	struct iommu_ioas_noiommu_get_pa pa;

	for (int i = 0; i < NR_PAGES; i++) {
		uint64_t iova = self->page[i].pa;

		ASSERT_EQ(0, get_pa(self->iommufd, self->ioas, iova, HUGE_SIZE, &pa));
		ASSERT_EQ(iova, pa.out_phys);
		ASSERT_EQ(HUGE_SIZE, pa.length);
		ASSERT_EQ(0, get_pa(self->iommufd, self->ioas, iova + 0x1234, 64, &pa));
		ASSERT_EQ(iova + 0x1234, pa.out_phys);
		ASSERT_EQ(64ULL, pa.length);
	}
}

/*
 * Two physically adjacent hugepages are two mappings: GET_PA of the first
 * stops at its end, though the memory goes on, and the second starts at the
 * next iova.
 */
TEST_F(dpdk_cdev, adjacent_hugepages_separate_mappings)
{
	struct iommu_ioas_noiommu_get_pa pa;
	uint64_t iova;

	ASSERT_LE(0, self->adj) {
		TH_LOG("no two of the %d hugepages are physically adjacent: nothing to check; boot a fresh VM or raise NR_PAGES",
		       NR_PAGES);
	}
	iova = self->page[self->adj].pa;
	TH_LOG("hugepages at 0x%llx and 0x%llx, mapped separately",
	       (unsigned long long)iova, (unsigned long long)iova + HUGE_SIZE);
	ASSERT_EQ(0, get_pa(self->iommufd, self->ioas, iova, 2 * HUGE_SIZE, &pa));
	ASSERT_EQ(iova, pa.out_phys);
	ASSERT_EQ(HUGE_SIZE, pa.length);
	ASSERT_EQ(0, get_pa(self->iommufd, self->ioas, iova + HUGE_SIZE - 8, 16, &pa));
	ASSERT_EQ(iova + HUGE_SIZE - 8, pa.out_phys);
	ASSERT_EQ(8ULL, pa.length);
	ASSERT_EQ(0, get_pa(self->iommufd, self->ioas, iova + HUGE_SIZE, HUGE_SIZE, &pa));
	ASSERT_EQ(iova + HUGE_SIZE, pa.out_phys);
	ASSERT_EQ(HUGE_SIZE, pa.length);
}

/* The device copies RAM -> edu -> RAM at iova = pa of two hugepages */
TEST_F(dpdk_cdev, dma_at_iova)
{
	struct hugepage *a = &self->page[0], *b = &self->page[NR_PAGES - 1];

	fill(a->va + 0x3000, XFER_LEN, 0x9e3779b9);
	memset(b->va + 0x5000, 0, XFER_LEN);
	ASSERT_TRUE(edu_dma(self, false, a->pa + 0x3000, XFER_LEN));
	ASSERT_TRUE(edu_dma(self, true, b->pa + 0x5000, XFER_LEN));
	ASSERT_EQ(0, memcmp(a->va + 0x3000, b->va + 0x5000, XFER_LEN));
}

/*
 * DPDK hands the device buffers that cross from one hugepage into the next
 * when they are IOVA-contiguous: one DMA across the two adjacent mappings.
 */
TEST_F(dpdk_cdev, dma_across_adjacent_mappings)
{
	struct hugepage *lo, *hi, *dst;
	uint8_t expect[XFER_LEN];
	uint64_t start;

	ASSERT_LE(0, self->adj) {
		TH_LOG("no two of the %d hugepages are physically adjacent", NR_PAGES);
	}
	lo = &self->page[self->adj];
	hi = &self->page[self->adj + 1];
	dst = &self->page[self->adj ? 0 : NR_PAGES - 1];
	start = lo->pa + HUGE_SIZE - XFER_LEN / 2;
	fill(expect, XFER_LEN, 0x12345678);
	memcpy(lo->va + HUGE_SIZE - XFER_LEN / 2, expect, XFER_LEN / 2);
	memcpy(hi->va, expect + XFER_LEN / 2, XFER_LEN / 2);
	memset(dst->va + 0x7000, 0, XFER_LEN);
	ASSERT_TRUE(edu_dma(self, false, start, XFER_LEN));
	ASSERT_TRUE(edu_dma(self, true, dst->pa + 0x7000, XFER_LEN));
	ASSERT_EQ(0, memcmp(expect, dst->va + 0x7000, XFER_LEN));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BDF\n", argv[0]);
		return KSFT_FAIL;
	}
	bdf = argv[--argc];
	return test_harness_run(argc, argv);
}
