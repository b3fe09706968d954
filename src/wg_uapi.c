/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "wg_uapi.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	free(copy);
	if (r < 0)
		return r;
	if (remote_errno < 0)
		return -EBADMSG; /* a reply always ends with errno=N */
	return -remote_errno;
}

static int uapi_connect(const char *ifname)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = UAPI_TIMEOUT_MS / 1000 };
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

/* One request, one reply; parses into st (for set, only errno matters). */
static int transact(const char *ifname, const char *request, size_t len, struct fx_wg_status *st)
{
	char *reply = malloc(UAPI_REPLY_MAX);
	size_t n = 0;
	int fd, r;

	if (!reply)
		return -ENOMEM;
	fd = uapi_connect(ifname);
	r = fd < 0 ? fd : fx_write_all(fd, request, len);
	if (r == 0)
		r = read_reply(fd, reply, UAPI_REPLY_MAX, &n);
	if (r == 0)
		r = fx_wg_uapi_parse_get(reply, n, st);
	if (fd >= 0)
		close(fd);
	free(reply);
	return r;
}

int fx_wg_uapi_configure(const char *ifname, const struct fx_wg_config *cfg, uint32_t fwmark,
			 struct fx_err *err)
{
	struct fx_wg_status st;
	size_t cap = 4096 + cfg->n_peers * (512 + FX_WG_MAX_ALLOWED * 64);
	char *req = malloc(cap);
	int r;

	if (!req)
		return -ENOMEM;
	r = fx_wg_uapi_format_set(req, cap, cfg, fwmark);
	if (r >= 0)
		r = transact(ifname, req, (size_t)r, &st);
	fx_wipe(req, cap);
	free(req);
	if (r < 0)
		fx_err_set(err, "cannot configure %s through wireguard-go: %s", ifname, strerror(-r));
	return r < 0 ? r : 0;
}

int fx_wg_uapi_status(const char *ifname, struct fx_wg_status *st)
{
	static const char get[] = "get=1\n\n";

	return transact(ifname, get, sizeof(get) - 1, st);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static pid_t spawn(const char *prog, const char *ifname)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* The child: signals unblocked again (fexynd blocks them for its
	 * signalfd), stdin closed, its log on fexynd's stderr. */
	sigset_t none;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	setenv("WG_PROCESS_FOREGROUND", "1", 1);
	execlp(prog, prog, "-f", ifname, (char *)NULL);
	fprintf(stderr, "fexynd: cannot run %s: %s\n", prog, strerror(errno));
	_exit(127);
}

int fx_wg_uapi_start(const char *prog, const char *ifname, pid_t *pid, struct fx_err *err)
{
	uint64_t deadline = now_ms() + START_TIMEOUT_MS;
	int status;

	*pid = spawn(prog, ifname);
	if (*pid < 0) {
		int r = -errno;

		*pid = 0;
		fx_err_set(err, "cannot start %s: %s", prog, strerror(-r));
		return r;
	}
	while (now_ms() < deadline) {
		int fd = uapi_connect(ifname);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (waitpid(*pid, &status, WNOHANG) == *pid) {
			*pid = 0;
			return fx_err_set(err, "%s exited (status %d) before %s was up", prog,
					  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
					  ifname), -ECHILD;
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

static bool is_wireguard_go(pid_t pid)
{
	char path[64], comm[32] = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "wireguard-go", 12) == 0;
}

void fx_wg_uapi_stop(pid_t pid)
{
	int status;

	if (pid <= 0 || !is_wireguard_go(pid))
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid || kill(pid, 0) < 0)
			return;
		poll(NULL, 0, 10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}
