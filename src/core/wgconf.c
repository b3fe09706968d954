/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "wgconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096

enum section { SEC_NONE, SEC_INTERFACE, SEC_PEER };

struct parser {
	const char *name;
	unsigned line;
	enum section section;
	unsigned interface_line;      /* 0: no [Interface] yet */
	bool has_private_key;
	bool peer_has_public_key[FX_WG_MAX_PEERS];
	unsigned first_seen[32];      /* per key of the table, in this section */
	struct fx_wg_config *cfg;
	char text[LINE_MAX_LEN + 1];  /* the current line; may hold a key */
};

/* One field parser: accepts value or sets err to what is wrong with it. */
typedef int (*field_fn)(struct parser *p, char *value, struct fx_err *err);

struct field {
	const char *key;
	enum section section;
	bool repeats;                 /* may be given on several lines */
	field_fn parse;
};

static struct fx_wg_peer *cur_peer(struct parser *p)
{
	return &p->cfg->peers[p->cfg->n_peers - 1];
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Digits only, no sign, no spaces: strtoul would take "+1", " 1" and "-1". */
static int parse_uint(const char *s, int base, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d;

		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			return -EINVAL;
		v = v * (unsigned)base + (unsigned)d;
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

static int parse_ranged(const char *s, unsigned long long min, unsigned long long max,
			unsigned long long *out, struct fx_err *err)
{
	int r = parse_uint(s, 10, max, out);

	if (r == -EINVAL)
		return fx_err_set(err, "'%.64s' is not a number", s);
	if (r < 0 || *out < min)
		return fx_err_set(err, "'%.64s' is out of range %llu-%llu", s, min, max);
	return 0;
}

/*
 * A host name as resolvers accept it: dot-separated labels of letters,
 * digits, '-' and '_', 1-63 characters each, 253 in all, an optional final
 * dot. A last label of digits only is refused: "10.0.0.300" is a typo for an
 * address, not a name.
 */
static bool is_dns_name(const char *s)
{
	size_t n = strlen(s), label = 0;
	bool digits_only = true;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			digits_only = true;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if ((label == 0 && c == '-') || ++label > 63)
			return false;
		if (!isdigit(c))
			digits_only = false;
	}
	return s[n - 1] != '-' && !digits_only;
}

/*
 * Messages quote what they got wrong, but a key typed into the wrong field
 * or run into a neighbour line must not reach a log, not even in part. Keys
 * are base64: an '=', or a run of 8 or more base64 characters that mixes
 * upper and lower case or holds a '+', is taken to be (part of) one. Host
 * names are usually lower case; addresses are broken up by '.' and ':'.
 */
static bool may_hold_key(const char *s)
{
	bool upper = false, lower = false, plus = false;
	size_t run = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '=')
			return true;
		if (!isalnum(c) && c != '+' && c != '/') {
			run = 0;
			upper = lower = plus = false;
			continue;
		}
		upper |= isupper(c) != 0;
		lower |= islower(c) != 0;
		plus |= c == '+';
		if (++run >= 8 && ((upper && lower) || plus))
			return true;
	}
	return false;
}

/* Calls fn on each item of a comma-separated list; empty items are errors. */
static int for_each_item(struct parser *p, char *value,
			 int (*fn)(struct parser *p, char *item, struct fx_err *err),
			 struct fx_err *err)
{
	char *save = NULL;
	size_t n = strlen(value);

