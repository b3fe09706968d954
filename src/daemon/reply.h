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
/* The bytes to send: the reply, or one error line if building it ran out
 * of memory. They stay the reply's. */
void fx_reply_bytes(const struct fx_reply *r, const char **data, size_t *len);
void fx_reply_free(struct fx_reply *r);
