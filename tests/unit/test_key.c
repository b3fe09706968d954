/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keys: one exact base64 form in, lower-case hex and base64 out, never echoed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "key.h"

/* The bytes 0, 1, ..., 31 in both text forms. */
#define COUNT_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define COUNT_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void counting_key_decodes_and_encodes(void **state)
{
	uint8_t key[FX_KEY_LEN], want[FX_KEY_LEN];
	char hex[FX_KEY_HEX_LEN + 1], b64[FX_KEY_B64_LEN + 1];
	struct fx_err err = { { 0 } };

	(void)state;
	for (int i = 0; i < FX_KEY_LEN; i++)
		want[i] = (uint8_t)i;
	assert_int_equal(fx_key_from_base64(COUNT_B64, key, &err), 0);
	assert_memory_equal(key, want, FX_KEY_LEN);
	fx_key_to_hex(key, hex);
	assert_string_equal(hex, COUNT_HEX);
	fx_key_to_base64(key, b64);
	assert_string_equal(b64, COUNT_B64);
}

/* Every character of the alphabet, in every position, survives the round trip. */
static void base64_round_trips(void **state)
{
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		uint8_t key[FX_KEY_LEN], again[FX_KEY_LEN];
		char b64[FX_KEY_B64_LEN + 1], hex[FX_KEY_HEX_LEN + 1];
		char want_hex[FX_KEY_HEX_LEN + 1];
		struct fx_err err = { { 0 } };

		for (int i = 0; i < FX_KEY_LEN; i++)
			key[i] = (uint8_t)rand_r(&seed);
		if (round == 0)
			memset(key, 0xff, sizeof(key));
		if (round == 1)
			memset(key, 0, sizeof(key));
		fx_key_to_base64(key, b64);
		assert_int_equal(strlen(b64), FX_KEY_B64_LEN);
		assert_int_equal(fx_key_from_base64(b64, again, &err), 0);
		assert_memory_equal(key, again, FX_KEY_LEN);
		fx_key_to_hex(key, hex);
		for (int i = 0; i < FX_KEY_LEN; i++)
			snprintf(want_hex + 2 * i, 3, "%02x", key[i]);
		assert_string_equal(hex, want_hex);
	}
}

static void expect_key_error(const char *text, const char *needle)
{
	uint8_t key[FX_KEY_LEN];
	struct fx_err err = { { 0 } };

	assert_int_equal(fx_key_from_base64(text, key, &err), -EINVAL);
	if (!strstr(err.msg, needle))
		fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, needle);
	/* Not even a piece of the text: the first 8 characters would do harm. */
	if (strlen(text) >= 8) {
		char head[9];

		memcpy(head, text, 8);
		head[8] = '\0';
		if (strstr(err.msg, head))
			fail_msg("message '%s' echoes the key", err.msg);
	}
}

static void wrong_texts_say_what_is_wrong(void **state)
{
	(void)state;
	/* 31 and 33 bytes are also 44 characters long. */
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
			 "a key is 32 bytes (44 base64 characters); this one is 31 bytes");
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
			 "a key is 32 bytes (44 base64 characters); this one is 33 bytes");
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v",
			 "this one is 48 bytes");
	expect_key_error("AAAA", "this one is 3 bytes");
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "not valid base64");
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh*=", "not valid base64");
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd Hh=", "not valid base64");
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=Hh8=", "not valid base64");
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8===", "not valid base64");
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-=", "not valid base64");
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh\xc3\xa9", "not valid base64");
	/* The last character's two spare bits must be zero ('9' has them set). */
	expect_key_error("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", "not valid base64");
	expect_key_error("", "empty key");
}

static void compare_and_zero(void **state)
{
	uint8_t a[FX_KEY_LEN] = { 0 }, b[FX_KEY_LEN] = { 0 };

	(void)state;
	assert_true(fx_key_is_zero(a));
	assert_true(fx_key_equal(a, b));
	for (int i = 0; i < FX_KEY_LEN; i++) {
		b[i] = 0x80;
		assert_false(fx_key_equal(a, b));
		assert_false(fx_key_is_zero(b));
		b[i] = 0;
	}
	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(fx_key_equal(a, b));
	fx_wipe(a, sizeof(a));
	assert_true(fx_key_is_zero(a));
	fx_wipe(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counting_key_decodes_and_encodes),
		cmocka_unit_test(base64_round_trips),
		cmocka_unit_test(wrong_texts_say_what_is_wrong),
		cmocka_unit_test(compare_and_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
