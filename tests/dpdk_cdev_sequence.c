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
#include "noiommu_util.h"
#include "kselftest_harness.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#endif

#define HUGE_SIZE	(2UL << 20)
#define NR_PAGES	16
#define EDU_IDENT_V1	0x010000ed	/* register 0x00 of QEMU's edu */
#define XFER_LEN	4000		/* under the 4 KiB buffer */

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
	struct nu_edu edu;
};

static int cmp_pa(const void *a, const void *b)
{
	const struct hugepage *x = a, *y = b;

	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

/* GET_PA of [iova, iova + len): 0 or -errno; *phys and *out_len */
static int get_pa(FIXTURE_DATA(dpdk_cdev) *self, uint64_t iova, uint64_t len,
		  uint64_t *phys, uint64_t *out_len)
{
	*out_len = len;
	return nu_get_pa(self->iommufd, self->ioas, iova, out_len, phys);
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
		p[i] = (uint8_t)seed;
	}
}

FIXTURE_SETUP(dpdk_cdev)
{
	uint32_t devid;
	int i;

	self->dev = self->iommufd = -1;
	self->adj = -1;
	self->dev = nu_open_cdev(bdf);
	ASSERT_LE(0, self->dev) {
		TH_LOG("%s: no noiommu-vfioN cdev to open (%s; bound to vfio-pci, no-IOMMU mode on?)",
		       bdf, strerror(-self->dev));
	}
	self->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, nu_bind(self->dev, self->iommufd, &devid));
	ASSERT_EQ(0, nu_ioas_alloc(self->iommufd, &self->ioas));

	/* The hugepages, in physical address order, as DPDK's memsegs */
	for (i = 0; i < NR_PAGES; i++) {
		self->page[i].va = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
					MAP_HUGE_2MB | MAP_POPULATE, -1, 0);
		ASSERT_NE(MAP_FAILED, self->page[i].va) {
			TH_LOG("hugepage %d of %d: %s (echo %d > /proc/sys/vm/nr_hugepages)",
			       i + 1, NR_PAGES, strerror(errno), NR_PAGES);
		}
		self->page[i].pa = nu_pagemap_phys(self->page[i].va);
		ASSERT_NE(0ULL, (unsigned long long)self->page[i].pa) TH_LOG("no PFN in pagemap (root?)");
		ASSERT_EQ(0UL, self->page[i].pa % HUGE_SIZE);
	}
	qsort(self->page, NR_PAGES, sizeof(self->page[0]), cmp_pa);
	for (i = 0; i + 1 < NR_PAGES && self->adj < 0; i++)
		if (self->page[i + 1].pa == self->page[i].pa + HUGE_SIZE)
			self->adj = i;

	/* One mapping per hugepage at iova = pa */
	for (i = 0; i < NR_PAGES; i++) {
		int ret = nu_map(self->iommufd, self->ioas, self->page[i].va,
				 HUGE_SIZE, self->page[i].pa);

		ASSERT_EQ(0, ret) {
			TH_LOG("IOMMU_IOAS_MAP FIXED_IOVA iova 0x%llx: %s",
			       (unsigned long long)self->page[i].pa, strerror(-ret));
		}
	}

	ASSERT_EQ(0, nu_attach(self->dev, self->ioas, NULL));
	/* BAR0 mapped, memory decoding and bus mastering on */
	ASSERT_EQ(0, nu_edu_setup(&self->edu, self->dev));
	ASSERT_EQ((uint32_t)EDU_IDENT_V1, *(volatile uint32_t *)self->edu.bar);
}

FIXTURE_TEARDOWN(dpdk_cdev)
{
	nu_edu_teardown(&self->edu);
	if (self->iommufd >= 0)
		nu_unmap(self->iommufd, self->ioas, 0, UINT64_MAX);
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
	uint64_t phys = 0, len = 0;

	for (int i = 0; i < NR_PAGES; i++) {
		uint64_t iova = self->page[i].pa;

		ASSERT_EQ(0, get_pa(self, iova, HUGE_SIZE, &phys, &len));
		ASSERT_EQ(iova, phys);
		ASSERT_EQ(HUGE_SIZE, len);
		ASSERT_EQ(0, get_pa(self, iova + 0x1234, 64, &phys, &len));
		ASSERT_EQ(iova + 0x1234, phys);
		ASSERT_EQ(64ULL, len);
	}
}

/*
 * Two physically adjacent hugepages are two mappings: GET_PA of the first
 * stops at its end, though the memory goes on, and the second starts at the
 * next iova.
 */
TEST_F(dpdk_cdev, adjacent_hugepages_separate_mappings)
{
	uint64_t iova, phys = 0, len = 0;

	ASSERT_LE(0, self->adj) {
		TH_LOG("no two of the %d hugepages are physically adjacent: nothing to check; boot a fresh VM or raise NR_PAGES",
		       NR_PAGES);
	}
	iova = self->page[self->adj].pa;
	TH_LOG("hugepages at 0x%llx and 0x%llx, mapped separately",
	       (unsigned long long)iova, (unsigned long long)iova + HUGE_SIZE);
	ASSERT_EQ(0, get_pa(self, iova, 2 * HUGE_SIZE, &phys, &len));
	ASSERT_EQ(iova, phys);
	ASSERT_EQ(HUGE_SIZE, len);
	ASSERT_EQ(0, get_pa(self, iova + HUGE_SIZE - 8, 16, &phys, &len));
	ASSERT_EQ(iova + HUGE_SIZE - 8, phys);
	ASSERT_EQ(8ULL, len);
	ASSERT_EQ(0, get_pa(self, iova + HUGE_SIZE, HUGE_SIZE, &phys, &len));
	ASSERT_EQ(iova + HUGE_SIZE, phys);
	ASSERT_EQ(HUGE_SIZE, len);
}

/* The device copies RAM -> edu -> RAM at iova = pa of two hugepages */
TEST_F(dpdk_cdev, dma_at_iova)
{
	struct hugepage *a = &self->page[0], *b = &self->page[NR_PAGES - 1];

	fill(a->va + 0x3000, XFER_LEN, 0x9e3779b9);
	memset(b->va + 0x5000, 0, XFER_LEN);
	ASSERT_EQ(0, nu_edu_dma(&self->edu, a->pa + 0x3000, XFER_LEN, false));
	ASSERT_EQ(0, nu_edu_dma(&self->edu, b->pa + 0x5000, XFER_LEN, true));
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
	ASSERT_EQ(0, nu_edu_dma(&self->edu, start, XFER_LEN, false));
	ASSERT_EQ(0, nu_edu_dma(&self->edu, dst->pa + 0x7000, XFER_LEN, true));
	ASSERT_EQ(0, memcmp(expect, dst->va + 0x7000, XFER_LEN));
}

int main(int argc, char **argv)
{
	if (!nu_take_args(&argc, argv, 1, &bdf, "BDF"))
		return KSFT_FAIL;
	return test_harness_run(argc, argv);
}
