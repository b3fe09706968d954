/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn_state.h"
#include "log.h"
#include "nft.h"
#include "settings.h"
#include "state.h"

/* Whether a tunnel was guarded or connected when the machine went down. */
static bool saved_tunnel(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, FX_STATE_FILE);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/%s", dir, FX_CONN_FILE);
	return access(path, F_OK) == 0;
}

int fx_boot(const struct fx_daemon_config *cfg)
{
	struct fx_settings settings;
	struct fx_policy_input in = { .state = FX_STATE_BLOCKED };
	struct fx_ruleset *rs = NULL;
	struct fx_nft *nft = NULL;
	struct fx_err err = { 0 };
	int r = fx_settings_load(cfg->state_dir, &settings, &err);

	/* Unreadable settings block too: we cannot know lockdown was off. */
	if (r < 0)
		log_err("%s; blocking", err.msg);
	else if (!settings.lockdown && !saved_tunnel(cfg->state_dir))
		return log_info("lockdown is off and no tunnel was up: nothing to block"), 0;
	in.settings = settings;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	r = fx_policy_compile(&in, rs);
	if (r == 0)
		r = fx_nft_open(&nft, cfg->protection);
	if (r == 0)
		r = fx_nft_apply(nft, rs, &err);
	if (r < 0)
		log_err("cannot install the blocked policy: %s", err.msg[0] ? err.msg : strerror(-r));
	else
		log_info("blocked until fexynd takes over (lockdown %s, LAN %s)",
			 settings.lockdown ? "on" : "off", settings.allow_lan ? "allowed" : "blocked");
	/* Closing the owner socket orphans the table; persist keeps it. */
	fx_nft_close(nft);
	free(rs);
	return r;
}
