/* SPDX-License-Identifier: MIT */
/* The service manager: readiness, status, watchdog and socket activation. */
#ifndef MVIEWD_NOTIFY_H
#define MVIEWD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

/* Log once at start-up when $NOTIFY_SOCKET / $LISTEN_FDS are set but
 * this build cannot use them (no libsystemd). */
void	notify_init(void);

/*
 * Messages to the manager never block the loop: while its socket is full
 * they wait in order (notify-queue.h) and base sends them when it reads
 * again. notify_shutdown() waits up to timeout_ms for them and returns
 * how many were lost.
 */
int	notify_attach(struct event_base *base);
size_t	notify_shutdown(int timeout_ms);

/* The fds the service manager passed ($LISTEN_FDS), with their names. */
struct notify_fd {
	int	 fd;		/* -1 once taken */
	char	*name;		/* "" when unnamed */
};

struct notify_fds {
	struct notify_fd	*v;
	size_t			 n;
};

/*
 * Every passed fd (socket activation and the fd store), CLOEXEC, with its
 * name. 0 (n may be 0) or -errno. Unsets the $LISTEN_* variables.
 */
int	notify_listen_fds(struct notify_fds *ret);

/* Take the first listening SOCK_SEQPACKET socket out of f: 0 and the fd,
 * or -ENOENT. */
int	notify_take_listener(struct notify_fds *f, int *ret_fd);

/* Close what nobody took (logged) and free. */
void	notify_fds_free(struct notify_fds *f);

/* Can fds be kept in the manager's fd store ($NOTIFY_SOCKET, libsystemd)? */
bool	notify_fdstore_enabled(void);
/* FDSTORE=1 with FDNAME=name (a valid name: <= 255 bytes, no ':'). 0
 * (sent or queued), -EAGAIN when too much waits already, or -errno. */
int	notify_fdstore_add(int fd, const char *name);
/* FDSTOREREMOVE=1: the manager closes every fd stored under name. */
int	notify_fdstore_remove(const char *name);

/* READY=1 with a STATUS= line, STATUS= alone, STOPPING=1. */
void	notify_ready(const char *status);
void	notify_status(const char *status);
void	notify_stopping(void);

/* The watchdog interval the manager asked for (0 and false: none). */
bool	notify_watchdog_usec(uint64_t *ret_usec);
void	notify_watchdog(void);

#endif /* MVIEWD_NOTIFY_H */