	if (value[0] == ',' || value[n - 1] == ',' || strstr(value, ",,"))
		return fx_err_set(err, "empty item in the list");
	for (char *tok = strtok_r(value, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *item = trim(tok);
		int r;

		if (!*item)
			return fx_err_set(err, "empty item in the list");
		r = fn(p, item, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "ADDR" or "ADDR/LEN"; the length in digits only (fx_prefix_parse uses strtoul). */
static int parse_prefix(const char *s, struct fx_prefix *out, struct fx_err *err)
{
	const char *slash = strchr(s, '/');
	unsigned long long len;

	if (strlen(s) > INET6_ADDRSTRLEN + 4)
		return fx_err_set(err, "'%.64s' is not an address", s);
	if (slash && parse_uint(slash + 1, 10, 999, &len) < 0)
		return fx_err_set(err, "'%.64s': bad prefix length", s);
	return fx_prefix_parse(s, out, err);
}

static void mask_host_bits(struct fx_prefix *pfx)
{
	size_t bytes = fx_addr_len(&pfx->addr);

	for (size_t i = 0; i < bytes; i++) {
		unsigned keep = pfx->len > 8 * i ? pfx->len - 8 * i : 0;

		if (keep < 8)
			pfx->addr.bytes[i] &= (uint8_t)(0xff00u >> keep);
	}
}

static int parse_key(const char *value, uint8_t key[FX_KEY_LEN], struct fx_err *err)
{
	return fx_key_from_base64(value, key, err);
}

/* [Interface] */

static int parse_private_key(struct parser *p, char *value, struct fx_err *err)
{
	int r = parse_key(value, p->cfg->private_key, err);

	if (r == 0)
		p->has_private_key = true;
	return r;
}

static int add_address(struct parser *p, char *item, struct fx_err *err)
{
	struct fx_wg_config *c = p->cfg;

	if (c->n_addresses == FX_WG_MAX_ADDRS)
		return fx_err_set(err, "too many addresses (at most %d)", FX_WG_MAX_ADDRS);
	/* Host bits are the point here: 10.66.0.2/24 is our address on a /24. */
	int r = parse_prefix(item, &c->addresses[c->n_addresses], err);

	if (r < 0)
		return r;
	c->n_addresses++;
	return 0;
}

static int parse_address(struct parser *p, char *value, struct fx_err *err)
{
	return for_each_item(p, value, add_address, err);
}

static int add_dns(struct parser *p, char *item, struct fx_err *err)
{
	struct fx_wg_config *c = p->cfg;
	struct fx_addr a;

	if (fx_addr_parse(item, &a, NULL) == 0) {
		if (c->n_dns == FX_WG_MAX_DNS)
			return fx_err_set(err, "too many DNS servers (at most %d)", FX_WG_MAX_DNS);
		c->dns[c->n_dns++] = a;
		return 0;
	}
	/* wg-quick hands the rest to resolvconf as search domains. */
	if (!is_dns_name(item))
		return fx_err_set(err, "'%.64s' is neither an IP address nor a DNS name", item);
	if (c->n_search == FX_WG_MAX_SEARCH)
		return fx_err_set(err, "too many search domains (at most %d)", FX_WG_MAX_SEARCH);
	snprintf(c->search[c->n_search++], FX_WG_HOST_MAX, "%s", item);
	return 0;
}

static int parse_dns(struct parser *p, char *value, struct fx_err *err)
{
	return for_each_item(p, value, add_dns, err);
}

static int parse_mtu(struct parser *p, char *value, struct fx_err *err)
{
	unsigned long long v = 0;
	int r = parse_ranged(value, 576, 65535, &v, err);

	if (r == 0)
		p->cfg->mtu = (uint32_t)v;
	return r;
}

static int parse_listen_port(struct parser *p, char *value, struct fx_err *err)
{
	unsigned long long v = 0;
	int r = parse_ranged(value, 0, 65535, &v, err);

	if (r < 0)
		return r;
	p->cfg->has_listen_port = true;
	p->cfg->listen_port = (uint16_t)v;
	return 0;
}

/* As wg(8): "off", decimal, or hex with 0x; not octal, as strtoul(.., 0) would. */
static int parse_fwmark(struct parser *p, char *value, struct fx_err *err)
{
	unsigned long long v = 0;
	int r;

	if (strcasecmp(value, "off") == 0) {
		p->cfg->fwmark = 0;
		return 0;
	}
	if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X'))
		r = parse_uint(value + 2, 16, UINT32_MAX, &v);
	else
		r = parse_uint(value, 10, UINT32_MAX, &v);
	if (r == -ERANGE)
		return fx_err_set(err, "'%.64s' is out of range 0-4294967295", value);
	if (r < 0)
		return fx_err_set(err, "'%.64s' is not a number (decimal, 0x hex, or off)", value);
	p->cfg->fwmark = (uint32_t)v;
	return 0;
}

static int parse_table(struct parser *p, char *value, struct fx_err *err)
{
	struct fx_wg_config *c = p->cfg;
	unsigned long long v = 0;
	int r;

	if (strcasecmp(value, "off") == 0) {
		c->table_mode = FX_WG_TABLE_OFF;
		return 0;
	}
	if (strcasecmp(value, "auto") == 0) {
		c->table_mode = FX_WG_TABLE_AUTO;
		return 0;
	}
	if (strcasecmp(value, "main") == 0) {
		v = 254; /* RT_TABLE_MAIN */
	} else {
		r = parse_uint(value, 10, 4294967294ULL, &v);
		if (r == -EINVAL)
			return fx_err_set(err, "'%.64s' is not off, auto, main or a table number", value);
		if (r < 0 || v == 0)
			return fx_err_set(err, "'%.64s' is out of range 1-4294967294", value);
	}
	c->table_mode = FX_WG_TABLE_ID;
	c->table = (uint32_t)v;
	return 0;
}

/* [Peer] */

static int parse_public_key(struct parser *p, char *value, struct fx_err *err)
{
	int r = parse_key(value, cur_peer(p)->public_key, err);

	if (r == 0)
		p->peer_has_public_key[p->cfg->n_peers - 1] = true;
	return r;
}

static int parse_preshared_key(struct parser *p, char *value, struct fx_err *err)
{
	struct fx_wg_peer *peer = cur_peer(p);
	int r = parse_key(value, peer->preshared_key, err);

	if (r == 0)
		peer->has_preshared_key = true;
	return r;
}

static int add_allowed_ip(struct parser *p, char *item, struct fx_err *err)
{
	struct fx_wg_peer *peer = cur_peer(p);
	struct fx_prefix *pfx;
	int r;

	if (peer->n_allowed_ips == FX_WG_MAX_ALLOWED)
		return fx_err_set(err, "too many prefixes (at most %d)", FX_WG_MAX_ALLOWED);
	pfx = &peer->allowed_ips[peer->n_allowed_ips];
	r = parse_prefix(item, pfx, err);
	if (r < 0)
		return r;
	/* wg(8) takes 10.0.0.1/8 to mean 10.0.0.0/8; so do we. */
	mask_host_bits(pfx);
	peer->n_allowed_ips++;
	return 0;
}

static int parse_allowed_ips(struct parser *p, char *value, struct fx_err *err)
{
	return for_each_item(p, value, add_allowed_ip, err);
}

/* wg-quick syntax: "host:port", "1.2.3.4:port" or "[v6]:port"; no /proto. */
static int split_endpoint(char *value, char **host, char **port, bool *bracketed,
			  struct fx_err *err)
{
	char *colon;

	/* Set on every path, errors too: static analysers cannot see that
	 * fx_err_set always returns a negative errno. */
	*host = *port = value + strlen(value);
	*bracketed = value[0] == '[';
	if (*bracketed) {
		char *close = strchr(value, ']');

		if (!close)
			return fx_err_set(err, "missing ']' after IPv6 address");
		*close = '\0';
		*host = value + 1;
		if (close[1] == '\0')
			return fx_err_set(err, "missing port");
		if (close[1] != ':')
			return fx_err_set(err, "expected ':' after ']'");
		*port = close + 2;
		return 0;
	}
	colon = strrchr(value, ':');
	if (!colon)
		return fx_err_set(err, "missing port");
	if (strchr(value, ':') != colon)
		return fx_err_set(err, "IPv6 endpoints are written [address]:port");
	*colon = '\0';
	*host = value;
	*port = colon + 1;
	return 0;
}

static int parse_endpoint(struct parser *p, char *value, struct fx_err *err)
{
	struct fx_wg_peer *peer = cur_peer(p);
	unsigned long long port = 0;
	char *host = NULL, *port_text = NULL;
	bool bracketed;
	struct fx_addr a;
	int r;

	r = split_endpoint(value, &host, &port_text, &bracketed, err);
	if (r < 0)
		return r;
	if (!*port_text)
		return fx_err_set(err, "missing port");
	r = parse_uint(port_text, 10, 65535, &port);
	if (r < 0 || port == 0)
		return fx_err_set(err, "bad port '%.16s' (1-65535)", port_text);
	if (!*host)
		return fx_err_set(err, "missing host");
	if (fx_addr_parse(host, &a, NULL) == 0) {
		if (bracketed && a.family == AF_INET)
			return fx_err_set(err, "brackets are for IPv6 addresses");
		peer->endpoint = (struct fx_endpoint){ .addr = a, .port = (uint16_t)port,
						       .proto = IPPROTO_UDP };
		peer->endpoint_resolved = true;
	} else if (bracketed) {
		return fx_err_set(err, "'%.64s' is not an IPv6 address", host);
	} else if (!is_dns_name(host)) {
		return fx_err_set(err, "'%.64s' is neither an IP address nor a host name", host);
	}
	snprintf(peer->endpoint_host, sizeof(peer->endpoint_host), "%s", host);
	peer->endpoint_port = (uint16_t)port;
	peer->has_endpoint = true;
	return 0;
}

static int parse_keepalive(struct parser *p, char *value, struct fx_err *err)
{
	unsigned long long v = 0;

	if (strcasecmp(value, "off") != 0) {
		int r = parse_ranged(value, 0, 65535, &v, err);

		if (r < 0)
			return r;
	}
	cur_peer(p)->persistent_keepalive = (uint16_t)v;
	return 0;
}

static const struct field fields[] = {
	{ "PrivateKey", SEC_INTERFACE, false, parse_private_key },
	{ "Address", SEC_INTERFACE, true, parse_address },
	{ "DNS", SEC_INTERFACE, true, parse_dns },
	{ "MTU", SEC_INTERFACE, false, parse_mtu },
	{ "ListenPort", SEC_INTERFACE, false, parse_listen_port },
	{ "FwMark", SEC_INTERFACE, false, parse_fwmark },
	{ "Table", SEC_INTERFACE, false, parse_table },
	{ "PublicKey", SEC_PEER, false, parse_public_key },
	{ "PresharedKey", SEC_PEER, false, parse_preshared_key },
	{ "AllowedIPs", SEC_PEER, true, parse_allowed_ips },
	{ "Endpoint", SEC_PEER, false, parse_endpoint },
	{ "PersistentKeepalive", SEC_PEER, false, parse_keepalive },
};

_Static_assert(sizeof(fields) / sizeof(fields[0]) <= sizeof(((struct parser *)0)->first_seen) /
	       sizeof(unsigned), "first_seen too small");

/* wg-quick runs these with bash as root; a config from a provider's web page
 * must not get to do that through us. */
static const struct {
	const char *key;
	const char *why;
} refused[] = {
	{ "PreUp", "fexynd runs as root and will not run commands from a config file" },
	{ "PostUp", "fexynd runs as root and will not run commands from a config file" },
	{ "PreDown", "fexynd runs as root and will not run commands from a config file" },
	{ "PostDown", "fexynd runs as root and will not run commands from a config file" },
	{ "SaveConfig", "fexyn never writes to your config file" },
};

static const char *section_name(enum section s)
{
	return s == SEC_PEER ? "[Peer]" : "[Interface]";
}

static bool is_key_name(const char *s)
{
	for (; *s; s++)
		if (!isalpha((unsigned char)*s))
			return false;
	return true;
}

/*
 * A name of letters only is echoed, but only if it is too short to be a
 * key: the longest real one, PersistentKeepalive, has 19 letters, while a
 * key pasted on a line of its own reads as a 43-letter name before its '='
 * (all letters for about one key in 8000).
 */
#define NAME_ECHO_MAX 24

struct shown {
	char text[48]; /* "<%zu letters, not shown>" with any size_t */
};

static const char *shown_name(const char *name, struct shown *buf)
{
	size_t n = strlen(name);

	if (n <= NAME_ECHO_MAX)
		return name;
	snprintf(buf->text, sizeof(buf->text), "<%zu letters, not shown>", n);
	return buf->text;
}

static int start_section(struct parser *p, const char *text, struct fx_err *err)
{
	size_t n = strlen(text);
	char name[65];
	struct shown shown;

	/* The name is echoed, so it must look like one: a pasted key must not. */
	if (n >= 3 && n - 2 < sizeof(name) && text[n - 1] == ']') {
		memcpy(name, text + 1, n - 2);
		name[n - 2] = '\0';
	} else {
		name[0] = '\0';
	}
	if (!name[0] || !is_key_name(name))
		return fx_err_set(err, "%s:%u: malformed section header (expected [Interface] or [Peer])",
				  p->name, p->line);
	memset(p->first_seen, 0, sizeof(p->first_seen));
	if (strcasecmp(name, "Interface") == 0) {
		if (p->interface_line)
			return fx_err_set(err, "%s:%u: [Interface]: given twice (first on line %u)",
					  p->name, p->line, p->interface_line);
		p->interface_line = p->line;
		p->section = SEC_INTERFACE;
		return 0;
	}
	if (strcasecmp(name, "Peer") == 0) {
		if (p->cfg->n_peers == FX_WG_MAX_PEERS)
			return fx_err_set(err, "%s:%u: [Peer]: too many peers (at most %d)",
					  p->name, p->line, FX_WG_MAX_PEERS);
		p->cfg->peers[p->cfg->n_peers++].line = p->line;
		p->section = SEC_PEER;
		return 0;
	}
	return fx_err_set(err, "%s:%u: [%s]: unknown section", p->name, p->line,
			  shown_name(name, &shown));
}

static const struct field *find_field(const char *key)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcasecmp(fields[i].key, key) == 0)
			return &fields[i];
	}
	return NULL;
}

static int set_field(struct parser *p, const char *key, char *value, struct fx_err *err)
{
	struct fx_err why = { { 0 } };
	const struct field *f;
	struct shown shown;
	unsigned *seen;
	int r;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (strcasecmp(refused[i].key, key) == 0)
			return fx_err_set(err, "%s:%u: %s: refused: %s", p->name, p->line,
					  refused[i].key, refused[i].why);
	}
	f = find_field(key);
	if (!f)
		return fx_err_set(err, "%s:%u: %s: unknown key in %s", p->name, p->line,
				  shown_name(key, &shown), section_name(p->section));
	if (f->section != p->section)
		return fx_err_set(err, "%s:%u: %s: belongs in %s, not in %s", p->name, p->line,
				  f->key, section_name(f->section), section_name(p->section));
	if (!*value)
		return fx_err_set(err, "%s:%u: %s: empty value", p->name, p->line, f->key);
	seen = &p->first_seen[f - fields];
	if (*seen && !f->repeats)
		return fx_err_set(err, "%s:%u: %s: given twice in one section (first on line %u)",
				  p->name, p->line, f->key, *seen);
	if (!*seen)
		*seen = p->line;
	r = f->parse(p, value, &why);
	if (r < 0 && may_hold_key(why.msg))
		return fx_err_set(err, "%s:%u: %s: not valid (the text is not shown: it may hold a key)",
				  p->name, p->line, f->key);
	if (r < 0)
		return fx_err_set(err, "%s:%u: %s: %s", p->name, p->line, f->key, why.msg);
	return 0;
}

