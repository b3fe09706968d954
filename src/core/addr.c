/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t fx_addr_len(const struct fx_addr *a)
{
	return a->family == AF_INET6 ? 16 : 4;
}

bool fx_addr_equal(const struct fx_addr *a, const struct fx_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, fx_addr_len(a)) == 0;
}

bool fx_prefix_equal(const struct fx_prefix *a, const struct fx_prefix *b)
{
	return a->len == b->len && fx_addr_equal(&a->addr, &b->addr);
}

int fx_addr_parse(const char *s, struct fx_addr *out, struct fx_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return fx_err_set(err, "empty address");
	if (strlen(s) >= INET6_ADDRSTRLEN)
		return fx_err_set(err, "address too long");
	if (inet_pton(AF_INET, s, &out->v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return fx_err_set(err, "'%s' is not an IPv4 or IPv6 address", s);
}

static int parse_port(const char *s, uint16_t *out, struct fx_err *err)
{
	unsigned long v = 0;

	if (!*s)
		return fx_err_set(err, "missing port");
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return fx_err_set(err, "port '%s' is not a number", s);
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			break;
	}
	if (v < 1 || v > 65535)
		return fx_err_set(err, "port '%s' is out of range 1-65535", s);
	*out = (uint16_t)v;
	return 0;
}

static int parse_proto(const char *s, uint8_t *out, struct fx_err *err)
{
	if (!s || strcmp(s, "udp") == 0) {
		*out = IPPROTO_UDP;
		return 0;
	}
	if (strcmp(s, "tcp") == 0) {
		*out = IPPROTO_TCP;
		return 0;
	}
	return fx_err_set(err, "unknown protocol '%s' (use udp or tcp)", s);
}

/* Splits "host:port" or "[v6]:port" in place; *port is NULL when absent. */
static int split_host_port(char *text, char **host, char **port, struct fx_err *err)
{
	char *colon;

	/* Set on every path, errors too: static analysers cannot see that
	 * fx_err_set always returns a negative errno. */
	*host = text;
	*port = NULL;
	if (text[0] == '[') {
		char *close = strchr(text, ']');

		if (!close)
			return fx_err_set(err, "missing ']' after IPv6 address");
		*close = '\0';
		*host = text + 1;
		if (close[1] == '\0') {
			*port = NULL;
			return 0;
		}
		if (close[1] != ':')
			return fx_err_set(err, "expected ':' after ']'");
		*port = close + 2;
		return 0;
	}
	colon = strrchr(text, ':');
	if (colon && strchr(text, ':') != colon)
		return fx_err_set(err, "IPv6 endpoints are written [address]:port");
	if (colon) {
		*colon = '\0';
		*port = colon + 1;
	}
	return 0;
}

int fx_endpoint_parse(const char *s, struct fx_endpoint *out, struct fx_err *err)
{
	char text[FX_ENDPOINT_STRLEN + 1];
	char *host, *port, *proto;
	int r;

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return fx_err_set(err, "empty endpoint");
	if (strlen(s) >= sizeof(text))
		return fx_err_set(err, "endpoint too long");
	strcpy(text, s);
	proto = strchr(text, '/');
	if (proto)
		*proto++ = '\0';
	r = split_host_port(text, &host, &port, err);
	if (r < 0)
		return r;
	if (!port)
		return fx_err_set(err, "'%s': missing port (write ADDRESS:PORT)", s);
	r = fx_addr_parse(host, &out->addr, err);
	if (r < 0)
		return r;
	if (out->addr.family == AF_INET6 && text[0] != '[')
		return fx_err_set(err, "IPv6 endpoints are written [address]:port");
	if (out->addr.family == AF_INET && text[0] == '[')
		return fx_err_set(err, "'%s': brackets are for IPv6 addresses", s);
	r = parse_port(port, &out->port, err);
	if (r < 0)
		return r;
	return parse_proto(proto, &out->proto, err);
}

int fx_ifname_check(const char *s, struct fx_err *err)
{
	size_t n;

	if (!s || !*s)
		return fx_err_set(err, "empty interface name");
	n = strlen(s);
	if (n >= IFNAMSIZ)
		return fx_err_set(err, "interface name is %zu characters long; the kernel allows at most %d",
				  n, IFNAMSIZ - 1);
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return fx_err_set(err, "'%s' is not a valid interface name", s);
	for (const char *p = s; *p; p++) {
		if (!isgraph((unsigned char)*p) || *p == '/' || *p == ':')
			return fx_err_set(err, "interface name contains an invalid character");
	}
	return 0;
}

int fx_fwmark_parse(const char *s, uint32_t *out, struct fx_err *err)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return fx_err_set(err, "fwmark must be a number such as 51820 or 0xca6c");
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return fx_err_set(err, "fwmark '%s' is not a number", s);
	if (v == 0 || v > UINT32_MAX)
		return fx_err_set(err, "fwmark '%s' is out of range 1-4294967295", s);
	*out = (uint32_t)v;
	return 0;
}

int fx_prefix_parse(const char *s, struct fx_prefix *out, struct fx_err *err)
{
	char text[INET6_ADDRSTRLEN + 5];
	char *slash;
	unsigned long len;
	char *end;
	int r;

	if (!s || strlen(s) >= sizeof(text))
		return fx_err_set(err, "bad prefix");
	strcpy(text, s);
	slash = strchr(text, '/');
	if (slash)
		*slash++ = '\0';
	r = fx_addr_parse(text, &out->addr, err);
	if (r < 0)
		return r;
	len = fx_addr_len(&out->addr) * 8;
	if (slash) {
		errno = 0;
		unsigned long v = strtoul(slash, &end, 10);

		if (errno || *end || !*slash || v > len)
			return fx_err_set(err, "bad prefix length '%s'", slash);
		len = v;
	}
	out->len = (uint8_t)len;
	return 0;
}

void fx_addr_format(const struct fx_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void fx_endpoint_format(const struct fx_endpoint *e, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	fx_addr_format(&e->addr, host, sizeof(host));
	if (e->addr.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u/%s", host, e->port, fx_proto_name(e->proto));
	else
		snprintf(buf, len, "%s:%u/%s", host, e->port, fx_proto_name(e->proto));
}

const char *fx_proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}
