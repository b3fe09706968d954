/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Makes the firewall match what the state machine wants (daemon_apply.c). */
#include <stdbool.h>

#include "context.h"

/* Moves to the state the inputs call for and makes the firewall match. With
 * force, re-applies even when the state is unchanged (tampering, new guard). */
int fx_daemon_enforce(struct fx_daemon *d, bool force);
/* Reads the guarded link and its addresses into the machine. */
int fx_daemon_refresh_link(struct fx_daemon *d);
