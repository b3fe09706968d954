/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "wg_uapi.h"
#include "clock.h"
#include "child.h"
#include "text.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UAPI_REPLY_MAX (256 * 1024)
#define UAPI_TIMEOUT_MS 2000
#define START_TIMEOUT_MS 5000

static void put_key(struct fx_text *o, const char *name, const uint8_t key[FX_KEY_LEN])
{
	char hex[FX_KEY_HEX_LEN + 1];

	fx_key_to_hex(key, hex);
	fx_text_add(o, "%s=%s\n", name, hex);
	fx_wipe(hex, sizeof(hex));
}

static void put_peer(struct fx_text *o, const struct fx_wg_peer *p)
{
	char addr[INET6_ADDRSTRLEN];

	put_key(o, "public_key", p->public_key);
	if (p->has_preshared_key)
		put_key(o, "preshared_key", p->preshared_key);
	if (p->endpoint_resolved) {
		fx_addr_format(&p->endpoint.addr, addr, sizeof(addr));
		fx_text_add(o, p->endpoint.addr.family == AF_INET6 ? "endpoint=[%s]:%u\n" : "endpoint=%s:%u\n",
		    addr, p->endpoint.port);
	}
	fx_text_add(o, "persistent_keepalive_interval=%u\n", p->persistent_keepalive);
	fx_text_add(o, "replace_allowed_ips=true\n");
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		fx_addr_format(&p->allowed_ips[i].addr, addr, sizeof(addr));
		fx_text_add(o, "allowed_ip=%s/%u\n", addr, p->allowed_ips[i].len);
	}
}

int fx_wg_uapi_format_set(char *buf, size_t len, const struct fx_wg_config *cfg, uint32_t fwmark)
{
	struct fx_text o = { .buf = buf, .len = len };

	if (len == 0)
		return -ENOSPC;
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].has_endpoint && !cfg->peers[i].endpoint_resolved)
			return -EDESTADDRREQ;
	fx_text_add(&o, "set=1\n");
	put_key(&o, "private_key", cfg->private_key);
	if (cfg->has_listen_port)
		fx_text_add(&o, "listen_port=%u\n", cfg->listen_port);
	fx_text_add(&o, "fwmark=%" PRIu32 "\n", fwmark);
	fx_text_add(&o, "replace_peers=true\n");
	for (size_t i = 0; i < cfg->n_peers; i++)
		put_peer(&o, &cfg->peers[i]);
	fx_text_add(&o, "\n");
	return o.full ? -ENOSPC : (int)o.off;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EBADMSG;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end) ? -EBADMSG : 0;
}

/* One key=value line of a get reply; keys we do not need are skipped. */
static int parse_get_line(char *line, struct fx_wg_status *st, int *remote_errno)
{
	char *eq = strchr(line, '=');
	uint64_t v;

	if (!eq || eq == line)
		return -EBADMSG;
	*eq++ = '\0';
	if (strcmp(line, "rx_bytes") == 0 || strcmp(line, "tx_bytes") == 0 ||
	    strcmp(line, "last_handshake_time_sec") == 0 || strcmp(line, "errno") == 0) {
		if (parse_u64(eq, &v) < 0)
			return -EBADMSG;
	} else {
		return 0;
	}
	if (line[0] == 'r')
		st->rx_bytes += v;
	else if (line[0] == 't')
		st->tx_bytes += v;
	else if (line[0] == 'e')
		*remote_errno = v > 4095 ? EIO : (int)v;
	else if (v) {
		st->handshake = true;
		if ((int64_t)v > st->last_handshake)
			st->last_handshake = (int64_t)v;
	}
	return 0;
}

int fx_wg_uapi_parse_get(const char *text, size_t len, struct fx_wg_status *st)
{
	char *copy, *line, *rest;
	int remote_errno = -1, r = 0;

	memset(st, 0, sizeof(*st));
	if (memchr(text, '\0', len))
		return -EBADMSG;
	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	for (rest = copy; r == 0 && (line = strsep(&rest, "\n")) && *line;)
		r = parse_get_line(line, st, &remote_errno);
	fx_wipe(copy, len); /* it held the private key */
	free(copy);
	if (r < 0)
		return r;
	if (remote_errno < 0)
		return -EBADMSG; /* a reply always ends with errno=N */
	return -remote_errno;
}

/*
 * The UAPI socket of ifname, but only when the process serving it is
 * wg_pid, the wireguard-go fexynd started: /var/run/wireguard is shared by
 * every network namespace, so a socket of that name may belong to another
 * fexynd's tunnel (a container's, or the host's). -EPERM, with the
 * server's pid in *peer, when it is someone else's.
 */
static int uapi_connect(const char *ifname, pid_t wg_pid, pid_t *peer)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = UAPI_TIMEOUT_MS / 1000 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd, n = snprintf(sa.sun_path, sizeof(sa.sun_path), FX_WG_UAPI_DIR "/%s.sock", ifname);

	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* wireguard-go must never stall the daemon's event loop for long. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.pid != wg_pid) {
		*peer = clen == sizeof(cred) ? cred.pid : 0;
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* Reads until the empty line that ends every reply. */
static int read_reply(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + *len, cap - *len - 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -EPROTO;
		*len += (size_t)n;
		buf[*len] = '\0';
		if (*len >= 2 && strstr(buf, "\n\n"))
			return 0;
		if (*len == cap - 1)
			return -EMSGSIZE;
	}
}

/* One request, one reply; parses into st (for set, only errno matters). The
 * reply to "get" holds the private key: the buffer is wiped before it goes. */
