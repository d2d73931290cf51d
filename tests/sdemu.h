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
/* A test's end: a running service is stopped with SIGTERM (a clean exit,
 * as valgrind's leak check wants; sdemu_free() SIGKILLs), then m is
 * freed. Accepts NULL. */
void	sdemu_finish(struct sdemu *m);

/* Path of the listening socket clients connect to. */
const char *sdemu_socket_path(const struct sdemu *m);

/*
 * Start argv (argv[0] a path) as the service: the listener and every
 * stored fd are passed as fds 3.. with LISTEN_FDS/LISTEN_FDNAMES/
 * LISTEN_PID (no other fd of the caller), NOTIFY_SOCKET points at the
 * notify socket. Waits until the service sends READY=1, it exits
 * (-ECHILD), or timeout_ms passes (-ETIMEDOUT). Notify messages (FDSTORE,
 * STATUS, ...) are handled by a thread of the manager at all times, so
 * the caller may talk to the service without pumping; the functions
 * here may be called from any thread.
 */
int	sdemu_start(struct sdemu *m, char *const argv[], int timeout_ms);

/*
 * Fill argv (max entries with the NULL that ends it) with mviewd's
 * command line for sdemu_start(): the words of $MVIEW_DAEMON_WRAPPER
 * (e.g. "valgrind -q"), then $MVIEWD or $MVIEW_TOP_BUILDDIR/daemon/mviewd,
 * then args (NULL-terminated). The path and the words are copied into
 * buf, which argv points into. Returns 0, -ENAMETOOLONG or -E2BIG.
 */
int	sdemu_mviewd_argv(char *buf, size_t len, char *argv[], size_t max,
	    char *const args[]);

/* Wait timeout_ms (0: handle what is pending now). -ECHILD when the
 * service died meanwhile (it is reaped). */
int	sdemu_pump(struct sdemu *m, int timeout_ms);

/* Send sig to the service and reap it (SIGKILL for a crash). Returns its
 * wait status, or -errno. The fd store survives, as under systemd with
 * FileDescriptorStorePreserve=yes. */
int	sdemu_stop(struct sdemu *m, int sig);

/* Stop (stall) or resume reading the notify socket, as a busy PID 1:
 * the service's messages pile up in the socket until it is full. */
void	sdemu_stall(struct sdemu *m, bool stall);

pid_t	sdemu_pid(const struct sdemu *m);

/* Close every stored fd, as systemd before 254 does when the service
 * stops (it ignores FileDescriptorStorePreserve=). Call between a
 * sdemu_stop() and the next sdemu_start(). */
void	sdemu_drop_store(struct sdemu *m);
size_t	sdemu_nstored(const struct sdemu *m);
/* The fd stored under name, or -1. Owned by the manager. */
int	sdemu_stored_fd(const struct sdemu *m, const char *name);
/* Stored fds whose name starts with prefix. */
size_t	sdemu_count_prefix(const struct sdemu *m, const char *prefix);
/* The name of stored fd i into buf; returns the number stored. */
size_t	sdemu_stored_name(const struct sdemu *m, size_t i, char *buf,
	    size_t len);
/* The last STATUS= text, "" if none (a copy, valid until the next call
 * in this thread). */
const char *sdemu_status(const struct sdemu *m);
/* STATUS= and WATCHDOG=1 messages seen since start. */
unsigned sdemu_status_count(const struct sdemu *m);
unsigned sdemu_watchdog_count(const struct sdemu *m);
/* FDNAME= values systemd would refuse (empty, > 255 bytes, ':', ...). */
unsigned sdemu_bad_names(const struct sdemu *m);

#endif /* MVIEW_TESTS_SDEMU_H */
