// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency stress of the noiommu cdev paths on one iommufd: threads map,
 * unmap (whole areas, and partial ranges that must be refused), GET_PA,
 * IOAS_COPY, while another one attaches, replaces, detaches and destroys
 * HWPTs with the device. Each thread does a fixed number of rounds (the same
 * work on every kernel, whatever its speed). Checked:
 *   - every successful GET_PA agrees with /proc/self/pagemap, page by page;
 *   - every failure has a documented errno for what may race with it
 *     (Documentation/driver-api/vfio.rst, include/uapi/linux/iommufd.h);
 *   - at the end, the outstanding FOLL_PIN pins (nr_foll_pin_acquired -
 *     nr_foll_pin_released after stat_refresh) and the process's VmPin and
 *     VmLck are where they were before.
 * The call counts per operation are printed (TH_LOG).
 *
 * Usage: noiommu_stress BDF [ROUNDS]
 *   BDF     an edu device bound to vfio-pci in no-IOMMU mode
 *   ROUNDS  rounds per thread (default 20000: about 20 s on the plain VM kernel)
 */
#include "noiommu_util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "kselftest_harness.h"

#define MAPPERS		2
#define COPIERS		1
#define WIN_PAGES	32
#define HALF		(WIN_PAGES / 2 * NU_PAGE)
#define WIN_LEN		(WIN_PAGES * NU_PAGE)
#define WIN_IOVA(i)	(0x10000000UL * ((i) + 1))

static const char *bdf;
static unsigned long rounds = 20000;

enum op {
	OP_MAP, OP_UNMAP, OP_UNMAP_PARTIAL, OP_GET_PA, OP_COPY, OP_ATTACH,
	OP_REPLACE, OP_DETACH, OP_HWPT_ALLOC, OP_HWPT_DESTROY, OP_NR,
};

static const char *const op_name[OP_NR] = {
	"map", "unmap", "partial unmap", "GET_PA", "IOAS_COPY", "attach",
	"replace", "detach", "HWPT alloc", "HWPT destroy",
};

struct shared {
	int iommufd, dev;
	uint32_t devid, ioas_a, ioas_b;
	atomic_ulong calls[OP_NR];
	atomic_ulong errs[OP_NR];	/* documented errnos seen */
	atomic_ulong pa_checked;	/* pages compared with pagemap */
	atomic_int bad;			/* set on the first failure */
	char why[256];
};

