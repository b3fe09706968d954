/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "settings.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTINGS_VERSION "1"
#define SETTINGS_MAX_SIZE 4096

static int parse_switch(const char *v, const char *on, const char *off, bool *out, struct fx_err *err)
{
	if (strcmp(v, on) == 0)
		*out = true;
	else if (strcmp(v, off) == 0)
		*out = false;
	else
		return fx_err_set(err, "'%.16s' is neither %s nor %s", v, on, off);
	return 0;
}

int fx_settings_set(struct fx_settings *s, const char *key, const char *value, struct fx_err *err)
{
	int r;

	if (strcmp(key, "lockdown") == 0)
		r = parse_switch(value, "on", "off", &s->lockdown, err);
	else if (strcmp(key, "killswitch") == 0)
		r = parse_switch(value, "on", "off", &s->killswitch, err);
	else if (strcmp(key, "lan") == 0)
		r = parse_switch(value, "allow", "block", &s->allow_lan, err);
	else
		return fx_err_set(err, "unknown setting '%.32s'", key);
	if (r < 0)
		return fx_err_prefix(err, r, "%s: ", key);
	return 0;
}

static int settings_kv(const char *key, const char *value, void *ctx, struct fx_err *err)
{
	return fx_settings_set(ctx, key, value, err);
}

int fx_settings_parse(const char *text, size_t len, struct fx_settings *s, struct fx_err *err)
{
	int r;

	fx_settings_default(s);
	r = fx_kv_parse(text, len, SETTINGS_VERSION, "fexyn settings file", settings_kv, s, err);
	if (r == 0 && s->lockdown && !s->killswitch)
		r = fx_err_set(err, "lockdown=on needs killswitch=on");
	return r;
}

int fx_settings_format(const struct fx_settings *s, char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 "# fexynd settings; change them with fexyn lockdown|killswitch|lan.\n"
			 "version=" SETTINGS_VERSION "\nlockdown=%s\nkillswitch=%s\nlan=%s\n",
			 s->lockdown ? "on" : "off", s->killswitch ? "on" : "off",
			 s->allow_lan ? "allow" : "block");

	return (n < 0 || (size_t)n >= len) ? -ENOSPC : 0;
}

int fx_settings_load(const char *dir, struct fx_settings *s, struct fx_err *err)
{
	char path[4096], buf[SETTINGS_MAX_SIZE];
	size_t len = 0;
	int r;

	fx_settings_default(s);
	snprintf(path, sizeof(path), "%s/%s", dir, FX_SETTINGS_FILE);
	r = fx_file_read(path, buf, sizeof(buf), &len);
	if (r == -ENOENT)
		return 0;
	if (r == -EFBIG)
		return fx_err_set(err, "%s: larger than %zu bytes", path, sizeof(buf) - 1), r;
	if (r < 0)
		return fx_err_set(err, "%s: %s", path, strerror(-r)), r;
	r = fx_settings_parse(buf, len, s, err);
	if (r < 0) {
		fx_settings_default(s);
		return fx_err_prefix(err, r, "%s: ", path);
	}
	return 1;
}

int fx_settings_save(const char *dir, const struct fx_settings *s)
{
	char text[512];
	int r = fx_settings_format(s, text, sizeof(text));

	return r < 0 ? r : fx_file_save(dir, FX_SETTINGS_FILE, text);
}
