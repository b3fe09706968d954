/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void fx_text_add(struct fx_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->full || t->off >= t->len) {
		t->full = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->off, t->len - t->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->len - t->off)
		t->full = true;
	else
		t->off += (size_t)n;
}

int fx_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