/* Record a failure once, with its description */
static void fail_once(struct shared *s, const char *fmt, ...)
{
	int zero = 0;
	va_list ap;

	if (!atomic_compare_exchange_strong(&s->bad, &zero, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

/*
 * Count a call of op that returned ret; ok_errno is the errno the races of
 * this test may document (0: none). False when the thread must stop.
 */
static bool account(struct shared *s, enum op op, int ret, int ok_errno,
		    const char *where)
{
	atomic_fetch_add(&s->calls[op], 1);
	if (!ret)
		return !atomic_load(&s->bad);
	if (ok_errno && ret == -ok_errno) {
		atomic_fetch_add(&s->errs[op], 1);
		return !atomic_load(&s->bad);
	}
	fail_once(s, "%s: %s: %s (only %s is documented here)", where,
		  op_name[op], strerror(-ret), ok_errno ? strerror(ok_errno) :
		  "success");
	return false;
}

/* A call that must fail with exactly errno err */
static bool refused(struct shared *s, enum op op, int ret, int err,
		    const char *where)
{
	if (!ret) {
		atomic_fetch_add(&s->calls[op], 1);
		fail_once(s, "%s: %s succeeded, wanted %s", where, op_name[op],
			  strerror(err));
		return false;
	}
	return account(s, op, ret, err, where);
}

/*
 * GET_PA over a mapping, compared with pagemap. The device may be attached
 * elsewhere or detached at the time: EOPNOTSUPP (no no-IOMMU page table
 * holds the mapping). Anything else, or a differing address, fails.
 */
static bool check_pa(struct shared *s, uint32_t ioas, uint64_t iova,
		     const uint8_t *buf, uint64_t len, const char *where)
{
	unsigned long calls = 0;
	uint64_t bad_off = 0;
	int ret;

	ret = nu_check_pa(s->iommufd, ioas, iova, buf, len, &bad_off, &calls);
	atomic_fetch_add(&s->calls[OP_GET_PA], calls);
	if (ret == -EFAULT) {
		fail_once(s, "%s: GET_PA of IOVA 0x%llx differs from pagemap",
			  where, (unsigned long long)(iova + bad_off));
		return false;
	}
	if (!ret)
		atomic_fetch_add(&s->pa_checked, len / NU_PAGE);
	else if (ret == -EOPNOTSUPP)
		atomic_fetch_add(&s->errs[OP_GET_PA], 1);
	else
		fail_once(s, "%s: GET_PA: %s", where, strerror(-ret));
	return !atomic_load(&s->bad);
}

struct worker {
	struct shared *s;
	int idx;
	uint8_t *buf;
};

/*
 * A window of IOAS A as two areas: GET_PA, a partial unmap inside the first
 * area (ENOENT: areas are not split), unmap of the first area (GET_PA there
 * is then ENOENT), GET_PA of the second, unmap of the rest.
 */
static void *mapper(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	uint64_t iova = WIN_IOVA(w->idx), n = NU_PAGE, phys;
	unsigned long r;
	int fd = s->iommufd;
	uint32_t a = s->ioas_a;

	for (r = 0; r < rounds; r++) {
		if (!account(s, OP_MAP, nu_map(fd, a, w->buf, HALF, iova), 0,
			     "mapper") ||
		    !account(s, OP_MAP, nu_map(fd, a, w->buf + HALF, HALF,
					       iova + HALF), 0, "mapper") ||
		    !check_pa(s, a, iova, w->buf, WIN_LEN, "mapper") ||
		    !refused(s, OP_UNMAP_PARTIAL,
			     nu_unmap(fd, a, iova + 4 * NU_PAGE, 4 * NU_PAGE),
			     ENOENT, "mapper: unmap inside an area") ||
		    !check_pa(s, a, iova, w->buf, WIN_LEN, "mapper") ||
		    !account(s, OP_UNMAP, nu_unmap(fd, a, iova, HALF), 0,
			     "mapper"))
			break;
		n = NU_PAGE;
		if (!refused(s, OP_GET_PA, nu_get_pa(fd, a, iova, &n, &phys),
			     ENOENT, "mapper: GET_PA of an unmapped IOVA") ||
		    !check_pa(s, a, iova + HALF, w->buf + HALF, HALF,
			      "mapper") ||
		    !account(s, OP_UNMAP, nu_unmap(fd, a, iova, WIN_LEN), 0,
			     "mapper"))
			break;
	}
	return NULL;
}

/* IOAS_COPY of a window of A into B, GET_PA in B, unmap in B */
static void *copier(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	uint64_t iova = WIN_IOVA(w->idx);
	int fd = s->iommufd;
	unsigned long r;

	if (!account(s, OP_MAP, nu_map(fd, s->ioas_a, w->buf, WIN_LEN, iova),
		     0, "copier"))
		return NULL;
	for (r = 0; r < rounds; r++) {
		if (!account(s, OP_COPY, nu_copy(fd, s->ioas_b, iova, s->ioas_a,
						 iova, WIN_LEN), 0, "copier") ||
		    !check_pa(s, s->ioas_b, iova, w->buf, WIN_LEN, "copier") ||
		    !check_pa(s, s->ioas_a, iova, w->buf, WIN_LEN, "copier") ||
		    !account(s, OP_UNMAP, nu_unmap(fd, s->ioas_b, iova, WIN_LEN),
			     0, "copier"))
			break;
	}
	account(s, OP_UNMAP, nu_unmap(fd, s->ioas_a, iova, WIN_LEN), 0,
		"copier");
	return NULL;
}

/*
 * The device: attach to A, HWPT on B and replace to it, destroy it while in
 * use (EBUSY), replace back to A, destroy it, detach, attach to B (its own
 * HWPT), detach; at the end, attach to A again.
 */
static void *attacher(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	int fd = s->iommufd, dev = s->dev;
	uint32_t hwpt = 0;
	unsigned long r;

	for (r = 0; r < rounds; r++) {
		if (!account(s, OP_ATTACH, nu_attach(dev, s->ioas_a, NULL), 0,
			     "attacher") ||
		    !account(s, OP_HWPT_ALLOC, nu_hwpt_alloc(fd, s->devid,
							      s->ioas_b, &hwpt),
			     0, "attacher") ||
		    !account(s, OP_REPLACE, nu_attach(dev, hwpt, NULL), 0,
			     "attacher") ||
		    !refused(s, OP_HWPT_DESTROY, nu_destroy(fd, hwpt), EBUSY,
			     "attacher: destroy of the HWPT in use") ||
		    !account(s, OP_REPLACE, nu_attach(dev, s->ioas_a, NULL), 0,
			     "attacher") ||
		    !account(s, OP_HWPT_DESTROY, nu_destroy(fd, hwpt), 0,
			     "attacher") ||
		    !account(s, OP_DETACH, nu_detach(dev), 0, "attacher") ||
		    !account(s, OP_ATTACH, nu_attach(dev, s->ioas_b, NULL), 0,
			     "attacher") ||
		    !account(s, OP_DETACH, nu_detach(dev), 0, "attacher"))
			break;
	}
	/*
	 * End attached to A: a mapping of A left behind would then hold pins,
	 * which the accounting check at the end would see.
	 */
	account(s, OP_ATTACH, nu_attach(dev, s->ioas_a, NULL), 0, "attacher");
	return NULL;
}

FIXTURE(stress)
{
	struct shared s;
	uint8_t *mem;
	struct nu_pins before;
};

FIXTURE_SETUP(stress)
{
	int dev;

	memset(&self->s, 0, sizeof(self->s));
	ASSERT_TRUE(nu_pagemap_open());
	self->s.iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->s.iommufd);
	dev = nu_open_cdev(bdf);
	ASSERT_LE(0, dev) TH_LOG("%s: cdev: %s", bdf, strerror(-dev));
	self->s.dev = dev;
	ASSERT_EQ(0, nu_bind(dev, self->s.iommufd, &self->s.devid));
	ASSERT_EQ(0, nu_ioas_alloc(self->s.iommufd, &self->s.ioas_a));
	ASSERT_EQ(0, nu_ioas_alloc(self->s.iommufd, &self->s.ioas_b));
	self->mem = mmap(NULL, (MAPPERS + COPIERS) * WIN_LEN,
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 0x5a, (MAPPERS + COPIERS) * WIN_LEN);
	ASSERT_TRUE(nu_read_pins(&self->before));
}

FIXTURE_TEARDOWN(stress)
{
	close(self->s.dev);
	close(self->s.iommufd);
	munmap(self->mem, (MAPPERS + COPIERS) * WIN_LEN);
}

TEST_F_TIMEOUT(stress, all_paths_concurrently, 600)
{
	struct worker w[MAPPERS + COPIERS + 1];
	pthread_t t[MAPPERS + COPIERS + 1];
	struct shared *s = &self->s;
	struct nu_pins after;
	int i, n = 0;

	for (i = 0; i < MAPPERS + COPIERS + 1; i++) {
		void *(*fn)(void *) = i < MAPPERS ? mapper :
				      i < MAPPERS + COPIERS ? copier : attacher;

		w[i] = (struct worker){ .s = s, .idx = i,
					.buf = self->mem + i * WIN_LEN };
		ASSERT_EQ(0, pthread_create(&t[n], NULL, fn, &w[i]));
		n++;
	}
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(0, atomic_load(&s->bad)) TH_LOG("%s", s->why);

	for (i = 0; i < OP_NR; i++)
		TH_LOG("%-14s %8lu calls, %6lu documented errno", op_name[i],
		       atomic_load(&s->calls[i]), atomic_load(&s->errs[i]));
	TH_LOG("pages checked against pagemap: %lu",
	       atomic_load(&s->pa_checked));
	/* Each thread ran every round: the work does not depend on speed */
	ASSERT_EQ(rounds * 2 * MAPPERS + COPIERS, atomic_load(&s->calls[OP_MAP]));
	ASSERT_EQ(rounds * MAPPERS, atomic_load(&s->errs[OP_UNMAP_PARTIAL]));
	ASSERT_EQ(rounds * 2, atomic_load(&s->calls[OP_REPLACE]));
	ASSERT_EQ(rounds, atomic_load(&s->errs[OP_HWPT_DESTROY]));
	/* The GET_PAs that raced with the attacher succeeded in part */
	ASSERT_LT(0UL, atomic_load(&s->pa_checked));

	ASSERT_TRUE(nu_read_pins(&after));
	EXPECT_EQ(self->before.foll_pins, after.foll_pins);
	EXPECT_EQ(self->before.vm_pin_kb, after.vm_pin_kb);
	EXPECT_EQ(self->before.vm_lck_kb, after.vm_lck_kb);
}

int main(int argc, char **argv)
{
	if (argc >= 3) {
		rounds = strtoul(argv[--argc], NULL, 0);
		if (!rounds) {
			fprintf(stderr, "noiommu_stress: bad ROUNDS\n");
			return KSFT_FAIL;
		}
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s BDF [ROUNDS]\n", argv[0]);
		return KSFT_FAIL;
	}
	bdf = argv[--argc];
	return test_harness_run(argc, argv);
}
