/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stand-ins of fake_kernel.h: the kernel, nft(8), the tunnel and the log. */
#include "fake_kernel.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "daemon_apply.h"
#include "tunnel.h"
#include "log.h"
#include "nft.h"
#include "nft_show.h"
#include "rtnl.h"

struct fake_kernel fake;

void fake_kernel_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}

/* --- nft.c --------------------------------------------------------------- */

int fx_nft_apply(struct fx_nft *nft, const struct fx_ruleset *rs, struct fx_err *err)
{
	(void)nft;
	(void)err;
	fake.applied = *rs;
	fake.applies++;
	return 0;
}

int fx_nft_table_info(struct fx_nft *nft, struct fx_table_info *info)
{
	(void)nft;
	memset(info, 0, sizeof(*info));
	info->present = info->owned_by_us = fake.applied.present;
	return 0;
}

bool fx_nft_filters_arp(const struct fx_nft *nft)
{
	(void)nft;
	return true;
}

enum fx_protection fx_nft_protection(const struct fx_nft *nft)
{
	(void)nft;
	return FX_PROTECTION_OWNER_PERSIST;
}

const char *fx_protection_name(enum fx_protection p)
{
	return p == FX_PROTECTION_OWNER_PERSIST ? "owner+persist" : "?";
}

uint32_t fx_nft_portid(const struct fx_nft *nft)
{
	(void)nft;
	return 1;
}

/* --- nft_show.c: the contract, on every path ------------------------------ */

int fx_nft_show(const char *nft_path, int timeout_ms, char **text, size_t *len)
{
	static const char head[] = "table inet fexyn {\n", tail[] = "\n}\n";
	char *buf;
	size_t n;

	(void)nft_path;
	(void)timeout_ms;
	*text = NULL;
	*len = 0;
	if (!fake.applied.present)
		return -ENOENT;
	n = sizeof(head) - 1 + fake.show_size + sizeof(tail) - 1;
	buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, '#', fake.show_size);
	memcpy(buf + sizeof(head) - 1 + fake.show_size, tail, sizeof(tail)); /* and the NUL */
	*len = n;
	*text = buf;
	return 0;
}

/* --- rtnl.c -------------------------------------------------------------- */

int fx_rtnl_get_link(const char *name, struct fx_link *out)
{
	memset(out, 0, sizeof(*out));
	if (!fake.link_up)
		return 0;
	out->present = out->up = true;
	out->ifindex = 7;
	snprintf(out->name, sizeof(out->name), "%s", name);
	return 0;
}

/* A link that is up holds an address of its own, as a pushed OpenVPN one. */
int fx_rtnl_get_addrs(struct fx_link *link)
{
	link->n_addrs = 0;
	if (link->present && fx_prefix_parse("10.8.0.6/24", &link->addrs[0], NULL) == 0)
		link->n_addrs = 1;
	return 0;
}

/* --- tunnel.c: connect as far as the daemon's state goes ------------------ */

void fx_conn_init(struct fx_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->probe_fd = c->timer_fd = -1;
}

/* As the real one: configs first (here: failing on demand, with nothing
 * changed), then the guard of the tunnel and the firewall for it. */
int fx_conn_start(struct fx_daemon *d, const struct fx_conn_saved *want,
		  const struct fx_conn_texts *texts, struct fx_err *err)
{
	struct fx_guard g = { 0 };

	(void)texts;
	if (fake.connect_fails)
		return fx_err_set(err, "%s: cannot read the config (fake)", want->paths[0]), -ENOENT;
	if (fx_guard_set(&g, "tunnel", want->ifname, err) < 0 ||
	    fx_guard_set(&g, "endpoint", "192.0.2.1:51820", err) < 0 ||
	    fx_guard_set(&g, "fwmark", "51820", err) < 0 || fx_guard_check(&g, err) < 0)
		return -EINVAL;
	d->conn.saved = *want;
	d->conn.active = true;
	d->conn.attempts = 0;
	fx_machine_unguard(&d->m);
	fx_machine_guard(&d->m, &g, true);
	fx_daemon_refresh_link(d);
	fx_daemon_enforce(d, true);
	return 0;
}

void fx_conn_stop(struct fx_daemon *d)
{
	d->conn.active = false;
	d->conn.last_error[0] = '\0';
}

/* --- log.c: formatted (so the sanitizers see every format), not printed --- */

void fx_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
}

int fx_log_errno(int r, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return r;
}
