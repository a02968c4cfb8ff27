// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why a no-IOMMU driver must pin its DMA memory with IOMMU_IOAS_MAP and not
 * just mlock() it: mlock() keeps pages resident but not in place, so the
 * kernel may migrate them to other physical addresses under a device that
 * still uses the old ones. Pages pinned by IOMMU_IOAS_MAP (FOLL_LONGTERM)
 * are not migrated. Shown with the two migrations userspace can trigger:
 *   - madvise(MADV_SOFT_OFFLINE), page by page: every mlock()ed page moves
 *     (its pagemap PFN changes); every pinned page stays (soft offline
 *     fails with EBUSY) and GET_PA still agrees with pagemap;
 *   - a full compaction (/proc/sys/vm/compact_memory): the pinned pages
 *     stay and GET_PA agrees with pagemap.
 *
 * Usage: noiommu_pinning BDF
 *   BDF  an edu device bound to vfio-pci in no-IOMMU mode
 * Needs CONFIG_MEMORY_FAILURE and CONFIG_COMPACTION; runs as root.
 */
#include "noiommu_util.h"

#include "kselftest_harness.h"

#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif

#define PAGES	16
#define LEN	(PAGES * NU_PAGE)
#define IOVA	0x40000000UL

static const char *bdf;

FIXTURE(pinning)
{
	int iommufd, dev;
	uint32_t devid, ioas;
	uint8_t *locked;	/* mlock()ed only */
	uint8_t *pinned;	/* IOMMU_IOAS_MAP */
	uint64_t locked_pa[PAGES], pinned_pa[PAGES];
};

static uint8_t *alloc_buf(void)
{
	uint8_t *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	unsigned int i;

	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < LEN; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	return p;
}

/* Physical addresses of the pages of buf; false if one is not present */
static bool record(const uint8_t *buf, uint64_t *pa)
{
	unsigned int i;

	for (i = 0; i < PAGES; i++) {
		pa[i] = nu_pagemap_phys(buf + i * NU_PAGE);
		if (!pa[i])
			return false;
	}
	return true;
}

static bool contents_intact(const uint8_t *buf)
{
	unsigned int i;

	for (i = 0; i < LEN; i++)
		if (buf[i] != (uint8_t)(i * 7 + 3))
			return false;
	return true;
}

FIXTURE_SETUP(pinning)
{
	int dev;

	ASSERT_TRUE(nu_pagemap_open());
	self->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->iommufd);
	dev = nu_open_cdev(bdf);
	ASSERT_LE(0, dev) TH_LOG("%s: cdev: %s", bdf, strerror(-dev));
	self->dev = dev;
	ASSERT_EQ(0, nu_bind(dev, self->iommufd, &self->devid));
	ASSERT_EQ(0, nu_ioas_alloc(self->iommufd, &self->ioas));
	ASSERT_EQ(0, nu_attach(dev, self->ioas, NULL));

	self->locked = alloc_buf();
	self->pinned = alloc_buf();
	ASSERT_NE(NULL, self->locked);
	ASSERT_NE(NULL, self->pinned);
	ASSERT_EQ(0, mlock(self->locked, LEN));
	ASSERT_EQ(0, nu_map(self->iommufd, self->ioas, self->pinned, LEN,
			    IOVA));
	ASSERT_TRUE(record(self->locked, self->locked_pa));
	ASSERT_TRUE(record(self->pinned, self->pinned_pa));
	ASSERT_EQ(0, nu_check_pa(self->iommufd, self->ioas, IOVA,
				 self->pinned, LEN, NULL, NULL));
}

FIXTURE_TEARDOWN(pinning)
{
	nu_unmap(self->iommufd, self->ioas, IOVA, LEN);
	munmap(self->locked, LEN);
	munmap(self->pinned, LEN);
	close(self->dev);
	close(self->iommufd);
}

/* The pinned pages are where they were, and GET_PA says so */
static void assert_pinned_in_place(struct __test_metadata *_metadata,
				   FIXTURE_DATA(pinning) *self)
{
	uint64_t now[PAGES], bad = 0;
	unsigned int i;

	ASSERT_TRUE(record(self->pinned, now));
	for (i = 0; i < PAGES; i++) {
		EXPECT_EQ(self->pinned_pa[i], now[i])
			TH_LOG("pinned page %u moved", i);
	}
	ASSERT_EQ(0, nu_check_pa(self->iommufd, self->ioas, IOVA,
				 self->pinned, LEN, &bad, NULL))
		TH_LOG("GET_PA differs from pagemap at offset 0x%llx",
		       (unsigned long long)bad);
	ASSERT_TRUE(contents_intact(self->pinned));
}

TEST_F_TIMEOUT(pinning, soft_offline_moves_mlocked_not_pinned, 300)
{
	uint64_t now[PAGES];
	unsigned int i, moved = 0;
	int ret;

	for (i = 0; i < PAGES; i++) {
		ret = madvise(self->locked + i * NU_PAGE, NU_PAGE,
			      MADV_SOFT_OFFLINE);
		ASSERT_EQ(0, ret) TH_LOG("soft offline of mlocked page %u: %s",
					 i, strerror(errno));
	}
	ASSERT_TRUE(record(self->locked, now));
	for (i = 0; i < PAGES; i++) {
		EXPECT_NE(self->locked_pa[i], now[i])
			TH_LOG("mlocked page %u did not move", i);
		moved += self->locked_pa[i] != now[i];
	}
	ASSERT_TRUE(contents_intact(self->locked));
	TH_LOG("soft offline: %u of %d mlock()ed pages moved", moved, PAGES);

	for (i = 0; i < PAGES; i++) {
		ret = madvise(self->pinned + i * NU_PAGE, NU_PAGE,
			      MADV_SOFT_OFFLINE);
		ASSERT_EQ(-1, ret) TH_LOG("soft offline of pinned page %u worked",
					  i);
		ASSERT_EQ(EBUSY, errno);
	}
	assert_pinned_in_place(_metadata, self);
}

TEST_F_TIMEOUT(pinning, compaction_leaves_pinned_in_place, 300)
{
	uint64_t now[PAGES];
	unsigned int i, moved = 0;

	ASSERT_TRUE(nu_write_file("/proc/sys/vm/compact_memory", "1"));
	ASSERT_TRUE(record(self->locked, now));
	for (i = 0; i < PAGES; i++)
		moved += self->locked_pa[i] != now[i];
	/* Whether compaction picks them depends on where they are */
	TH_LOG("compaction: %u of %d mlock()ed pages moved", moved, PAGES);
	ASSERT_TRUE(contents_intact(self->locked));
	assert_pinned_in_place(_metadata, self);
}

int main(int argc, char **argv)
{
	if (!nu_take_args(&argc, argv, 1, &bdf, "BDF"))
		return KSFT_FAIL;
	return test_harness_run(argc, argv);
}
