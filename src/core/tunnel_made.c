/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "conn_state.h"
#include "link.h"
#include "wg_uapi.h"

int fx_tunnel_made_remove(struct fx_tunnel_made *t)
{
	int r = 0;

	fx_wg_uapi_stop(t->wg_pid, t->ifname);
	t->wg_pid = 0;
	if (t->link_index) {
		r = fx_link_delete_owned(t->ifname, t->link_index, t->link_kind);
	} else if (t->making) { /* fexynd died while making it: found by its name */
		fx_wg_uapi_stop_unrecorded(t->ifname);
		r = fx_link_delete_kind(t->ifname, "wireguard");
	}
	t->making = false;
	t->link_index = 0;
	t->link_kind[0] = '\0';
	return r;
}
