// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cases examples/edu_dma must handle besides the happy path: bad input
 * gets one clear line and a nonzero exit status, and a machine without
 * hugepages falls back to 4 KiB pages with a note and still works.
 *
 * Usage: edu_dma_cases PROGRAM BDF
 *   PROGRAM  the edu_dma binary (/demo/edu_dma in the guest)
 *   BDF      an edu device bound to vfio-pci. It is unbound and rebound
 *            during the test, and vm.nr_hugepages is set to 0 and restored.
 * Output is kselftest TAP, one line a case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kselftest.h"

#define NR_CASES	7
#define HUGEPAGES	"/proc/sys/vm/nr_hugepages"

static const char *prog;

static bool write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(val, f) >= 0;
	return fclose(f) == 0 && ok;
}

static bool read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok;
}

/*
 * Run PROGRAM with up to two arguments (NULL: fewer), optionally without
 * CAP_SYS_RAWIO; its stdout and stderr go to out. Returns the exit status,
 * or -1 if it could not be run or died of a signal.
 */
static int run(const char *arg1, const char *arg2, bool drop_rawio,
	       char *out, size_t len)
{
	int pipefd[2], status;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		/* Root keeps only the capabilities of the bounding set across exec. */
		if (drop_rawio && prctl(PR_CAPBSET_DROP, CAP_SYS_RAWIO, 0, 0, 0)) {
			printf("PR_CAPBSET_DROP: %s\n", strerror(errno));
			_exit(126);
		}
		execl(prog, prog, arg1, arg2, (char *)NULL);
		printf("exec %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while (used + 1 < len && (n = read(pipefd[0], out + used, len - 1 - used)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Print the program's output as TAP comments. */
static void show(const char *out)
{
	const char *p = out, *nl;

	while (*p) {
		nl = strchrnul(p, '\n');
		ksft_print_msg("  %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

/* One case: run, then check the exit status and that `want` was printed. */
static void expect(const char *name, const char *arg1, const char *arg2,
		   bool drop_rawio, bool want_success, const char *want)
{
	char out[16384];
	int rc = run(arg1, arg2, drop_rawio, out, sizeof(out));
	bool rc_ok = want_success ? rc == 0 : rc > 0 && rc < 126;
	bool text_ok = strstr(out, want) != NULL;

	show(out);
	if (!rc_ok)
		ksft_print_msg("exit status %d, expected %s\n", rc,
			       want_success ? "0" : "nonzero");
	if (!text_ok)
		ksft_print_msg("expected the output to contain \"%s\"\n", want);
	ksft_test_result(rc_ok && text_ok, "%s\n", name);
}

static void case_unbound(const char *bdf)
{
	const char *name = "device not bound to vfio-pci: says so and how to bind it";
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	if (!write_file(path, bdf)) {
		ksft_print_msg("unbinding %s: %s\n", bdf, strerror(errno));
		ksft_test_result_fail("%s\n", name);
		return;
	}
	expect(name, bdf, NULL, false, false, "is not bound to vfio-pci");
	/* driver_override still says vfio-pci */
	if (!write_file("/sys/bus/pci/drivers_probe", bdf))
		ksft_print_msg("rebinding %s: %s\n", bdf, strerror(errno));
}

static void case_no_hugepages(const char *bdf)
{
	const char *name = "no hugepages: falls back to 4 KiB pages with a note and works";
	char old[32] = "";

	if (!read_file(HUGEPAGES, old, sizeof(old)) || !write_file(HUGEPAGES, "0")) {
		ksft_print_msg("%s: %s\n", HUGEPAGES, strerror(errno));
		ksft_test_result_fail("%s\n", name);
		return;
	}
	expect(name, "--tap", bdf, false, true, "note: no 2 MiB hugepage");
	if (!write_file(HUGEPAGES, old))
		ksft_print_msg("restoring %s: %s\n", HUGEPAGES, strerror(errno));
}

int main(int argc, char **argv)
{
	const char *bdf;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PROGRAM BDF\n", argv[0]);
		return 2;
	}
	prog = argv[1];
	bdf = argv[2];

	ksft_print_header();
	ksft_set_plan(NR_CASES);
	expect("no argument: prints the usage", NULL, NULL, false, false, "usage:");
	expect("malformed address: says it is not a PCI address", "hello", NULL,
	       false, false, "is not a PCI address");
	expect("bogus address: no such PCI device", "0000:ff:1f.7", NULL,
	       false, false, "no such PCI device 0000:ff:1f.7");
	expect("another device (the host bridge): not an edu device", "0000:00:00.0",
	       NULL, false, false, "not QEMU's edu device");
	case_unbound(bdf);
	expect("without CAP_SYS_RAWIO: open fails with EPERM and says why", bdf, NULL,
	       true, false, "needs CAP_SYS_RAWIO");
	case_no_hugepages(bdf);
	ksft_finished();
}
