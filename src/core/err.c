/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int fx_err_set(struct fx_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int fx_err_prefix(struct fx_err *err, int r, const char *fmt, ...)
{
	char prefix[128];
	char old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return r;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t plen = strnlen(prefix, sizeof(prefix)); /* < sizeof(err->msg) */

	memcpy(old, err->msg, sizeof(old));
	memcpy(err->msg, prefix, plen);
	/* Keep as much of the original message as fits after the prefix. */
	memcpy(err->msg + plen, old, sizeof(err->msg) - plen - 1);
	err->msg[sizeof(err->msg) - 1] = '\0';
	return r;
}
