/* SPDX-License-Identifier: MIT */
/* The notify socket without blocking: messages queued in order while the service manager does not read. */
#ifndef MVIEWD_NOTIFY_QUEUE_H
#define MVIEWD_NOTIFY_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;

/*
 * Messages wait here, in order, while the manager's socket queue is full
 * (net.unix.max_dgram_qlen datagrams). At most this many: then new fd
 * store entries are refused (-EAGAIN) and status and watchdog pings
 * dropped; removals always queue (they only follow what exists).
 */
#define NOTIFY_QUEUE_MAX	1024

enum notify_kind {
	NOTIFY_STATE,		/* READY=1, STATUS=, STOPPING=1, WATCHDOG=1 */
	NOTIFY_STORE,		/* FDSTORE=1 with an fd */
	NOTIFY_STORE_REMOVE,	/* FDSTOREREMOVE=1 */
};

/*
 * Connect a non-blocking datagram socket to $NOTIFY_SOCKET (a path or an
 * abstract "@name"). 0, -ENOTCONN when unset, -EAFNOSUPPORT for an
 * address kind we do not speak (the caller then blocks in libsystemd),
 * or -errno.
 */
int	notify_queue_open(void);
bool	notify_queue_is_open(void);

/* Drain the queue from base whenever the socket can take more. */
int	notify_queue_attach(struct event_base *base);

/*
 * Send text (with fd when kind is NOTIFY_STORE; it is duplicated when it
 * must wait) now if nothing waits and the socket takes it, else queue it.
 * name is the FDNAME= of STORE and STORE_REMOVE messages: a removal
 * cancels a store of the same name still waiting (its fd is never sent),
 * and is sent too. 0, -EAGAIN (queue full), or -errno when the manager
 * is gone.
 */
int	notify_queue_send(enum notify_kind kind, const char *text, int fd,
	    const char *name);

/* Messages waiting. */
size_t	notify_queue_pending(void);

/* At shutdown: wait up to timeout_ms for the queue to drain; returns the
 * number of messages still waiting, which are then dropped. */
size_t	notify_queue_flush(int timeout_ms);

void	notify_queue_close(void);

#endif /* MVIEWD_NOTIFY_QUEUE_H */
