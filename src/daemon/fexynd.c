/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fexynd: the privileged helper that owns the kill switch's firewall. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "cgroup_fs.h"
#include "daemon.h"
#include "log.h"

#define DEFAULT_STATE_DIR "/var/lib/fexyn"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: fexynd [OPTIONS]\n"
		"The fexyn kill-switch daemon. Runs in the foreground; needs CAP_NET_ADMIN.\n\n"
		"  -s, --socket PATH       control socket (default " FX_DEFAULT_SOCKET ")\n"
		"  -d, --state-dir DIR     persisted state (default " DEFAULT_STATE_DIR ")\n"
		"      --protection MODE   the strongest table protection to use, where the\n"
		"                          kernel allows it: owner+persist (Linux 6.9+, the\n"
		"                          default), owned+unowned (5.12+) or monitor; weaker\n"
		"                          modes are for testing\n"
		"      --no-table-flags    the same as --protection monitor\n"
		"      --wireguard-go PROG the userspace WireGuard program, where the kernel\n"
		"                          has none (default " FX_WIREGUARD_GO_PATH ")\n"
		"      --resolv-conf PATH  the resolver file to point at the tunnel's DNS\n"
		"                          (default /etc/resolv.conf)\n"
		"      --dns-backend auto|file|resolved\n"
		"                          rewrite the resolver file, or set DNS on the tunnel\n"
		"                          link through systemd-resolved (auto: resolved when\n"
		"                          the file links into /run/systemd/resolve)\n"
		"      --resolvectl PROG   systemd-resolved's client (default " FX_RESOLVECTL_PATH ")\n"
		"      --nft PROG          nft(8), run for `fexyn rules` (default " FX_NFT_PATH ")\n"
		"                          Programs are named by absolute path.\n"
		"      --exclusion-cgroup NAME\n"
		"                          the cgroup, at the top of the cgroup v2 hierarchy,\n"
		"                          that holds excluded programs (default " FX_EXCLUSION_CGROUP ")\n"
		"      --boot              install the blocked policy the saved settings call\n"
		"                          for, and exit (early boot, before any network)\n"
		"  -h, --help              show this help\n"
		"  -V, --version           show the version\n\n"
		"SIGTERM and SIGINT stop the daemon and leave the firewall in place.\n");
}

/* fexynd runs as root: a program it starts is never looked up in PATH. */
static int absolute_path(const char *option, const char *path)
{
	if (path[0] == '/')
		return 0;
	fprintf(stderr, "fexynd: %s: '%s' is not an absolute path\n", option, path);
	return -1;
}

static int parse_args(int argc, char **argv, struct fx_daemon_config *cfg, bool *boot)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "no-table-flags", no_argument, NULL, 'F' },
		{ "protection", required_argument, NULL, 'P' },
		{ "wireguard-go", required_argument, NULL, 'W' },
		{ "resolv-conf", required_argument, NULL, 'R' },
		{ "dns-backend", required_argument, NULL, 'D' },
		{ "resolvectl", required_argument, NULL, 'C' },
		{ "nft", required_argument, NULL, 'N' },
		{ "exclusion-cgroup", required_argument, NULL, 'E' },
		{ "boot", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			cfg->socket_path = optarg;
			break;
		case 'd':
			cfg->state_dir = optarg;
			break;
		case 'F':
			cfg->protection = FX_PROTECTION_MONITOR;
			break;
		case 'P':
			if (fx_protection_parse(optarg, &cfg->protection) < 0)
				return fprintf(stderr, "fexynd: --protection: owner+persist, "
						       "owned+unowned or monitor\n"), -1;
			break;
		case 'W':
			if (absolute_path("--wireguard-go", optarg) < 0)
				return -1;
			cfg->wireguard_go = optarg;
			break;
		case 'R':
			cfg->resolv_conf = optarg;
			break;
		case 'D':
			if (strcmp(optarg, "auto") == 0)
				cfg->dns_backend = FX_DNS_AUTO;
			else if (strcmp(optarg, "file") == 0)
				cfg->dns_backend = FX_DNS_FILE;
			else if (strcmp(optarg, "resolved") == 0)
				cfg->dns_backend = FX_DNS_RESOLVED;
			else
				return fprintf(stderr, "fexynd: --dns-backend: auto, file or resolved\n"), -1;
			break;
		case 'C':
			if (absolute_path("--resolvectl", optarg) < 0)
				return -1;
			cfg->resolvectl = optarg;
			break;
		case 'N':
			if (absolute_path("--nft", optarg) < 0)
				return -1;
			cfg->nft = optarg;
			break;
		case 'E':
			if (!optarg[0] || strchr(optarg, '/') || strcmp(optarg, ".") == 0 ||
			    strcmp(optarg, "..") == 0)
				return fprintf(stderr, "fexynd: --exclusion-cgroup: a plain name, "
						       "not a path\n"), -1;
			cfg->exclusion_cgroup = optarg;
			break;
		case 'B':
			*boot = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			puts("fexynd " FX_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fexynd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fx_daemon_config cfg = {
		.socket_path = FX_DEFAULT_SOCKET,
		.state_dir = DEFAULT_STATE_DIR,
		.protection = FX_PROTECTION_OWNER_PERSIST,
		.wireguard_go = FX_WIREGUARD_GO_PATH,
		.resolv_conf = "/etc/resolv.conf",
		.resolvectl = FX_RESOLVECTL_PATH,
		.nft = FX_NFT_PATH,
		.exclusion_cgroup = FX_EXCLUSION_CGROUP,
	};
	struct fx_daemon *d;
	bool boot = false;
	int r;

	if (parse_args(argc, argv, &cfg, &boot) < 0)
		return 2;
	if (boot)
		return fx_boot(&cfg) < 0 ? 1 : 0;
	if (geteuid() != 0)
		log_warn("not running as root: firewall changes will likely be refused");
	d = malloc(sizeof(*d));
	if (!d) {
		log_err("out of memory");
		return 1;
	}
	r = fx_daemon_init(d, &cfg);
	if (r == 0)
		r = fx_daemon_run(d);
	fx_daemon_done(d);
	free(d);
	return r < 0 ? 1 : 0;
}
