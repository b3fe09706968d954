/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Text built into a fixed buffer, line by line, where running out of room
 * is noticed once at the end instead of after every line.
 */
#include <stdbool.h>
#include <stddef.h>

struct fx_text {
	char *buf;
	size_t len, off;
	bool full; /* something did not fit: the text is incomplete */
};

void fx_text_add(struct fx_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes all of buf to fd (a file or a socket), retrying short writes. */
int fx_write_all(int fd, const char *buf, size_t len);
