/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What the libFuzzer harnesses share. Each harness feeds one parser the raw
 * bytes libFuzzer makes up and then checks what a parser promises beyond
 * "does not crash": a value it accepts formats and parses back to itself,
 * and a refusal leaves a message. A broken promise aborts, which libFuzzer
 * reports as a crash and scripts/fuzz.sh keeps as a regression input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                 \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, \
				#cond);                                                  \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* The input as a C string, for parsers that take one (argv words): a copy
 * of exactly size + 1 bytes, so AddressSanitizer sees any read past it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A refusal must say why: a NUL-terminated, non-empty message. */
static inline void fuzz_check_message(const char *msg, size_t cap)
{
	FUZZ_CHECK(memchr(msg, '\0', cap) != NULL);
	FUZZ_CHECK(msg[0] != '\0');
}
