/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

void fx_reply_init(struct fx_reply *r)
{
	memset(r, 0, sizeof(*r));
	fx_reply_text(r, "ok\n", 3);
}

void fx_reply_text(struct fx_reply *r, const char *text, size_t len)
{
	if (r->failed)
		return;
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 1024;
		char *bigger;

		while (cap < r->len + len + 1)
			cap *= 2;
		if (cap > FX_IPC_MAX_REPLY || !(bigger = realloc(r->buf, cap))) {
			r->failed = true;
			return;
		}
		r->buf = bigger;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, text, len);
	r->len += len;
	r->buf[r->len] = '\0';
}

void fx_reply_line(struct fx_reply *r, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	fx_reply_text(r, line, (size_t)n);
}

void fx_reply_error(struct fx_reply *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	r->len = 0;
	r->failed = false;
	fx_reply_text(r, "error ", 6);
	fx_reply_text(r, line, strlen(line));
	fx_reply_text(r, "\n", 1);
}

void fx_reply_bytes(const struct fx_reply *r, const char **data, size_t *len)
{
	static const char oom[] = "error out of memory\n";

	*data = r->failed ? oom : r->buf;
	*len = r->failed ? sizeof(oom) - 1 : r->len;
}

void fx_reply_free(struct fx_reply *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