static int parse_line(struct parser *p, struct fx_err *err)
{
	char *hash = strchr(p->text, '#');
	char *text, *eq, *key;
	struct shown shown;

	if (hash)
		*hash = '\0';
	text = trim(p->text);
	if (!*text)
		return 0;
	if (text[0] == '[')
		return start_section(p, text, err);
	eq = strchr(text, '=');
	if (!eq)
		return fx_err_set(err, "%s:%u: expected 'Key = value'", p->name, p->line);
	*eq = '\0';
	key = trim(text);
	/* Not echoed unless it looks like a key name, letters only: "PrivateKey
	 * <key>" without its '=' would otherwise print most of the key. */
	if (!*key || !is_key_name(key))
		return fx_err_set(err, "%s:%u: expected 'Key = value'", p->name, p->line);
	if (p->section == SEC_NONE)
		return fx_err_set(err, "%s:%u: %s: outside any section (start with [Interface])",
				  p->name, p->line, shown_name(key, &shown));
	return set_field(p, key, trim(eq + 1), err);
}

/* Copies one line (without its '\n') into p->text; *used: the bytes it took, '\n' included. */
static int next_line(struct parser *p, const char *text, size_t len, size_t *used,
		     struct fx_err *err)
{
	const char *nl = memchr(text, '\n', len);
	size_t n = nl ? (size_t)(nl - text) : len;

