/* SPDX-License-Identifier: MIT */
/* The service manager: readiness, status, watchdog and socket activation. */
#ifndef MVIEWD_NOTIFY_H
#define MVIEWD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/* Log once at start-up when $NOTIFY_SOCKET / $LISTEN_FDS are set but
 * this build cannot use them (no libsystemd). */
void	notify_init(void);

/*
 * The SOCK_SEQPACKET listener passed by socket activation: 0 and the fd,
 * or -ENOENT when none was passed. Other passed fds are closed (issue 5
 * will re-adopt the fd store here). Unsets the $LISTEN_* variables.
 */
int	notify_listen_fd(int *ret_fd);

/* READY=1 with a STATUS= line, STATUS= alone, STOPPING=1. */
void	notify_ready(const char *status);
void	notify_status(const char *status);
void	notify_stopping(void);

/* The watchdog interval the manager asked for (0 and false: none). */
bool	notify_watchdog_usec(uint64_t *ret_usec);
void	notify_watchdog(void);

#endif /* MVIEWD_NOTIFY_H */
