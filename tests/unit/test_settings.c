/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The settings file and the resolver file fexynd writes: parsed, formatted,
 * and every damaged form refused with the line that is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns.h"
#include "settings.h"

static int parse(const char *text, struct fx_settings *s, struct fx_err *err)
{
	return fx_settings_parse(text, strlen(text), s, err);
}

static void defaults_and_round_trip(void **state)
{
	struct fx_settings s, back;
	struct fx_err err = { 0 };
	char text[512];

	(void)state;
	assert_int_equal(parse("version=1\n", &s, &err), 0);
	assert_false(s.lockdown);
	assert_true(s.killswitch);
	assert_true(s.allow_lan);
	s.lockdown = true;
	s.allow_lan = false;
	assert_int_equal(fx_settings_format(&s, text, sizeof(text)), 0);
	assert_non_null(strstr(text, "lockdown=on\n"));
	assert_non_null(strstr(text, "lan=block\n"));
	assert_int_equal(parse(text, &back, &err), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	assert_int_equal(fx_settings_format(&s, text, 10), -ENOSPC);
}

static void damaged_files_name_the_line(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "version=1\nlockd", "line 2: expected key=value" },
		{ "version=1\nlockdown=maybe\n", "line 2: lockdown: 'maybe' is neither on nor off" },
		{ "version=1\n\nlan=open\n", "line 3: lan: 'open' is neither allow nor block" },
		{ "version=1\ncolour=blue\n", "line 2: unknown setting 'colour'" },
		{ "lockdown=on\n", "missing version line" },
		{ "version=2\n", "line 1: version: unsupported '2'" },
		{ "version=1\nlockdown=on\nkillswitch=off\n", "lockdown=on needs killswitch=on" },
	};
	struct fx_settings s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx_err err = { 0 };

		assert_int_equal(parse(cases[i].text, &s, &err), -EINVAL);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, cases[i].want);
	}
	assert_int_equal(fx_settings_parse("version=1\n\0", 11, &s, NULL), -EINVAL);
}

static void the_cli_words_change_one_setting(void **state)
{
	struct fx_settings s;
	struct fx_err err = { 0 };

	(void)state;
	fx_settings_default(&s);
	assert_int_equal(fx_settings_set(&s, "lan", "block", &err), 0);
	assert_false(s.allow_lan);
	assert_int_equal(fx_settings_set(&s, "killswitch", "off", &err), 0);
	assert_false(s.killswitch);
	assert_int_equal(fx_settings_set(&s, "lockdown", "yes", &err), -EINVAL);
	assert_string_equal(err.msg, "lockdown: 'yes' is neither on nor off");
}

static void the_resolver_file_lists_the_tunnel_servers(void **state)
{
	struct fx_wg_config cfg;
	char text[1024];

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(fx_addr_parse("10.64.0.1", &cfg.dns[0], NULL), 0);
	assert_int_equal(fx_addr_parse("fd00::1", &cfg.dns[1], NULL), 0);
	cfg.n_dns = 2;
	strcpy(cfg.search[0], "corp.example");
	cfg.n_search = 1;
	assert_int_equal(fx_dns_format(&cfg, text, sizeof(text)), 0);
	assert_non_null(strstr(text, "\nnameserver 10.64.0.1\nnameserver fd00::1\nsearch corp.example\n"));
	assert_int_equal(fx_dns_format(&cfg, text, 40), -ENOSPC);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* The replaced resolver file keeps the original's mode, whatever fexynd's
 * umask, while the tunnel is up and after it is put back. */
static void the_resolver_file_keeps_its_mode(void **state)
{
	char dir[] = "/tmp/fexyn-test-dns.XXXXXX", conf[256], saved[256], text[256];
	struct fx_wg_config cfg;
	mode_t old = umask(077);
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/resolv.conf", dir);
	snprintf(saved, sizeof(saved), "%s/state", dir);
	f = fopen(conf, "we");
	assert_non_null(f);
	fputs("nameserver 192.168.77.1\n", f);
	fclose(f);
	assert_int_equal(chmod(conf, 0604), 0);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(fx_addr_parse("10.64.0.1", &cfg.dns[0], NULL), 0);
	cfg.n_dns = 1;
	assert_int_equal(fx_dns_apply(conf, saved, &cfg), 0);
	assert_int_equal(mode_of(conf), 0604);
	slurp(conf, text, sizeof(text));
	assert_non_null(strstr(text, "nameserver 10.64.0.1"));
	assert_int_equal(fx_dns_restore(saved), 0);
	assert_int_equal(mode_of(conf), 0604);
	slurp(conf, text, sizeof(text));
	assert_string_equal(text, "nameserver 192.168.77.1\n");
	umask(old);
	unlink(conf);
	rmdir(saved);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_and_round_trip),
		cmocka_unit_test(damaged_files_name_the_line),
		cmocka_unit_test(the_cli_words_change_one_setting),
		cmocka_unit_test(the_resolver_file_lists_the_tunnel_servers),
		cmocka_unit_test(the_resolver_file_keeps_its_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
