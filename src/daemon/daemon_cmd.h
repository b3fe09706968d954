/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The control socket's verbs, status and events (daemon_cmd.c). */
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "reply.h"

/* Serves client c on the epoll events its socket reported: reads its
 * request, answers it, sends what is pending. */
void fx_daemon_serve(struct fx_daemon *d, struct fx_client *c, uint32_t events);
/* Answers one request line from client c, with the descriptors it brought. */
void fx_daemon_handle_request(struct fx_daemon *d, struct fx_client *c, const char *line, size_t len);
/* Queues for fexyn events subscribers (only one, unless NULL) a line about
 * the current state. */
void fx_daemon_send_event(struct fx_daemon *d, struct fx_client *only);
/* Writes the status as key=value lines. */
void fx_daemon_status_lines(struct fx_daemon *d, struct fx_reply *reply);
