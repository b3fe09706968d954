/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* A reply being built by the daemon: "ok\n" and a body, or one error line. */
#include <stdbool.h>
#include <stddef.h>

struct fx_reply {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory: the reply becomes a generic error */
};

void fx_reply_init(struct fx_reply *r);
void fx_reply_line(struct fx_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fx_reply_text(struct fx_reply *r, const char *text, size_t len);
/* Replaces whatever was built with "error MESSAGE\n" (one line, no newlines inside). */
void fx_reply_error(struct fx_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends the reply on fd (blocking, bounded by a send timeout) and frees it. */
void fx_reply_send(struct fx_reply *r, int fd);