	*used = nl ? n + 1 : n;
	p->line++;
	if (n > LINE_MAX_LEN)
		return fx_err_set(err, "%s:%u: line longer than %d characters", p->name, p->line,
				  LINE_MAX_LEN);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return fx_err_set(err, "%s:%u: not a text file", p->name, p->line);
	}
	memcpy(p->text, text, n);
	p->text[n] = '\0';
	return 0;
}

static int check_config(struct parser *p, struct fx_err *err)
{
	const struct fx_wg_config *c = p->cfg;
	bool endpoint = false;

	if (!p->interface_line)
		return fx_err_set(err, "%s: no [Interface] section", p->name);
	if (!p->has_private_key)
		return fx_err_set(err, "%s:%u: [Interface]: PrivateKey missing", p->name,
				  p->interface_line);
	if (c->n_peers == 0)
		return fx_err_set(err, "%s: no [Peer] section", p->name);
	for (size_t i = 0; i < c->n_peers; i++) {
		if (!p->peer_has_public_key[i])
			return fx_err_set(err, "%s:%u: [Peer]: PublicKey missing", p->name,
					  c->peers[i].line);
		for (size_t j = 0; j < i; j++) {
			if (fx_key_equal(c->peers[i].public_key, c->peers[j].public_key))
				return fx_err_set(err, "%s:%u: [Peer]: same PublicKey as the [Peer] on line %u",
						  p->name, c->peers[i].line, c->peers[j].line);
		}
		endpoint |= c->peers[i].has_endpoint;
	}
	if (!endpoint)
		return fx_err_set(err, "%s: no [Peer] has an Endpoint: fexyn needs the server's Endpoint",
				  p->name);
	return 0;
}

