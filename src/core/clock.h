/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The monotonic clock in milliseconds, for deadlines and timeouts: it does
 * not jump when the wall clock is set. */
#include <stdint.h>
#include <time.h>

static inline uint64_t fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
