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
 * Output is kselftest TAP (kselftest_harness.h), one test a case.
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

#include "test_util.h"
#include "kselftest_harness.h"

#define HUGEPAGES	"/proc/sys/vm/nr_hugepages"

static const char *prog;

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

/*
 * Each case runs PROGRAM and checks its exit status (0, or a failure of its
 * own: 1..125, not 126/127 of exec or -1 of a signal) and that its output
 * has what it must say.
 */
FIXTURE(edu_dma) {
	char out[16384];
};

FIXTURE_SETUP(edu_dma) { }
FIXTURE_TEARDOWN(edu_dma) { }

/* run() whose output is shown as TAP comments. */
static int run_shown(const char *arg1, const char *arg2, bool drop_rawio,
		     char *out, size_t len)
{
	int rc = run(arg1, arg2, drop_rawio, out, len);

	show(out);
	return rc;
}

static const char *bdf;

TEST_F(edu_dma, no_argument_prints_usage)
{
	int rc;

	rc = run_shown(NULL, NULL, false, self->out, sizeof(self->out));
	EXPECT_TRUE(rc > 0 && rc < 126) TH_LOG("exit status %d", rc);
	EXPECT_NE(NULL, strstr(self->out, "usage:"));
}

TEST_F(edu_dma, malformed_address_is_not_a_pci_address)
{
	int rc;

	rc = run_shown("hello", NULL, false, self->out, sizeof(self->out));
	EXPECT_TRUE(rc > 0 && rc < 126) TH_LOG("exit status %d", rc);
	EXPECT_NE(NULL, strstr(self->out, "is not a PCI address"));
}

TEST_F(edu_dma, bogus_address_is_no_such_device)
{
	int rc;

	rc = run_shown("0000:ff:1f.7", NULL, false, self->out, sizeof(self->out));
	EXPECT_TRUE(rc > 0 && rc < 126) TH_LOG("exit status %d", rc);
	EXPECT_NE(NULL, strstr(self->out, "no such PCI device 0000:ff:1f.7"));
}

TEST_F(edu_dma, host_bridge_is_not_an_edu_device)
{
	int rc;

	rc = run_shown("0000:00:00.0", NULL, false, self->out, sizeof(self->out));
	EXPECT_TRUE(rc > 0 && rc < 126) TH_LOG("exit status %d", rc);
	EXPECT_NE(NULL, strstr(self->out, "not QEMU's edu device"));
}

/* The device unbound: says so and how to bind it; then bound again. */
TEST_F(edu_dma, unbound_device_says_how_to_bind)
{
	char path[256];
	int rc;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	ASSERT_TRUE(nu_write_file(path, bdf)) TH_LOG("unbinding %s: %s", bdf, strerror(errno));
	rc = run_shown(bdf, NULL, false, self->out, sizeof(self->out));
	EXPECT_TRUE(rc > 0 && rc < 126) TH_LOG("exit status %d", rc);
	EXPECT_NE(NULL, strstr(self->out, "is not bound to vfio-pci"));
	/* driver_override still says vfio-pci */
	EXPECT_TRUE(nu_write_file("/sys/bus/pci/drivers_probe", bdf))
		TH_LOG("rebinding %s: %s", bdf, strerror(errno));
}

TEST_F(edu_dma, without_cap_sys_rawio_says_why)
{
	int rc;

	rc = run_shown(bdf, NULL, true, self->out, sizeof(self->out));
	EXPECT_TRUE(rc > 0 && rc < 126) TH_LOG("exit status %d", rc);
	EXPECT_NE(NULL, strstr(self->out, "needs CAP_SYS_RAWIO"));
}

/* No hugepages: falls back to 4 KiB pages with a note and works. */
TEST_F(edu_dma, no_hugepages_falls_back_to_4k)
{
	char old[32] = "";
	int rc;

	ASSERT_TRUE(nu_read_line(HUGEPAGES, old, sizeof(old)));
	ASSERT_TRUE(nu_write_file(HUGEPAGES, "0")) TH_LOG("%s: %s", HUGEPAGES, strerror(errno));
	rc = run_shown("--tap", bdf, false, self->out, sizeof(self->out));
	EXPECT_EQ(0, rc);
	EXPECT_NE(NULL, strstr(self->out, "note: no 2 MiB hugepage"));
	EXPECT_TRUE(nu_write_file(HUGEPAGES, old)) TH_LOG("restoring %s", HUGEPAGES);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s PROGRAM BDF [harness options]\n", argv[0]);
		return 2;
	}
	prog = argv[1];
	bdf = argv[2];
	argv[2] = argv[0];
	return test_harness_run(argc - 2, argv + 2);
}
