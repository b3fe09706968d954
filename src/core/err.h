/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * A parse error carries a human message that names what was wrong; the
 * function returning it also returns -EINVAL (or another negative errno),
 * so callers can both branch on the code and show the text.
 */
#include <stdarg.h>
#include <stddef.h>

struct fx_err {
	char msg[512];
};

/* Formats the message into err (if non-NULL) and returns -EINVAL. */
int fx_err_set(struct fx_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes an existing message: "endpoint: " + "missing port". */
int fx_err_prefix(struct fx_err *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
