// SPDX-License-Identifier: GPL-2.0-only
/*
 * noiommu_bench - cost of IOMMU_IOAS_NOIOMMU_GET_PA and of the software page
 * table behind a noiommu device cdev, measured in one run inside the VM.
 *
 * Usage: noiommu_bench [-q] [BDF]
 *   BDF  a noiommu device bound to vfio-pci (default: the first one found)
 *   -q   quick: fewer repetitions (for a smoke run in make check)
 *
 * Every figure is the median of several rounds; the spread printed next to
 * it is (max - min) / median over the rounds. The targets are ratios of
 * figures measured in the same run, so they do not depend on how fast the
 * machine (or QEMU's TCG) is.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SZ_4K (4096ULL)
#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)
#define ROUNDS 11

static int quick;
static int iommufd;

static void die(const char *what)
{
	fprintf(stderr, "noiommu_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct figure {
	double median;
	double spread; /* (max - min) / median */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Run fn(arg) `calls` times per round, ROUNDS rounds: ns per call */
static struct figure measure(double (*fn)(void *arg), void *arg)
{
	double v[ROUNDS];
	struct figure f;
	int i;

	fn(arg); /* warm up */
	for (i = 0; i < ROUNDS; i++)
		v[i] = fn(arg);
	qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
	f.median = v[ROUNDS / 2];
	f.spread = f.median ? (v[ROUNDS - 1] - v[0]) / f.median : 0;
	return f;
}

/*
 * Interleave two operations round by round and return the median of the
 * per-round ratios b/a: a change of machine load between rounds affects both
 * sides of each ratio alike.
 */
static double paired_ratio(double (*fa)(void *), void *a, double (*fb)(void *),
			   void *b)
{
	double r[ROUNDS];
	int i;

	fa(a);
	fb(b);
	for (i = 0; i < ROUNDS; i++) {
		double x = fa(a);

		r[i] = fb(b) / x;
	}
	qsort(r, ROUNDS, sizeof(r[0]), cmp_double);
	return r[ROUNDS / 2];
}

static int get_pa(uint32_t ioas, uint64_t iova, uint64_t len, uint32_t flags,
		  uint64_t *phys, uint64_t *out_len)
{
	struct iommu_ioas_noiommu_get_pa cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int rc = ioctl(iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &cmd);

	if (!rc) {
		*phys = cmd.out_phys;
		*out_len = cmd.length;
	}
	return rc;
}

static uint32_t ioas_alloc(int huge_pages)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_option opt = {
		.size = sizeof(opt),
		.option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_SET,
		.val64 = huge_pages,
	};

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	opt.object_id = alloc.out_ioas_id;
	if (ioctl(iommufd, IOMMU_OPTION, &opt))
		die("IOMMU_OPTION(HUGE_PAGES)");
	return alloc.out_ioas_id;
}

static void ioas_map(uint32_t ioas, void *buf, uint64_t len, uint64_t iova)
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

	if (ioctl(iommufd, IOMMU_IOAS_MAP, &map))
		die("IOMMU_IOAS_MAP");
}

static void ioas_unmap(uint32_t ioas, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap))
		die("IOMMU_IOAS_UNMAP");
}

/* Pages of IOMMU page tables, with the per-CPU counter deltas folded in */
static long iommu_pages(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/sys/vm/stat_refresh", "w");

	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	f = fopen("/proc/vmstat", "r");

	if (!f)
		die("/proc/vmstat");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nr_iommu_pages %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void *alloc_buf(uint64_t len, int huge)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB : 0),
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (!huge)
		madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, 0xa5, len);
	return p;
}

/* --- the measured operations ------------------------------------------- */

struct gp_arg {
	uint32_t ioas;
	uint64_t iova;
	uint64_t len;
	uint32_t flags;
	int calls;
	long extents; /* out: extents per walk */
};

/* One GET_PA call for the whole [iova, iova + len), repeated */
static double op_get_pa(void *p)
{
	struct gp_arg *a = p;
	uint64_t phys, out, t0 = now_ns();
	int i;

	for (i = 0; i < a->calls; i++) {
		int rc = get_pa(a->ioas, a->iova, a->len, a->flags, &phys, &out);

		if (a->flags ? !(rc && errno == EOPNOTSUPP) : rc != 0)
			die("GET_PA");
		if (!a->flags && out != a->len) {
			errno = EIO;
			die("GET_PA did not cover the range in one call");
		}
	}
	return (double)(now_ns() - t0) / a->calls;
}

