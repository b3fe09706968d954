/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The user's settings, persisted under the state directory as key=value
 * lines (version=1, lockdown=on|off, killswitch=on|off, lan=allow|block),
 * written atomically. A damaged file is an error the daemon blocks on; it
 * is never silently replaced by defaults.
 */
#include "err.h"
#include "policy.h"

#define FX_SETTINGS_FILE "settings"

int fx_settings_parse(const char *text, size_t len, struct fx_settings *s, struct fx_err *err);
int fx_settings_format(const struct fx_settings *s, char *buf, size_t len);

/* 1 loaded, 0 no file (defaults), negative errno with err naming file and line. */
int fx_settings_load(const char *dir, struct fx_settings *s, struct fx_err *err);
int fx_settings_save(const char *dir, const struct fx_settings *s);

/* Applies one "key value" change as the CLI words it (lockdown on, lan block). */
int fx_settings_set(struct fx_settings *s, const char *key, const char *value, struct fx_err *err);
