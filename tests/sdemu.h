/* SPDX-License-Identifier: MIT */
/* A stand-in for systemd's service manager: notify socket, fd store, socket activation. */
#ifndef MVIEW_TESTS_SDEMU_H
#define MVIEW_TESTS_SDEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sdemu;

/*
 * Make a manager in directory dir: a SOCK_SEQPACKET listener at
 * dir/mviewd.sock (passed to the service as LISTEN_FDS, name
 * "mviewd.socket") and a notify socket at dir/notify.
 */
int	sdemu_new(const char *dir, struct sdemu **ret);
void	sdemu_free(struct sdemu *m);

/* Path of the listening socket clients connect to. */
const char *sdemu_socket_path(const struct sdemu *m);

/*
 * Start argv (argv[0] a path) as the service: the listener and every
 * stored fd are passed as fds 3.. with LISTEN_FDS/LISTEN_FDNAMES/
 * LISTEN_PID, NOTIFY_SOCKET points at the notify socket. Waits until the
 * service sends READY=1 (handling FDSTORE messages meanwhile), it exits
 * (-ECHILD), or timeout_ms passes (-ETIMEDOUT).
 */
int	sdemu_start(struct sdemu *m, char *const argv[], int timeout_ms);

/* Handle notify messages for up to timeout_ms (0: what is pending). */
int	sdemu_pump(struct sdemu *m, int timeout_ms);

/* Send sig to the service and reap it (SIGKILL for a crash). Returns its
 * wait status, or -errno. The fd store survives, as under systemd with
 * FileDescriptorStorePreserve=yes. */
int	sdemu_stop(struct sdemu *m, int sig);

pid_t	sdemu_pid(const struct sdemu *m);
size_t	sdemu_nstored(const struct sdemu *m);
/* The fd stored under name, or -1. Owned by the manager. */
int	sdemu_stored_fd(const struct sdemu *m, const char *name);
/* The last STATUS= text, "" if none. */
const char *sdemu_status(const struct sdemu *m);
/* WATCHDOG=1 messages seen since start. */
unsigned sdemu_watchdog_count(const struct sdemu *m);

#endif /* MVIEW_TESTS_SDEMU_H */
