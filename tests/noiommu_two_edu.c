// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two no-IOMMU devices on one IOAS share its no-IOMMU HWPT, and the physical
 * addresses GET_PA gives are good for both: the first edu device copies a
 * pattern into RAM by DMA (RAM -> its buffer -> another page of RAM), the
 * second reads that page by DMA and writes it into a third page. The third
 * page then holds the pattern, which only the first device's DMA put there.
 *
 * Usage: noiommu_two_edu BDF1 BDF2
 *   two edu devices bound to vfio-pci in no-IOMMU mode
 */
#include "noiommu_util.h"

#include "kselftest_harness.h"

#define PAGES	3
#define LEN	(PAGES * NU_PAGE)
#define IOVA	0x20000000UL
#define XFER	4000	/* bytes per DMA, below the 4 KiB device buffer */

static const char *bdfs[2];

FIXTURE(two_edu)
{
	int iommufd, dev[2];
	uint32_t devid[2], ioas, hwpt[2];
	struct nu_edu edu[2];
	uint8_t *buf;
	uint64_t pa[PAGES];
};

FIXTURE_SETUP(two_edu)
{
	unsigned int i;
	uint64_t n;

	memset(self->edu, 0, sizeof(self->edu));
	self->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, nu_ioas_alloc(self->iommufd, &self->ioas));
	for (i = 0; i < 2; i++) {
		self->dev[i] = nu_open_cdev(bdfs[i]);
		ASSERT_LE(0, self->dev[i])
			TH_LOG("%s: cdev: %s", bdfs[i], strerror(-self->dev[i]));
		ASSERT_EQ(0, nu_bind(self->dev[i], self->iommufd,
				     &self->devid[i]));
		ASSERT_EQ(0, nu_attach(self->dev[i], self->ioas,
				       &self->hwpt[i]));
		ASSERT_EQ(0, nu_edu_setup(&self->edu[i], self->dev[i]));
	}
	self->buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0, LEN);
	ASSERT_EQ(0, nu_map(self->iommufd, self->ioas, self->buf, LEN, IOVA));
	for (i = 0; i < PAGES; i++) {
		n = NU_PAGE;
		ASSERT_EQ(0, nu_get_pa(self->iommufd, self->ioas,
				       IOVA + i * NU_PAGE, &n, &self->pa[i]));
	}
}

FIXTURE_TEARDOWN(two_edu)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		nu_edu_teardown(&self->edu[i]);
	nu_unmap(self->iommufd, self->ioas, IOVA, LEN);
	for (i = 0; i < 2; i++)
		close(self->dev[i]);
	close(self->iommufd);
	munmap(self->buf, LEN);
}

TEST_F_TIMEOUT(two_edu, dma_by_one_read_by_the_other, 120)
{
	uint8_t *src = self->buf, *mid = self->buf + NU_PAGE;
	uint8_t *dst = self->buf + 2 * NU_PAGE;
	unsigned int i, seed = (unsigned int)getpid();

	/* One noiommu HWPT for the IOAS, shared by both devices */
	ASSERT_EQ(self->hwpt[0], self->hwpt[1]);

	for (i = 0; i < XFER; i++)
		src[i] = (uint8_t)(i * 13 + seed);
	/* Device 1: src -> its buffer -> mid */
	ASSERT_EQ(0, nu_edu_dma(&self->edu[0], self->pa[0], XFER, false));
	ASSERT_EQ(0, nu_edu_dma(&self->edu[0], self->pa[1], XFER, true));
	ASSERT_EQ(0, memcmp(src, mid, XFER)) TH_LOG("device 1 did not write");
	/* Device 2: mid -> its buffer -> dst */
	ASSERT_EQ(0, nu_edu_dma(&self->edu[1], self->pa[1], XFER, false));
	ASSERT_EQ(0, nu_edu_dma(&self->edu[1], self->pa[2], XFER, true));
	ASSERT_EQ(0, memcmp(src, dst, XFER))
		TH_LOG("device 2 did not read what device 1 wrote");
}

int main(int argc, char **argv)
{
	if (!nu_take_args(&argc, argv, 2, bdfs, "BDF1 BDF2"))
		return KSFT_FAIL;
	return test_harness_run(argc, argv);
}
