/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * WireGuard keys: 32 bytes, written as 44 characters of base64 in config
 * files and as 64 hex digits on the UAPI socket. Keys are secrets: they are
 * compared in constant time, wiped after use, and never echoed in messages.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define FX_KEY_LEN 32
#define FX_KEY_B64_LEN 44
#define FX_KEY_HEX_LEN 64

/* Decodes exactly one key; the message says what is wrong, never the text. */
int fx_key_from_base64(const char *s, uint8_t key[FX_KEY_LEN], struct fx_err *err);
/* out: FX_KEY_HEX_LEN + 1 bytes, lower-case hex as the UAPI protocol wants. */
void fx_key_to_hex(const uint8_t key[FX_KEY_LEN], char *out);
/* out: FX_KEY_B64_LEN + 1 bytes. */
void fx_key_to_base64(const uint8_t key[FX_KEY_LEN], char *out);
bool fx_key_equal(const uint8_t a[FX_KEY_LEN], const uint8_t b[FX_KEY_LEN]); /* constant time */
bool fx_key_is_zero(const uint8_t key[FX_KEY_LEN]);
/* Zeroes memory in a way the compiler cannot drop. */
void fx_wipe(void *p, size_t len);
