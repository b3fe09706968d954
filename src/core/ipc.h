/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The control protocol. A client connects, writes one request line and
 * reads the reply until the daemon closes the connection:
 *
 *   request:  VERB [key=value ...]\n      (printable ASCII, single spaces)
 *   reply:    ok\n BODY                   or   error MESSAGE\n
 *
 * The body is verb-specific: key=value lines for status, nft text for rules.
 *
 * Open files travel with the request line as SCM_RIGHTS descriptors, sent
 * in the same sendmsg (at most FX_IPC_MAX_FDS): a client opens files with
 * its own rights and passes them, so the daemon never opens a path for a
 * client. A verb that takes none refuses a request that brings some.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Where fexynd listens and fexyn calls, unless told otherwise. */
#define FX_DEFAULT_SOCKET "/run/fexyn/fexynd.sock"
#define FX_IPC_MAX_LINE 4096
#define FX_IPC_MAX_ARGS 48
#define FX_IPC_MAX_REPLY (1024 * 1024)
#define FX_IPC_MAX_FDS 8

struct fx_arg {
	const char *key;
	const char *value;
};

struct fx_request {
	char line[FX_IPC_MAX_LINE];
	const char *verb;
	struct fx_arg args[FX_IPC_MAX_ARGS];
	size_t n_args;
	/* The descriptors that came with the line (the daemon fills them in
	 * after parsing; they stay the connection's, which closes them). */
	const int *fds;
	size_t n_fds;
	/* Who sent it (the daemon fills it in from the socket's credentials). */
	uid_t uid;
	bool privileged; /* root or group fexyn */
};

/*
 * A request's words hold no spaces or control characters. A value that may
 * (a file's path, shown back in messages) travels with those bytes, '%' and
 * everything above 0x7e written as %XX. Decoding refuses a malformed escape
 * and a control character. Both return 0, or -ENOSPC / -EINVAL.
 */
int fx_ipc_encode(const char *in, char *out, size_t cap);
int fx_ipc_decode(const char *in, char *out, size_t cap);

/* Parses len bytes (no newline) into req, which keeps pointers into its own copy. */
int fx_request_parse(const char *text, size_t len, struct fx_request *req, struct fx_err *err);

/* Client side: sends request (without newline), reads the whole reply into a
 * malloc'd NUL-terminated buffer. */
int fx_ipc_call(const char *socket_path, const char *request, char **reply, size_t *reply_len);
/* The same, passing n_fds (at most FX_IPC_MAX_FDS) descriptors with the
 * request line, in one sendmsg; they stay the caller's to close. */
int fx_ipc_call_fds(const char *socket_path, const char *request, const int *fds, size_t n_fds,
		    char **reply, size_t *reply_len);

/* Client side: connects and sends request (without newline); returns the
 * socket to read a streamed reply from (fexyn events), or a negative errno. */
int fx_ipc_open(const char *socket_path, const char *request);
int fx_ipc_open_fds(const char *socket_path, const char *request, const int *fds, size_t n_fds);
/* Sends request and a newline on a connected socket, the descriptors with
 * them. A peer that closed first is no error here: its reason, if it gave
 * one, is the reply. */
int fx_ipc_send(int fd, const char *request, const int *fds, size_t n_fds);
/* Reads the whole reply into a malloc'd NUL-terminated buffer, also a
 * refusal that the daemon sent before it closed with our request unread. */
int fx_ipc_read_reply(int fd, char **reply, size_t *reply_len);

/* Client side: splits a reply into its status and body; returns 0 for ok,
 * -EREMOTEIO for an error reply (message in err), -EPROTO if malformed. */
int fx_reply_split(char *reply, char **body, struct fx_err *err);
