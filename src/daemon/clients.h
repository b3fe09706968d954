/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The control socket's clients: who is let in, what they sent, what is
 * still to be sent to them. Nothing here blocks. Reads and writes are
 * non-blocking; what the socket does not take waits in the client's output
 * buffer and goes out on EPOLLOUT; a client that does not keep up (over its
 * buffer's cap, or idle too long) is dropped. A client that stops reading
 * can therefore cost the daemon some memory, never time.
 *
 * A connection carries one request line, with the file descriptors that
 * came with it (SCM_RIGHTS; the CLI passes opened config files, so that
 * fexynd never opens a path for a client): those received by the reads up
 * to and including the one that completes the line. Once the line is
 * taken, nothing more is read from the client — what it sends later,
 * descriptors included, stays in the kernel, charged to it, and is freed
 * with the socket. A subscriber (fexyn events) stays to receive event
 * lines; anyone else is closed once the reply is out.
 *
 * Slots are kept for the privileged (root and group fexyn, who may change
 * things) and for root alone, so that unprivileged users, however many,
 * can never lock out the one who must turn the kill switch off.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc.h"

#define FX_MAX_CLIENTS 64
/* Unprivileged users together hold at most FX_MAX_CLIENTS minus this. */
#define FX_CLIENTS_PRIVILEGED_RESERVE 16
/* Everyone but root together holds at most FX_MAX_CLIENTS minus this. */
#define FX_CLIENTS_ROOT_RESERVE 4
#define FX_MAX_CLIENTS_PER_USER 8        /* root is not limited */
#define FX_MAX_SUBSCRIBERS_PER_USER 2    /* for unprivileged users */
/* A request must be sent and its reply read within this time; a
 * subscriber's pending events must move at least this often. */
#define FX_CLIENT_IDLE_MS 5000
#define FX_SUBSCRIBER_MAX_PENDING (64 * 1024)

struct fx_outbuf {
	char *buf;
	size_t off, len, cap; /* buf[off, len) is still to be sent */
};

struct fx_client {
	int fd; /* -1: free slot */
	uid_t uid;
	bool privileged; /* root or group fexyn: may change things */
	bool subscribed; /* fexyn events: kept open, sent a line per change */
	bool answered;   /* its request line was handled: nothing more is read */
	bool fds_refused; /* more descriptors came than a request may carry */
	uint32_t watching; /* the epoll events asked for */
	uint64_t accepted_ms;
	uint64_t stalled_ms; /* when output last could not all be sent; 0: none pending */
	size_t in_len;
	char in[FX_IPC_MAX_LINE];
	size_t n_fds;
	int fds[FX_IPC_MAX_FDS]; /* received with the request; closed once it is handled */
	struct fx_outbuf out;
};

struct fx_clients {
	int epfd;
	gid_t fexyn_gid; /* group fexyn, or (gid_t)-1 */
	struct fx_client slot[FX_MAX_CLIENTS];
};

/* What the table holds, counted for one caller (the admission's input). */
struct fx_client_counts {
	size_t total;
	size_t root;
	size_t unprivileged;
	size_t of_user;
	size_t subscribers_of_user;
};

enum fx_admit {
	FX_ADMIT_OK,
	FX_ADMIT_FULL,        /* every slot is taken */
	FX_ADMIT_RESERVED,    /* the free slots are kept for root (and group fexyn) */
	FX_ADMIT_USER,        /* this user holds its share of connections */
	FX_ADMIT_SUBSCRIBERS, /* this user holds its share of subscriptions */
};

/* The admission policy, pure: may a new connection of uid come in? */
enum fx_admit fx_admit_client(const struct fx_client_counts *n, uid_t uid, bool privileged);
/* May a client of uid, already in the table, subscribe to events? */
enum fx_admit fx_admit_subscriber(const struct fx_client_counts *n, uid_t uid, bool privileged);
/* The refusal's words (no newline), "" for FX_ADMIT_OK. */
const char *fx_admit_message(enum fx_admit a);

void fx_clients_init(struct fx_clients *t, int epfd, gid_t fexyn_gid);
/* Drops every client. */
void fx_clients_done(struct fx_clients *t);

void fx_clients_count(const struct fx_clients *t, uid_t uid, struct fx_client_counts *n);
size_t fx_clients_subscribers(const struct fx_clients *t);

/* Accepts what waits on listen_fd (a bounded number per call); refusals
 * get one error line, without blocking, and are closed. */
void fx_clients_accept(struct fx_clients *t, int listen_fd);
/* Admits a connected socket (made non-blocking here) of uid; the socket is
 * the table's from now on. Returns the client, or NULL when it was refused. */
struct fx_client *fx_clients_add(struct fx_clients *t, int fd, uid_t uid, bool privileged);
struct fx_client *fx_clients_find(struct fx_clients *t, int fd);

/*
 * Reads what the client sent. Returns 1 when its request line is complete
 * (c->in, *line_len bytes without the newline; a line that fills the whole
 * buffer comes back as it is, to be refused as too long), 0 when more is
 * needed, or a negative errno when the client is gone (it was dropped).
 */
int fx_clients_read(struct fx_clients *t, struct fx_client *c, size_t *line_len);
/* Closes the descriptors the client's request came with. */
void fx_clients_close_fds(struct fx_client *c);

/*
 * Queues the answer to the client's request, closes the descriptors that
 * came with it and stops reading from the client; sends what the socket
 * takes now. A client that is not subscribed is closed once all of it is
 * sent. Returns 0 while the client stays open, a negative errno once it is
 * closed (done, or dropped).
 */
int fx_clients_answer(struct fx_clients *t, struct fx_client *c, const char *data, size_t len);
/* Queues an event line for one subscriber, or for all when only is NULL.
 * A subscriber whose unsent events would pass the cap is dropped. */
void fx_clients_send_event(struct fx_clients *t, struct fx_client *only, const char *line, size_t len);
/* Sends what is pending (on EPOLLOUT). Returns 0 while the client stays
 * open, a negative errno once it is closed (done, or dropped). */
int fx_clients_flush(struct fx_clients *t, struct fx_client *c);

void fx_clients_drop(struct fx_clients *t, struct fx_client *c);
/* Drops the clients that have been idle too long. */
void fx_clients_expire(struct fx_clients *t, uint64_t now_ms);
/* Whether some client can expire, so that the loop must wake up for it. */
bool fx_clients_timing(const struct fx_clients *t);
