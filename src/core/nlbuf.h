/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Netlink receive and build buffers. libmnl's MNL_SOCKET_BUFFER_SIZE is a
 * sysconf() call, which would make every stack buffer a variable-length
 * array; the kernel never sends a single message larger than this.
 */
#define FX_NL_BUF 8192