/* Walk [iova, iova + len) extent by extent: ns per call */
static double op_walk(void *p)
{
	struct gp_arg *a = p;
	uint64_t done = 0, phys, out, t0 = now_ns();
	long calls = 0;

	while (done < a->len) {
		if (get_pa(a->ioas, a->iova + done, a->len - done, 0, &phys,
			   &out))
			die("GET_PA walk");
		done += out;
		calls++;
	}
	a->extents = calls;
	return (double)(now_ns() - t0) / calls;
}

/* Page by page, as a caller of a 4 KiB-at-a-time interface would */
static double op_walk_pages(void *p)
{
	struct gp_arg *a = p;
	uint64_t off, phys, out, t0 = now_ns();

	for (off = 0; off < a->len; off += SZ_4K)
		if (get_pa(a->ioas, a->iova + off, SZ_4K, 0, &phys, &out))
			die("GET_PA page");
	return (double)(now_ns() - t0);
}

struct pm_arg {
	int fd;
	void *buf;
	uint64_t len;
	uint64_t *ents;
};

/* Translate the buffer through /proc/self/pagemap: ns per buffer */
static double op_pagemap(void *p)
{
	struct pm_arg *a = p;
	uint64_t n = a->len / SZ_4K, t0 = now_ns();
	off_t off = (uintptr_t)a->buf / SZ_4K * 8;

	if (pread(a->fd, a->ents, n * 8, off) != (ssize_t)(n * 8))
		die("pread /proc/self/pagemap");
	return (double)(now_ns() - t0);
}

struct map_arg {
	uint32_t ioas;
	void *buf;
	uint64_t len;
	double unmap_ns[ROUNDS + 1];
	int n;
	struct figure unmap;
};

/* IOAS_MAP then IOAS_UNMAP of the buffer: ns for the map */
static double op_map(void *p)
{
	struct map_arg *a = p;
	uint64_t t0 = now_ns(), t1;

	ioas_map(a->ioas, a->buf, a->len, 0);
	t1 = now_ns();
	ioas_unmap(a->ioas, 0, a->len);
	a->unmap_ns[a->n++ % (ROUNDS + 1)] = now_ns() - t1;
	if (a->n == ROUNDS + 1) {
		/* The first call was the warm-up */
		double *v = a->unmap_ns + 1;

		qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
		a->unmap.median = v[ROUNDS / 2];
		a->unmap.spread = (v[ROUNDS - 1] - v[0]) / a->unmap.median;
	}
	return t1 - t0;
}

/* --- device setup -------------------------------------------------------- */

static int open_cdev(const char *bdf)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		die(dir);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "noiommu-vfio", 12))
			break;
	if (!e) {
		errno = ENODEV;
		die("no noiommu-vfio cdev for the device");
	}
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", e->d_name);
	closedir(d);
	return open(path, O_RDWR);
}

static const char *first_noiommu_bdf(void)
{
	static char bdf[NAME_MAX + 1];
	char path[512];
	struct dirent *e;
	DIR *d = opendir("/sys/bus/pci/drivers/vfio-pci");

	if (!d)
		die("/sys/bus/pci/drivers/vfio-pci");
	while ((e = readdir(d))) {
		if (!strchr(e->d_name, ':'))
			continue;
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/vfio-dev", e->d_name);
		if (!access(path, F_OK)) {
			snprintf(bdf, sizeof(bdf), "%s", e->d_name);
			closedir(d);
			return bdf;
		}
	}
	errno = ENODEV;
	die("no device bound to vfio-pci");
	return NULL;
}

/* A HWPT of its own keeps the IOAS's software table alive, attached or not */
static void hwpt_alloc(uint32_t dev_id, uint32_t ioas)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.pt_id = ioas,
	};

	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd))
		die("IOMMU_HWPT_ALLOC");
}

/* --- report -------------------------------------------------------------- */

static void row(const char *what, struct figure f, const char *unit,
		double scale)
{
	printf("  %-52s %12.1f %-7s +-%4.0f%%\n", what, f.median / scale, unit,
	       f.spread * 50);
}

