/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * fexynd --boot: early in boot, before any network interface is up,
 * install the blocked policy when the saved settings (lockdown) or a saved
 * tunnel call for it, and exit. The table it leaves (owner and persist
 * flags: orphaned, still loaded) is adopted by fexynd when it starts.
 */
#include "context.h"

int fx_boot(const struct fx_daemon_config *cfg);
