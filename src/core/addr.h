/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Addresses, endpoints, interface names and firewall marks: the small values
 * that arrive from the command line, the control socket and the state file.
 * Each parser accepts exactly one well-formed text or says what is wrong.
 */
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct fx_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

/* A tunnel's remote end: its packets to here are the only ones let out raw. */
struct fx_endpoint {
	struct fx_addr addr;
	uint16_t port;  /* host order */
	uint8_t proto;  /* IPPROTO_UDP or IPPROTO_TCP */
};

struct fx_prefix {
	struct fx_addr addr;
	uint8_t len;
};

/* Longest text form: "[ipv6]:65535/udp". */
#define FX_ENDPOINT_STRLEN (INET6_ADDRSTRLEN + 12)

size_t fx_addr_len(const struct fx_addr *a);
bool fx_addr_equal(const struct fx_addr *a, const struct fx_addr *b);
bool fx_prefix_equal(const struct fx_prefix *a, const struct fx_prefix *b);

int fx_addr_parse(const char *s, struct fx_addr *out, struct fx_err *err);
int fx_endpoint_parse(const char *s, struct fx_endpoint *out, struct fx_err *err);
int fx_ifname_check(const char *s, struct fx_err *err);
int fx_fwmark_parse(const char *s, uint32_t *out, struct fx_err *err);
int fx_prefix_parse(const char *s, struct fx_prefix *out, struct fx_err *err);

/* Formatters never fail for valid input; they always NUL-terminate. */
void fx_addr_format(const struct fx_addr *a, char *buf, size_t len);
void fx_endpoint_format(const struct fx_endpoint *e, char *buf, size_t len);
const char *fx_proto_name(uint8_t proto);