/* MiB/s for len bytes in f.median ns; the spread carries over */
static void throughput(const char *what, uint64_t len, struct figure f)
{
	struct figure t = {
		.median = (double)len / (1 << 20) / (f.median / 1e9),
		.spread = f.spread,
	};

	row(what, t, "MiB/s", 1);
}

static int target(const char *what, double value, double limit,
		  const char *fmt)
{
	int met = value <= limit;

	printf("  %-52s ", what);
	printf(fmt, value, limit);
	printf("  %s\n", met ? "met" : "NOT MET");
	return met;
}

int main(int argc, char **argv)
{
	struct figure floor_f, pa4k, pa2m, walk4k, walk2m, pages2m, pm4k, pm2m,
		pm1g, pm64m, map4k, map2m;
	struct gp_arg a4k, a2m, w4k, w2m, floor_a;
	struct map_arg m4k, m2m;
	struct pm_arg pm;
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	uint64_t walk_len_4k = SZ_1G, huge_len = 64ULL << 20;
	double r4k_floor, r2m_4k;
	const char *bdf = NULL;
	uint32_t ioas4k, ioas2m;
	long before, pt4k, pt2m;
	int devfd, i, met = 0, all = 0, calls;
	char *b4k, *b2m;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q"))
			quick = 1;
		else
			bdf = argv[i];
	}
	if (quick)
		walk_len_4k = 64ULL << 20;
	calls = quick ? 2000 : 20000;
	if (!bdf)
		bdf = first_noiommu_bdf();

	devfd = open_cdev(bdf);
	if (devfd < 0)
		die("open noiommu cdev");
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die("open /dev/iommu");
	bind.iommufd = iommufd;
	if (ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD");

	/* 4 KiB leaves: an IOAS that never combines pages */
	ioas4k = ioas_alloc(0);
	hwpt_alloc(bind.out_devid, ioas4k);
	b4k = alloc_buf(walk_len_4k, 0);
	if (!b4k)
		die("allocating the 4 KiB page buffer");
	before = iommu_pages();
	ioas_map(ioas4k, b4k, walk_len_4k, 0);
	pt4k = iommu_pages() - before;

	/* 2 MiB leaves: hugepages, in a second IOAS with its own table */
	b2m = alloc_buf(huge_len, 1);
	if (!b2m) {
		fprintf(stderr,
			"noiommu_bench: cannot get %llu MiB of 2 MiB hugepages (boot with hugepagesz=2M hugepages=64)\n",
			(unsigned long long)(huge_len >> 20));
		return 1;
	}
	ioas2m = ioas_alloc(1);
	hwpt_alloc(bind.out_devid, ioas2m);
	before = iommu_pages();
	ioas_map(ioas2m, b2m, huge_len, 0);
	pt2m = iommu_pages() - before;

	floor_a = (struct gp_arg){ .ioas = ioas4k, .len = SZ_4K, .flags = 1,
				   .calls = calls };
	a4k = (struct gp_arg){ .ioas = ioas4k, .len = SZ_4K, .calls = calls };
	a2m = (struct gp_arg){ .ioas = ioas2m, .len = SZ_2M, .calls = calls };
	w4k = (struct gp_arg){ .ioas = ioas4k, .len = walk_len_4k };
	w2m = (struct gp_arg){ .ioas = ioas2m, .len = huge_len };
	floor_f = measure(op_get_pa, &floor_a);
	pa4k = measure(op_get_pa, &a4k);
	pa2m = measure(op_get_pa, &a2m);
	r4k_floor = paired_ratio(op_get_pa, &floor_a, op_get_pa, &a4k);
	r2m_4k = paired_ratio(op_get_pa, &a4k, op_get_pa, &a2m);
	walk4k = measure(op_walk, &w4k);
	walk2m = measure(op_walk, &w2m);
	w2m.len = SZ_2M;
	pages2m = measure(op_walk_pages, &w2m);
	w2m.len = huge_len;
	op_walk(&w2m);

	pm = (struct pm_arg){ .fd = open("/proc/self/pagemap", O_RDONLY),
			      .buf = b4k, .len = SZ_4K,
			      .ents = malloc(walk_len_4k / SZ_4K * 8) };
	if (pm.fd < 0 || !pm.ents)
		die("/proc/self/pagemap");
	pm4k = measure(op_pagemap, &pm);
	pm.len = walk_len_4k;
	pm1g = measure(op_pagemap, &pm);
	pm.buf = b2m;
	pm.len = SZ_2M;
	pm2m = measure(op_pagemap, &pm);
	pm.len = huge_len;
	pm64m = measure(op_pagemap, &pm);

	/* Map/unmap throughput; each IOAS keeps its table through its HWPT */
	ioas_unmap(ioas2m, 0, huge_len);
	m2m = (struct map_arg){ .ioas = ioas2m, .buf = b2m, .len = huge_len };
	map2m = measure(op_map, &m2m);
	ioas_unmap(ioas4k, 0, walk_len_4k);
	m4k = (struct map_arg){ .ioas = ioas4k, .buf = b4k,
				.len = quick ? 16 << 20 : 256 << 20 };
	map4k = measure(op_map, &m4k);

	printf("noiommu GET_PA benchmark (%s run, %d rounds each: median, +- half the spread)\n",
	       quick ? "quick" : "full", ROUNDS);
	printf("\nper call\n");
	row("syscall floor (GET_PA refused for flags != 0)", floor_f, "ns", 1);
	row("GET_PA, one 4 KiB page", pa4k, "ns", 1);
	row("GET_PA, one whole 2 MiB hugepage in one call", pa2m, "ns", 1);
	row("  the same 2 MiB asked 4 KiB at a time (512 calls)", pages2m,
	    "us", 1000);
	printf("\nwalking extent by extent\n");
	printf("  %-52s %12ld\n", quick ? "64 MiB of 4 KiB pages: extents" :
	       "1 GiB of 4 KiB pages: extents", w4k.extents);
	row("  per GET_PA call", walk4k, "ns", 1);
	printf("  %-52s %12.1f ms\n", "  whole walk",
	       walk4k.median * w4k.extents / 1e6);
	printf("  %-52s %12ld\n", "64 MiB of 2 MiB hugepages: extents",
	       w2m.extents);
	row("  per GET_PA call", walk2m, "ns", 1);
	printf("  %-52s %12.1f us\n", "  whole walk",
	       walk2m.median * w2m.extents / 1e3);
	printf("\n/proc/self/pagemap for the same buffers\n");
	row("one 4 KiB page", pm4k, "ns", 1);
	row("one 2 MiB hugepage (512 entries)", pm2m, "ns", 1);
	row(quick ? "64 MiB of 4 KiB pages" : "1 GiB of 4 KiB pages", pm1g,
	    "ms", 1e6);
	row("64 MiB of 2 MiB hugepages", pm64m, "us", 1e3);
	printf("\nIOAS_MAP / IOAS_UNMAP into the noiommu HWPT\n");
	throughput("IOAS_MAP, 4 KiB pages", m4k.len, map4k);
	throughput("IOAS_UNMAP, 4 KiB pages", m4k.len, m4k.unmap);
	throughput("IOAS_MAP, 2 MiB hugepages", huge_len, map2m);
	throughput("IOAS_UNMAP, 2 MiB hugepages", huge_len, m2m.unmap);
	printf("\nsoftware page table memory per GiB mapped\n");
	printf("  %-52s %12.1f KiB (%.3f%%)\n", "4 KiB pages",
	       pt4k * 4.0 * ((double)SZ_1G / walk_len_4k),
	       100.0 * pt4k * 4096 / walk_len_4k);
	printf("  %-52s %12.1f KiB (%.4f%%, measured on 64 MiB)\n",
	       "2 MiB hugepages", pt2m * 4.0 * ((double)SZ_1G / huge_len),
	       100.0 * pt2m * 4096 / huge_len);

	printf("\ntargets (ratios measured in this run, rounds interleaved)\n");
	all++;
	met += target("one 2 MiB hugepage <= 2x one 4 KiB page", r2m_4k, 2,
		      "%6.2fx (<= %.0fx)");
	all++;
	met += target("one 4 KiB page <= 3x the syscall floor", r4k_floor, 3,
		      "%6.2fx (<= %.0fx)");
	all++;
	met += target("page-table memory <= 0.3% of mapped, 4 KiB pages",
		      100.0 * pt4k * 4096 / walk_len_4k, 0.3,
		      "%6.3f%% (<= %.1f%%)");
	printf("\n%d of %d targets met\n", met, all);
	return met == all ? 0 : 2;
}
