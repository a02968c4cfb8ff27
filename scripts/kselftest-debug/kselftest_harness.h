/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Found before the kernel's own kselftest_harness.h when scripts/selftests.sh
 * builds tools/testing/selftests/iommu for the debug kernel: the same header,
 * with the default per-test timeout (30 s) multiplied by KSFT_TIMEOUT_SCALE,
 * the debug flavor's suite timeout scale (scripts/vm.sh).
 *
 * Under QEMU TCG a KASAN/lockdep/kmemleak kernel runs several times slower.
 * iommufd_fail_nth's map_domain, map_file_domain and map_two_domains walk
 * every allocation of their path and take longer than 30 s there with nothing
 * wrong; they must not fail on slowness alone. Tests that set their own
 * timeout (TEST_F_TIMEOUT) keep it.
 */
#include_next "kselftest_harness.h"

#ifdef KSFT_TIMEOUT_SCALE
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT (30 * KSFT_TIMEOUT_SCALE)
#endif
