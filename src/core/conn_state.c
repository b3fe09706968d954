/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "conn_state.h"
#include "key.h"
#include "state.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONN_VERSION "1"
#define FAMILY_NAME(f) ((f) == AF_INET6 ? "inet6" : "inet")
#define CONN_MAX_SIZE (64 * 1024)

static const char *const backend_names[] = {
	[FX_BACKEND_AUTO] = "auto",
	[FX_BACKEND_KERNEL] = "kernel",
	[FX_BACKEND_USERSPACE] = "userspace",
};

const char *fx_backend_name(enum fx_backend b)
{
	return (size_t)b < sizeof(backend_names) / sizeof(backend_names[0]) ? backend_names[b] : "?";
}

int fx_backend_parse(const char *s, enum fx_backend *out)
{
	for (size_t i = 0; i < sizeof(backend_names) / sizeof(backend_names[0]); i++) {
		if (strcmp(s, backend_names[i]) == 0) {
			*out = (enum fx_backend)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* rule=FAMILY PRIORITY TABLE NOT_FWMARK FWMARK SUPPRESS_PREFIXLEN0
 * route=PREFIX TABLE BLACKHOLE
 * src_valid_mark=1 */
static void format_plan(struct fx_text *o, const struct fx_route_plan *p)
{
	char addr[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct fx_rule_spec *r = &p->rules[i];

		fx_text_add(o, "rule=%s %u %u %d %u %d\n", FAMILY_NAME(r->family), r->priority, r->table,
			    r->not_fwmark, r->fwmark, r->suppress_prefixlen0);
	}
	for (size_t i = 0; i < p->n_routes; i++) {
		const struct fx_route_spec *rt = &p->routes[i];

		fx_addr_format(&rt->dst.addr, addr, sizeof(addr));
		fx_text_add(o, "route=%s/%u %u %d\n", addr, rt->dst.len, rt->table, rt->blackhole);
	}
	if (p->src_valid_mark)
		fx_text_add(o, "src_valid_mark=1\n");
}

/* tunnel=NAME wg_pid=PID link=INDEX KIND making=1, each key after prefix */
static void format_made(struct fx_text *o, const char *prefix, const struct fx_tunnel_made *t)
{
	fx_text_add(o, "%stunnel=%s\n%swg_pid=%d\n", prefix, t->ifname, prefix, (int)t->wg_pid);
	if (t->link_index > 0)
		fx_text_add(o, "%slink=%d %s\n", prefix, t->link_index, t->link_kind);
	if (t->making)
		fx_text_add(o, "%smaking=1\n", prefix);
}

void fx_conn_twin_name(const char *name, char out[IFNAMSIZ])
{
	size_t n = strnlen(name, IFNAMSIZ - 1);

	memcpy(out, name, n);
	if (n == IFNAMSIZ - 1)
		n--;
	out[n] = name[n] == 'b' ? 'c' : 'b';
	out[n + 1] = '\0';
}

int fx_conn_state_format(const struct fx_conn_saved *s, char *buf, size_t len)
{
	struct fx_text o = { .buf = buf, .len = len };
	char ep[FX_ENDPOINT_STRLEN];

	if (len == 0)
		return -ENOSPC;
	fx_text_add(&o, "# fexynd: the tunnel fexyn connect set up. Written by fexynd; do not edit.\n");
	fx_text_add(&o, "version=" CONN_VERSION "\ninterface=%s\nbackend=%s\ncurrent=%zu\n"
	      "restore_src_valid_mark=%d\n",
	  s->ifname, fx_backend_name(s->backend), s->current, s->restore_src_valid_mark);
	if (s->no_standby)
		fx_text_add(&o, "hot_standby=0\n");
	if (s->switch_back)
		fx_text_add(&o, "switch_back=1\n");
	format_made(&o, "", &s->tun);
	if (s->has_standby) {
		fx_text_add(&o, "standby=%zu\n", s->standby_config);
		format_made(&o, "standby_", &s->standby);
	}
	format_plan(&o, &s->plan);
	for (size_t c = 0; c < s->n_configs; c++) {
		fx_text_add(&o, "config=%s\n", s->paths[c]);
		for (size_t p = 0; p < FX_WG_MAX_PEERS; p++) {
			if (!s->has_resolved[c][p])
				continue;
			fx_endpoint_format(&s->resolved[c][p], ep, sizeof(ep));
			fx_text_add(&o, "resolved=%zu.%zu=%s\n", c, p, ep);
		}
	}
	return o.full ? -ENOSPC : 0;
}

static int parse_index(const char *v, size_t max, size_t *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n >= max)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_resolved(char *v, struct fx_conn_saved *s, struct fx_err *err)
{
	char *dot = strchr(v, '.'), *eq = strchr(v, '=');
	size_t c, p;

	if (!dot || !eq || dot > eq)
		return fx_err_set(err, "expected CONFIG.PEER=ADDRESS:PORT");
	*dot = *eq = '\0';
	if (parse_index(v, s->n_configs, &c) < 0 || parse_index(dot + 1, FX_WG_MAX_PEERS, &p) < 0)
		return fx_err_set(err, "no such config or peer");
	if (fx_endpoint_parse(eq + 1, &s->resolved[c][p], err) < 0)
		return -EINVAL;
	s->has_resolved[c][p] = true;
	return 0;
}

static int parse_family(const char *v, int *family)
{
	if (strcmp(v, "inet") == 0)
		*family = AF_INET;
	else if (strcmp(v, "inet6") == 0)
		*family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

static int parse_u32(const char *v, uint32_t *out)
{
	size_t n;

	if (parse_index(v, (size_t)UINT32_MAX + 1, &n) < 0)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

static int parse_flag(const char *v, bool *out)
{
	size_t n;

	if (parse_index(v, 2, &n) < 0)
		return -EINVAL;
	*out = n;
	return 0;
}

/* Splits v at single spaces into exactly n words. */
static int words(char *v, char **w, size_t n)
{
	char *save = NULL;
	size_t i = 0;

	for (char *t = strtok_r(v, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (i == n)
			return -EINVAL;
		w[i++] = t;
	}
	return i == n ? 0 : -EINVAL;
}

static int parse_rule(char *v, struct fx_route_plan *p, struct fx_err *err)
{
	struct fx_rule_spec r = { 0 };
	char *w[6];

	if (p->n_rules == sizeof(p->rules) / sizeof(p->rules[0]))
		return fx_err_set(err, "too many rules");
	if (words(v, w, 6) < 0 || parse_family(w[0], &r.family) < 0 || parse_u32(w[1], &r.priority) < 0 ||
	    parse_u32(w[2], &r.table) < 0 || parse_flag(w[3], &r.not_fwmark) < 0 ||
	    parse_u32(w[4], &r.fwmark) < 0 || parse_flag(w[5], &r.suppress_prefixlen0) < 0)
		return fx_err_set(err, "expected FAMILY PRIORITY TABLE NOT_FWMARK FWMARK SUPPRESS");
	p->rules[p->n_rules++] = r;
	return 0;
}

static int parse_route(char *v, struct fx_route_plan *p, struct fx_err *err)
{
	struct fx_route_spec rt = { 0 };
	char *w[3];

	if (p->n_routes == FX_MAX_PLAN_ROUTES)
		return fx_err_set(err, "too many routes");
	if (words(v, w, 3) < 0 || fx_prefix_parse(w[0], &rt.dst, NULL) < 0 || parse_u32(w[1], &rt.table) < 0 ||
	    parse_flag(w[2], &rt.blackhole) < 0)
		return fx_err_set(err, "expected PREFIX TABLE BLACKHOLE");
	p->routes[p->n_routes++] = rt;
	return 0;
}

/* link=INDEX KIND: the link fexynd made. */
static int parse_link(char *v, struct fx_tunnel_made *t, struct fx_err *err)
{
	char *w[2];
	size_t index;

	if (words(v, w, 2) < 0 || parse_index(w[0], (size_t)INT32_MAX + 1, &index) < 0 || index == 0 ||
	    strlen(w[1]) >= sizeof(t->link_kind))
		return fx_err_set(err, "expected INDEX KIND");
	t->link_index = (int)index;
	strcpy(t->link_kind, w[1]);
	return 0;
}

static int parse_ifname(const char *v, char *out, struct fx_err *err)
{
	if (fx_ifname_check(v, err) < 0)
		return -EINVAL;
	snprintf(out, IFNAMSIZ, "%s", v);
	return 0;
}

/* The keys of one made tunnel (format_made); 1 when key is none of them. */
static int parse_made(const char *key, char *v, struct fx_tunnel_made *t, struct fx_err *err)
{
	size_t n;

	if (strcmp(key, "tunnel") == 0)
		return parse_ifname(v, t->ifname, err);
	if (strcmp(key, "link") == 0)
		return parse_link(v, t, err);
	if (strcmp(key, "making") == 0)
		return parse_flag(v, &t->making) < 0 ? fx_err_set(err, "expected 0 or 1") : 0;
	if (strcmp(key, "wg_pid") == 0) {
		if (parse_index(v, 1u << 22, &n) < 0)
			return fx_err_set(err, "bad process id");
		t->wg_pid = (pid_t)n;
		return 0;
	}
	return 1;
}

static int parse_kv(const char *key, char *v, struct fx_conn_saved *s, struct fx_err *err)
{
	int r;

	if (strcmp(key, "rule") == 0)
		return parse_rule(v, &s->plan, err);
	if (strcmp(key, "route") == 0)
		return parse_route(v, &s->plan, err);
	if (strcmp(key, "src_valid_mark") == 0)
		return parse_flag(v, &s->plan.src_valid_mark) < 0 ? fx_err_set(err, "expected 0 or 1") : 0;
	if ((r = parse_made(key, v, &s->tun, err)) <= 0)
		return r;
	if (strncmp(key, "standby_", 8) == 0 && (r = parse_made(key + 8, v, &s->standby, err)) <= 0)
		return r;
	if (strcmp(key, "standby") == 0) {
		s->has_standby = true;
		return parse_index(v, FX_MAX_CONFIGS, &s->standby_config) < 0 ? fx_err_set(err, "bad index") : 0;
	}
	if (strcmp(key, "interface") == 0)
		return parse_ifname(v, s->ifname, err);
	if (strcmp(key, "backend") == 0)
		return fx_backend_parse(v, &s->backend) < 0 ? fx_err_set(err, "unknown backend") : 0;
	if (strcmp(key, "current") == 0)
		return parse_index(v, FX_MAX_CONFIGS, &s->current) < 0 ? fx_err_set(err, "bad index") : 0;
	if (strcmp(key, "hot_standby") == 0) {
		bool on;

		if (parse_flag(v, &on) < 0)
			return fx_err_set(err, "expected 0 or 1");
		s->no_standby = !on;
		return 0;
	}
	if (strcmp(key, "switch_back") == 0)
		return parse_flag(v, &s->switch_back) < 0 ? fx_err_set(err, "expected 0 or 1") : 0;
	if (strcmp(key, "restore_src_valid_mark") == 0)
		return parse_flag(v, &s->restore_src_valid_mark) < 0 ? fx_err_set(err, "expected 0 or 1") : 0;
	if (strcmp(key, "config") == 0) {
		if (s->n_configs == FX_MAX_CONFIGS)
			return fx_err_set(err, "more than %d configs", FX_MAX_CONFIGS);
		if (v[0] != '/' || strlen(v) >= FX_CONF_PATH_MAX)
			return fx_err_set(err, "not an absolute path");
		strcpy(s->paths[s->n_configs++], v);
		return 0;
	}
	if (strcmp(key, "resolved") == 0)
		return parse_resolved(v, s, err);
	return fx_err_set(err, "unknown key");
}

static int conn_kv(const char *key, const char *value, void *ctx, struct fx_err *err)
{
	char v[FX_CONF_PATH_MAX + 64];

	if (strlen(value) >= sizeof(v))
		return fx_err_set(err, "%.32s: too long", key);
	strcpy(v, value);
	if (parse_kv(key, v, ctx, err) < 0)
		return fx_err_prefix(err, -EINVAL, "%.32s: ", key);
	return 0;
}

int fx_conn_state_parse(const char *text, size_t len, struct fx_conn_saved *s, struct fx_err *err)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = fx_kv_parse(text, len, CONN_VERSION, "fexyn connect state", conn_kv, s, err);
	if (r == 0 && (!s->ifname[0] || s->n_configs == 0 || s->current >= s->n_configs))
		r = fx_err_set(err, "incomplete: needs interface, a config and a current one");
	if (r == 0 && s->has_standby && (s->standby_config >= s->n_configs || !s->standby.ifname[0]))
		r = fx_err_set(err, "standby: needs a config and standby_tunnel");
	/* Written before there were standbys: the tunnel had the given name. */
	if (r == 0 && !s->tun.ifname[0])
		snprintf(s->tun.ifname, sizeof(s->tun.ifname), "%s", s->ifname);
	return r;
}

int fx_conn_state_load(const char *dir, struct fx_conn_saved *s, struct fx_err *err)
{
	char path[4096];
	char *buf = malloc(CONN_MAX_SIZE);
	size_t len = 0;
	int r;

	if (!buf)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dir, FX_CONN_FILE);
	r = fx_file_read(path, buf, CONN_MAX_SIZE, &len);
	if (r == -ENOENT)
		r = 0;
	else if (r < 0)
		fx_err_set(err, "%s: %s", path, strerror(-r));
	else if ((r = fx_conn_state_parse(buf, len, s, err)) < 0)
		fx_err_prefix(err, r, "%s: ", path);
	else
		r = 1;
	free(buf);
	return r;
}

int fx_conn_state_save(const char *dir, const struct fx_conn_saved *s)
{
	char *text = malloc(CONN_MAX_SIZE);
	int r;

	if (!text)
		return -ENOMEM;
	r = fx_conn_state_format(s, text, CONN_MAX_SIZE);
	if (r == 0)
		r = fx_file_save(dir, FX_CONN_FILE, text);
	free(text);
	return r;
}

int fx_conn_state_remove(const char *dir)
{
	return fx_file_remove(dir, FX_CONN_FILE);
}

static void config_name(size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "config.%zu", i);
}

int fx_conn_config_save(const char *dir, size_t i, const char *text, size_t len)
{
	char name[32], *copy;
	int r;

	if (memchr(text, '\0', len))
		return -EINVAL;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	config_name(i, name, sizeof(name));
	r = fx_file_save(dir, name, copy);
	fx_wipe(copy, len + 1);
	free(copy);
	return r;
}

int fx_conn_config_load(const char *dir, size_t i, char **text, size_t *len)
{
	char path[4096];
	char *buf = malloc(FX_WG_CONF_MAX_SIZE + 1);
	int r;

	*text = NULL;
	if (!buf)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/config.%zu", dir, i);
	r = fx_file_read(path, buf, FX_WG_CONF_MAX_SIZE + 1, len);
	if (r < 0) {
		fx_wipe(buf, FX_WG_CONF_MAX_SIZE + 1);
		free(buf);
		return r;
	}
	*text = buf;
	return 0;
}

int fx_conn_configs_remove(const char *dir, size_t first)
{
	char name[32];
	int first_err = 0;

	for (size_t i = first; i < FX_MAX_CONFIGS; i++) {
		int r;

		config_name(i, name, sizeof(name));
		r = fx_file_remove(dir, name);
		if (r < 0 && !first_err)
			first_err = r;
	}
	return first_err;
}