static int parse_text(struct parser *p, const char *text, size_t len, struct fx_err *err)
{
	size_t used;
	int r;

	if (len > FX_WG_CONF_MAX_SIZE)
		return fx_err_set(err, "%s: larger than %d bytes: not a WireGuard config", p->name,
				  FX_WG_CONF_MAX_SIZE);
	while (len > 0) {
		r = next_line(p, text, len, &used, err);
		if (r < 0)
			return r;
		r = parse_line(p, err);
		if (r < 0)
			return r;
		text += used;
		len -= used;
	}
	return check_config(p, err);
}

int fx_wgconf_parse(const char *name, const char *text, size_t len, struct fx_wg_config *out,
		    struct fx_err *err)
{
	struct parser *p;
	int r;

	/* On the heap: the line buffer makes it too big for a daemon's stack frame. */
	p = calloc(1, sizeof(*p));
	if (!p) {
		fx_err_set(err, "%s: out of memory", name);
		fx_wgconf_wipe(out);
		return -ENOMEM;
	}
	p->name = name;
	p->cfg = out;
	fx_wgconf_wipe(out);
	r = parse_text(p, text, len, err);
	if (r < 0)
		fx_wgconf_wipe(out);
	fx_wipe(p, sizeof(*p));
	free(p);
	return r;
}

