/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol's request and reply framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

static struct fx_request req;

static int parse(const char *text, struct fx_err *err)
{
	return fx_request_parse(text, strlen(text), &req, err);
}

static void request_splits_verb_and_words(void **state)
{
	struct fx_err err = { 0 };

	(void)state;
	assert_int_equal(parse("guard tunnel=wg0 endpoint=1.2.3.4:5", &err), 0);
	assert_string_equal(req.verb, "guard");
	assert_int_equal(req.n_args, 2);
	assert_string_equal(req.args[0].key, "tunnel");
	assert_string_equal(req.args[0].value, "wg0");
	assert_string_equal(req.args[1].value, "1.2.3.4:5");
	assert_int_equal(parse("status", &err), 0);
	assert_int_equal(req.n_args, 0);
}

static void request_rejects_garbage(void **state)
{
	struct fx_err err = { 0 };
	char big[FX_IPC_MAX_LINE + 10];

	(void)state;
	assert_int_equal(parse("", &err), -EINVAL);
	assert_int_equal(parse("   ", &err), -EINVAL);
	assert_int_equal(parse("guard tunnel", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not key=value"));
	assert_int_equal(parse("guard =x", &err), -EINVAL);
	assert_int_equal(parse("status\x01\x02", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "non-printable"));
	assert_int_equal(parse("st\xc3\xa4tus", &err), -EINVAL);
	memset(big, 'a', sizeof(big));
	assert_int_equal(fx_request_parse(big, sizeof(big), &req, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "longer than"));
}

static void request_bounds_the_word_count(void **state)
{
	struct fx_err err = { 0 };
	char text[FX_IPC_MAX_LINE] = "guard";

	(void)state;
	for (int i = 0; i <= FX_IPC_MAX_ARGS; i++)
		strcat(text, " a=b");
	assert_int_equal(parse(text, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more than"));
}

static void reply_split_reads_ok_and_errors(void **state)
{
	struct fx_err err = { 0 };
	char ok[] = "ok\nstate=connected\n";
	char bad[] = "error guard: endpoint: missing port\n";
	char junk[] = "hello";
	char *body;

	(void)state;
	assert_int_equal(fx_reply_split(ok, &body, &err), 0);
	assert_string_equal(body, "state=connected\n");
	assert_int_equal(fx_reply_split(bad, &body, &err), -EREMOTEIO);
	assert_string_equal(err.msg, "guard: endpoint: missing port");
	assert_int_equal(fx_reply_split(junk, &body, &err), -EPROTO);
}

/* Request-like text: words that are key=value or not, joined by spaces, with
 * now and then a byte from anywhere. */
static size_t random_request(unsigned *seed, char *buf, size_t cap)
{
	static const char *const words[] = { "guard", "status", "tunnel=wg0", "endpoint=1.2.3.4:5",
					     "=x", "dns=", "junk", "a=b=c", "" };
	size_t len = 0;
	int n = 1 + rand_r(seed) % 8;

	for (int i = 0; i < n && len + 32 < cap; i++) {
		const char *w = words[rand_r(seed) % 9];

		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "", w);
	}
	if (len && rand_r(seed) % 4 == 0)
		buf[(size_t)rand_r(seed) % len] = (char)(rand_r(seed) % 256);
	return len;
}

/* Never a crash; what is accepted is clean; both outcomes are exercised. */
static void request_survives_random_input(void **state)
{
	unsigned seed = 11;
	int accepted = 0, refused = 0;
	char text[512];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = random_request(&seed, text, sizeof(text));
		struct fx_err err = { 0 };

		if (fx_request_parse(text, len, &req, &err) < 0) {
			assert_true(err.msg[0] != '\0');
			refused++;
			continue;
		}
		accepted++;
		assert_null(strchr(req.verb, ' '));
		for (size_t a = 0; a < req.n_args; a++) {
			assert_true(req.args[a].key[0] != '\0');
			assert_null(strchr(req.args[a].key, '='));
		}
	}
	assert_true(accepted > 2000);
	assert_true(refused > 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_splits_verb_and_words),
		cmocka_unit_test(request_rejects_garbage),
		cmocka_unit_test(request_bounds_the_word_count),
		cmocka_unit_test(reply_split_reads_ok_and_errors),
		cmocka_unit_test(request_survives_random_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
