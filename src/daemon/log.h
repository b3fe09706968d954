/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Logging to stderr, one line per event, with a level tag. fexynd runs in
 * the foreground under systemd or a test harness, which both capture stderr,
 * so there is no syslog and no log state to configure.
 */
#include <syslog.h>

void fx_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs "<message>: <strerror(-r)>" and returns r, for `return fx_log_errno(r, ...)`. */
int fx_log_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_info(...) fx_log(LOG_INFO, __VA_ARGS__)
#define log_warn(...) fx_log(LOG_WARNING, __VA_ARGS__)
#define log_err(...) fx_log(LOG_ERR, __VA_ARGS__)