/* From the start of the file, whatever its offset: the descriptor may be
 * shared with the process that opened it. */
static int read_all(int fd, char *buf, size_t size, size_t *len)
{
	*len = 0;
	while (*len < size) {
		ssize_t n = pread(fd, buf + *len, size - *len, (off_t)*len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

int fx_wgconf_read_fd(int fd, const char *name, char **text, size_t *len, struct fx_err *err)
{
	/* One byte more than allowed, to tell "exactly the limit" from "bigger". */
	const size_t size = FX_WG_CONF_MAX_SIZE + 1;
	struct stat st;
	char *buf;
	int r;

	*text = NULL;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		return fx_err_set(err, "%s: %s", name, strerror(-r)), r;
	}
	if (!S_ISREG(st.st_mode))
		return fx_err_set(err, "%s: not a regular file", name);
	if (st.st_size > (off_t)FX_WG_CONF_MAX_SIZE)
		return fx_err_set(err, "%s: larger than %d bytes: not a WireGuard config", name,
				  FX_WG_CONF_MAX_SIZE);
	buf = malloc(size);
	if (!buf)
		return fx_err_set(err, "%s: out of memory", name), -ENOMEM;
	r = read_all(fd, buf, size, len);
	if (r < 0) {
		fx_err_set(err, "%s: %s", name, strerror(-r));
		fx_wipe(buf, size);
		free(buf);
		return r;
	}
	*text = buf;
	return 0;
}

int fx_wgconf_load(const char *path, struct fx_wg_config *out, struct fx_err *err)
{
	size_t len = 0;
	char *text;
	int fd, r;

	fx_wgconf_wipe(out);
	/* O_NONBLOCK so that a FIFO does not hang us before the S_ISREG check;
	 * reads from a regular file ignore it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		fx_err_set(err, "%s: %s", path, strerror(-r));
		return r;
	}
	r = fx_wgconf_read_fd(fd, path, &text, &len, err);
	close(fd);
	if (r < 0)
		return r;
	r = fx_wgconf_parse(path, text, len, out, err);
	fx_wipe(text, FX_WG_CONF_MAX_SIZE + 1);
	free(text);
	return r;
}

void fx_wgconf_wipe(struct fx_wg_config *cfg)
{
	if (cfg)
		fx_wipe(cfg, sizeof(*cfg));
}