static int transact(const char *ifname, pid_t wg_pid, const char *request, size_t len,
		    struct fx_wg_status *st)
{
	char *reply = malloc(UAPI_REPLY_MAX);
	pid_t peer = 0;
	size_t n = 0;
	int fd, r;

	if (!reply)
		return -ENOMEM;
	fd = uapi_connect(ifname, wg_pid, &peer);
	r = fd < 0 ? fd : fx_write_all(fd, request, len);
	if (r == 0)
		r = read_reply(fd, reply, UAPI_REPLY_MAX, &n);
	if (r == 0)
		r = fx_wg_uapi_parse_get(reply, n, st);
	if (fd >= 0)
		close(fd);
	fx_wipe(reply, n + 1 < UAPI_REPLY_MAX ? n + 1 : UAPI_REPLY_MAX);
	free(reply);
	return r;
}

int fx_wg_uapi_configure(const char *ifname, pid_t wg_pid, const struct fx_wg_config *cfg,
			 uint32_t fwmark, struct fx_err *err)
{
	struct fx_wg_status st;
	size_t cap = 4096 + cfg->n_peers * (512 + FX_WG_MAX_ALLOWED * 64);
	char *req = malloc(cap);
	int r;

	if (!req)
		return -ENOMEM;
	r = fx_wg_uapi_format_set(req, cap, cfg, fwmark);
	if (r >= 0)
		r = transact(ifname, wg_pid, req, (size_t)r, &st);
	fx_wipe(req, cap);
	free(req);
	if (r < 0)
		fx_err_set(err, "cannot configure %s through wireguard-go: %s", ifname, strerror(-r));
	return r < 0 ? r : 0;
}

int fx_wg_uapi_status(const char *ifname, pid_t wg_pid, struct fx_wg_status *st)
{
	static const char get[] = "get=1\n\n";

	return transact(ifname, wg_pid, get, sizeof(get) - 1, st);
}

/* Our wireguard-go ended before its socket was up: why, as well as we can tell. */
static int exited_early(const char *prog, const char *ifname, int status, pid_t foreign,
			struct fx_err *err)
{
	if (foreign)
		return fx_err_set(err, FX_WG_UAPI_DIR "/%s.sock belongs to another wireguard-go (pid %d), "
				       "perhaps another network namespace's fexyn: choose another "
				       "interface name (--interface)", ifname, (int)foreign), -EADDRINUSE;
	return fx_err_set(err, "%s exited (status %d) before %s was up", prog,
			  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), ifname),
	       -ECHILD;
}

int fx_wg_uapi_start(const char *prog, const char *ifname, pid_t *pid, struct fx_err *err)
{
	static const char *const env[] = { "WG_PROCESS_FOREGROUND=1", NULL };
	char *argv[] = { (char *)prog, "-f", (char *)ifname, NULL };
	uint64_t deadline = fx_now_ms() + START_TIMEOUT_MS;
	pid_t foreign = 0;
	int status, r = fx_child_spawn(prog, argv, env, -1, pid);

	if (r < 0) {
		*pid = 0;
		fx_err_set(err, "cannot start %s: %s", prog, strerror(-r));
		return r;
	}
	while (fx_now_ms() < deadline) {
		int fd = uapi_connect(ifname, *pid, &foreign);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (waitpid(*pid, &status, WNOHANG) == *pid) {
			*pid = 0;
			return exited_early(prog, ifname, status, foreign, err);
		}
		poll(NULL, 0, 10);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &status, 0);
	*pid = 0;
	fx_err_set(err, "%s did not open its control socket for %s within %d ms", prog, ifname,
		   START_TIMEOUT_MS);
	return -ETIMEDOUT;
}

static bool same_net_namespace(pid_t pid)
{
	char path[64];
	struct stat ours, theirs;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat("/proc/self/ns/net", &ours) == 0 && stat(path, &theirs) == 0 &&
	       ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

/* /proc/PID/cmdline is "PROG\0-f\0IFNAME\0" for the wireguard-go fexynd starts. */
static bool runs_for(pid_t pid, const char *ifname)
{
	char path[64], cmd[256];
	const char *arg[3];
	size_t n, argc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(cmd, 1, sizeof(cmd), f);
	fclose(f);
	if (n == 0 || n == sizeof(cmd) || cmd[n - 1] != '\0')
		return false;
	for (size_t i = 0; i < n; i += strlen(cmd + i) + 1) {
		if (argc == 3)
			return false;
		arg[argc++] = cmd + i;
	}
	return argc == 3 && strcmp(arg[1], "-f") == 0 && strcmp(arg[2], ifname) == 0;
}

/*
 * The process a saved pid names is ours only if it still runs as fexynd
 * started it, for this interface, in this network namespace: after a crash the pid may
 * have been reused, or name another namespace's tunnel.
 */
static bool is_our_wireguard_go(pid_t pid, const char *ifname)
{
	return pid > 0 && runs_for(pid, ifname) && same_net_namespace(pid);
}

void fx_wg_uapi_stop_unrecorded(const char *ifname)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;

	while (proc && (e = readdir(proc))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end == '\0' && pid > 0 && pid != getpid())
			fx_wg_uapi_stop((pid_t)pid, ifname);
	}
	if (proc)
		closedir(proc);
}

void fx_wg_uapi_stop(pid_t pid, const char *ifname)
{
	int status;

	if (!is_our_wireguard_go(pid, ifname))
		return;
	kill(pid, SIGTERM);
	/* Gone, or a zombie (an orphan's is reaped by init, not by us): a
	 * process that exited has no command line. */
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid || !runs_for(pid, ifname))
			return;
		poll(NULL, 0, 10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}
