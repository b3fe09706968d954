/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *level_name(int level)
{
	switch (level) {
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_DEBUG:
		return "debug";
	default:
		return "info";
	}
}

static void vlog(int level, const char *suffix, const char *fmt, va_list ap)
{
	char line[1024];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "fexynd[%lld.%03ld] %s: %s%s\n", (long long)ts.tv_sec,
		ts.tv_nsec / 1000000, level_name(level), line, suffix);
}

void fx_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, "", fmt, ap);
	va_end(ap);
}

int fx_log_errno(int r, const char *fmt, ...)
{
	char suffix[160];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(r < 0 ? -r : r));
	va_start(ap, fmt);
	vlog(LOG_ERR, suffix, fmt, ap);
	va_end(ap);
	return r;
}
