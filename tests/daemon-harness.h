/* SPDX-License-Identifier: MIT */
/* Integration-test harness: a real mviewd on a private socket, always stopped. */
#ifndef MVIEW_TESTS_DAEMON_HARNESS_H
#define MVIEW_TESTS_DAEMON_HARNESS_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>

/*
 * One running daemon. dir is a fresh mkdtemp directory holding the socket;
 * both go when the daemon is stopped.
 */
struct harness_daemon {
	pid_t	pid;			/* -1 when not running */
	int	pidfd;			/* -1 when none */
	char	dir[200];
	char	socket[256];		/* dir/mviewd.sock */
};

/*
 * Start $MVIEW_TOP_BUILDDIR/daemon/mviewd (or $MVIEWD) on dir/mviewd.sock
 * with extra_argv (NULL-terminated, may be NULL) appended, in its own
 * process group, and wait until it says it is ready (a byte on
 * --ready-fd) or dies; never by sleeping. The socket
 * directory is world-searchable and the socket world-connectable so that a
 * child running as another uid can reach it; the daemon does the
 * permission checks. $MVIEW_DAEMON_WRAPPER (e.g. "valgrind -q") is
 * prepended when set. The daemon is registered for the atexit/alarm
 * cleanup. Returns 0 or -errno.
 */
int	harness_daemon_start(struct harness_daemon *d,
	    const char *const *extra_argv);

/* As harness_daemon_start(); without HARNESS_OPEN_TO_ALL the directory
 * stays 0700 and the socket as the daemon made it. */
#define HARNESS_OPEN_TO_ALL	(1u << 0)
int	harness_daemon_start_flags(struct harness_daemon *d,
	    const char *const *extra_argv, unsigned flags);

/*
 * SIGTERM, wait up to the harness timeout, SIGKILL if needed, reap, and
 * remove the directory. Returns the daemon's exit status (0 on a clean
 * exit), 128+signal when it had to be killed or died of a signal, or
 * -errno. Safe on a daemon that is not running.
 */
int	harness_daemon_stop(struct harness_daemon *d);

/* True while the daemon process is alive (not yet exited). */
bool	harness_daemon_alive(struct harness_daemon *d);

/* Number of open fds of pid (entries in /proc/PID/fd), or -errno. */
int	harness_count_fds(pid_t pid);
/* Each fd of pid and what it points to, on stderr (when a count is off). */
void	harness_print_fds(pid_t pid);

/*
 * Kill every daemon still registered and the test itself after seconds
 * (0: the default from $MVIEW_TEST_TIMEOUT, else 60): a hung test fails
 * instead of hanging make check, and leaves nothing behind.
 */
void	harness_watchdog(unsigned seconds);

/* The per-operation timeout in milliseconds ($MVIEW_TEST_TIMEOUT_MS, else 10000). */
int	harness_timeout_ms(void);

/*
 * Run fn(arg) in a forked child as uid/gid (supplementary groups dropped)
 * and return what it returned (0..255, via the exit status), or -errno if
 * the child could not be run, 128+signal when it died of a signal. The
 * child never returns into the caller (it _exits). uid/gid -1: unchanged.
 */
int	harness_run_as(uid_t uid, gid_t gid, int (*fn)(void *), void *arg);

/*
 * As harness_run_as() without waiting: returns the child's pid or -errno.
 * The child is killed if the test process dies (PR_SET_PDEATHSIG).
 */
pid_t	harness_child_start(uid_t uid, gid_t gid, int (*fn)(void *), void *arg);

/* Reap a child: what fn returned (0..255), 128+signal, or -errno. */
int	harness_child_wait(pid_t pid);

/* Monotonic milliseconds, for deadlines. */
long long harness_now_ms(void);

#endif /* MVIEW_TESTS_DAEMON_HARNESS_H */
