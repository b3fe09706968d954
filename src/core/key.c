/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "key.h"

#include <string.h>

/*
 * The conversions below work without branches or table lookups on the key's
 * bytes, so their timing and cache footprint say nothing about the key (the
 * same care wireguard-tools' encoding.c takes). Range tests are built from
 * sign bits: for small ints, ((lo - 1 - c) & (c - (hi + 1))) >> 8 is -1
 * exactly when lo <= c <= hi, else 0.
 */
static int in_range_mask(int c, int lo, int hi)
{
	return (((lo - 1) - c) & (c - (hi + 1))) >> 8;
}

/* 0..63 for a base64 character, -1 for anything else (including '='). */
static int b64_value(unsigned char ch)
{
	int c = ch;
	int v = -1;

	v += in_range_mask(c, 'A', 'Z') & (c - 'A' + 1);
	v += in_range_mask(c, 'a', 'z') & (c - 'a' + 27);
	v += in_range_mask(c, '0', '9') & (c - '0' + 53);
	v += in_range_mask(c, '+', '+') & 63;
	v += in_range_mask(c, '/', '/') & 64;
	return v;
}

static char b64_char(unsigned v)
{
	int c = (int)v + 'A';

	c += ((25 - (int)v) >> 8) & 6;    /* 26..51: 'a'.. */
	c -= ((51 - (int)v) >> 8) & 75;   /* 52..61: '0'.. */
	c -= ((61 - (int)v) >> 8) & 15;   /* 62: '+' */
	c += ((62 - (int)v) >> 8) & 3;    /* 63: '/' */
	return (char)c;
}

static char hex_char(unsigned v)
{
	return (char)(87 + (int)v + (((int)v - 10) >> 8 & ~38));
}

/*
 * The shape of the text (its length, its padding) is not secret: check it
 * first, so that a key of the wrong size gets a message with its size.
 */
static int b64_check_shape(const char *s, size_t n, size_t *bytes, struct fx_err *err)
{
	size_t pad = 0;
	int bad = 0;

	if (n == 0)
		return fx_err_set(err, "empty key");
	if (n % 4 != 0)
		return fx_err_set(err, "not valid base64");
	while (pad < 2 && s[n - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++)
		bad |= b64_value((unsigned char)s[i]);
	if (bad < 0)
		return fx_err_set(err, "not valid base64");
	*bytes = n / 4 * 3 - pad;
	return 0;
}

int fx_key_from_base64(const char *s, uint8_t key[FX_KEY_LEN], struct fx_err *err)
{
	size_t bytes = 0;
	int r;

	r = b64_check_shape(s, strlen(s), &bytes, err);
	if (r < 0)
		return r;
	if (bytes != FX_KEY_LEN)
		return fx_err_set(err, "a key is %d bytes (%d base64 characters); this one is %zu bytes",
				  FX_KEY_LEN, FX_KEY_B64_LEN, bytes);
	/* 10 groups of 4 characters make 30 bytes; "XYZ=" makes the last 2. */
	for (unsigned i = 0; i < 10; i++) {
		const unsigned char *g = (const unsigned char *)s + 4 * i;
		int v = b64_value(g[0]) << 18 | b64_value(g[1]) << 12 |
			b64_value(g[2]) << 6 | b64_value(g[3]);

		key[3 * i] = (uint8_t)(v >> 16);
		key[3 * i + 1] = (uint8_t)(v >> 8);
		key[3 * i + 2] = (uint8_t)v;
	}
	const unsigned char *g = (const unsigned char *)s + 40;
	int v = b64_value(g[0]) << 18 | b64_value(g[1]) << 12 | b64_value(g[2]) << 6;

	key[30] = (uint8_t)(v >> 16);
	key[31] = (uint8_t)(v >> 8);
	/* The last character carries 2 bits too many; they must be zero, or
	 * several texts would name the same key. */
	if (v & 0xff) {
		fx_wipe(key, FX_KEY_LEN);
		return fx_err_set(err, "not valid base64");
	}
	return 0;
}

void fx_key_to_hex(const uint8_t key[FX_KEY_LEN], char *out)
{
	for (size_t i = 0; i < FX_KEY_LEN; i++) {
		out[2 * i] = hex_char(key[i] >> 4);
		out[2 * i + 1] = hex_char(key[i] & 0xf);
	}
	out[FX_KEY_HEX_LEN] = '\0';
}

static void b64_group(const uint8_t *in, char *out)
{
	out[0] = b64_char(in[0] >> 2);
	out[1] = b64_char((unsigned)((in[0] << 4) | (in[1] >> 4)) & 63);
	out[2] = b64_char((unsigned)((in[1] << 2) | (in[2] >> 6)) & 63);
	out[3] = b64_char(in[2] & 63);
}

void fx_key_to_base64(const uint8_t key[FX_KEY_LEN], char *out)
{
	uint8_t tail[3] = { key[30], key[31], 0 };

	for (size_t i = 0; i < 10; i++)
		b64_group(key + 3 * i, out + 4 * i);
	b64_group(tail, out + 40);
	out[43] = '=';
	out[FX_KEY_B64_LEN] = '\0';
	fx_wipe(tail, sizeof(tail));
}

bool fx_key_equal(const uint8_t a[FX_KEY_LEN], const uint8_t b[FX_KEY_LEN])
{
	volatile uint8_t diff = 0;

	for (size_t i = 0; i < FX_KEY_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

bool fx_key_is_zero(const uint8_t key[FX_KEY_LEN])
{
	volatile uint8_t acc = 0;

	for (size_t i = 0; i < FX_KEY_LEN; i++)
		acc |= key[i];
	return acc == 0;
}

void fx_wipe(void *p, size_t len)
{
	if (p)
		explicit_bzero(p, len);
}
