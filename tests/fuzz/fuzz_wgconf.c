/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wg-quick config files: they come from a VPN provider's web page and are
 * parsed by a root daemon. Beyond not crashing, the parser promises that a
 * refused file leaves nothing behind (the output is wiped), that no message
 * quotes a key, and that whatever it accepts can be sent to WireGuard: the
 * UAPI text and the kernel's netlink message both fit the buffers fexynd
 * gives them.
 */
#include <ctype.h>
#include <errno.h>
#include <linux/genetlink.h>

#include "fuzz.h"
#include "wg_kernel.h"
#include "wg_uapi.h"
#include "wgconf.h"

/* The buffers fexynd uses: WG_NL_BUF in wg_kernel.c, and the request size
 * fx_wg_uapi_configure allocates. */
#define KERNEL_BUF (4 * 8192)
#define UAPI_CAP(n_peers) (4096 + (n_peers) * (512 + FX_WG_MAX_ALLOWED * 64))

/*
 * Key text is base64 that mixes upper and lower case. The longest key name
 * a message may echo is far shorter than a key (PersistentKeepalive: 19), so
 * a longer mixed-case run in a message is (part of) a key.
 */
#define KEYLIKE_RUN 25

static bool quotes_key(const char *msg)
{
	size_t run = 0;
	bool upper = false, lower = false;

	for (const char *s = msg; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!isalnum(c) && c != '+' && c != '/') {
			run = 0;
			upper = lower = false;
			continue;
		}
		upper |= isupper(c) != 0;
		lower |= islower(c) != 0;
		if (++run >= KEYLIKE_RUN && upper && lower)
			return true;
	}
	return false;
}

/* Every byte, padding too, since the wipe is there for the keys' sake.
 * memcmp, not a loop: a byte loop is instrumented for coverage, compare by
 * compare, and would cut the fuzzer's speed by four. */
static bool wiped(const struct fx_wg_config *cfg)
{
	static const struct fx_wg_config zero;

	/* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c) */
	return memcmp(cfg, &zero, sizeof(zero)) == 0;
}

static void check_prefix(const struct fx_prefix *p)
{
	FUZZ_CHECK(p->addr.family == AF_INET || p->addr.family == AF_INET6);
	FUZZ_CHECK(p->len <= fx_addr_len(&p->addr) * 8);
}

static void check_peer(struct fx_wg_peer *peer)
{
	FUZZ_CHECK(peer->n_allowed_ips <= FX_WG_MAX_ALLOWED);
	for (size_t i = 0; i < peer->n_allowed_ips; i++)
		check_prefix(&peer->allowed_ips[i]);
	if (!peer->has_endpoint)
		return;
	FUZZ_CHECK(memchr(peer->endpoint_host, '\0', sizeof(peer->endpoint_host)) != NULL);
	FUZZ_CHECK(peer->endpoint_host[0] != '\0');
	FUZZ_CHECK(peer->endpoint_port != 0);
	if (peer->endpoint_resolved) {
		FUZZ_CHECK(peer->endpoint.port == peer->endpoint_port);
		return;
	}
	/* As the daemon's resolver does before the first firewall transaction. */
	peer->endpoint = (struct fx_endpoint){ .addr = { .family = AF_INET },
					       .port = peer->endpoint_port, .proto = IPPROTO_UDP };
	peer->endpoint_resolved = true;
}

static void check_accepted(struct fx_wg_config *cfg)
{
	static char buf[UAPI_CAP(FX_WG_MAX_PEERS) + KERNEL_BUF];
	size_t cap = UAPI_CAP(cfg->n_peers);
	int n;

	FUZZ_CHECK(cfg->n_peers >= 1 && cfg->n_peers <= FX_WG_MAX_PEERS);
	FUZZ_CHECK(cfg->n_addresses <= FX_WG_MAX_ADDRS && cfg->n_dns <= FX_WG_MAX_DNS);
	FUZZ_CHECK(cfg->n_search <= FX_WG_MAX_SEARCH);
	for (size_t i = 0; i < cfg->n_addresses; i++)
		check_prefix(&cfg->addresses[i]);
	for (size_t i = 0; i < cfg->n_search; i++)
		FUZZ_CHECK(memchr(cfg->search[i], '\0', FX_WG_HOST_MAX) != NULL);
	for (size_t i = 0; i < cfg->n_peers; i++)
		check_peer(&cfg->peers[i]);

	n = fx_wg_uapi_format_set(buf, cap, cfg, 51820);
	FUZZ_CHECK(n > 0);
	/* One empty line ends a UAPI request: none may come before the end. */
	FUZZ_CHECK(strstr(buf, "\n\n") == buf + n - 2);
	n = fx_wg_kernel_build_set(buf, KERNEL_BUF, GENL_MIN_ID, 1, "wg0", cfg, 51820);
	FUZZ_CHECK(n > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_wg_config *cfg = malloc(sizeof(*cfg));
	struct fx_err err = { { 0 } };
	int r;

	FUZZ_CHECK(cfg != NULL);
	memset(cfg, 0xa5, sizeof(*cfg)); /* whatever the caller's memory held */
	r = fx_wgconf_parse("fuzz.conf", (const char *)data, size, cfg, &err);
	if (r == 0) {
		check_accepted(cfg);
	} else {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
		fuzz_check_message(err.msg, sizeof(err.msg));
		FUZZ_CHECK(!quotes_key(err.msg));
		FUZZ_CHECK(wiped(cfg));
	}
	free(cfg);
	return 0;
}
