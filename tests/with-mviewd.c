/* SPDX-License-Identifier: MIT */
/*
 * with-mviewd: run a command against a private mviewd, for scripts (the
 * demo, the mviewctl test). Starts the daemon on a socket in a fresh
 * mkdtemp directory, waits until it is ready (--ready-fd), runs the command with
 * MVIEW_SOCKET and MVIEWD_PID set, then always stops the daemon (SIGTERM,
 * SIGKILL after a timeout) and removes the directory.
 *
 *   with-mviewd [--mviewd PATH] [--daemon-arg ARG]... -- COMMAND [ARG]...
 *
 * Exit status: the command's; 1 when the daemon did not start or did not
 * stop cleanly while the command succeeded; 2 for usage errors.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon-harness.h"

#define WITH_MAX_DAEMON_ARGS	32

static volatile sig_atomic_t with_child = -1;
static volatile sig_atomic_t with_signal;

/* Pass SIGINT/SIGTERM/SIGHUP on to the command; the daemon is stopped after. */
static void
with_forward_cb(int sig)
{
	with_signal = sig;
	if (with_child > 0)
		kill((pid_t)with_child, sig);
}

static void
with_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = with_forward_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int
with_run(char **argv, const struct harness_daemon *d)
{
	char	pid[32];
	pid_t	child;
	int	status;

	snprintf(pid, sizeof(pid), "%ld", (long)d->pid);
	if (setenv("MVIEW_SOCKET", d->socket, 1) < 0 ||
	    setenv("MVIEWD_PID", pid, 1) < 0) {
		perror("with-mviewd: setenv");
		return 1;
	}
	fflush(NULL);
	if ((child = fork()) < 0) {
		perror("with-mviewd: fork");
		return 1;
	}
	if (child == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "with-mviewd: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	with_child = child;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	with_child = -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: with-mviewd [--mviewd PATH] [--daemon-arg ARG]... "
	    "-- COMMAND [ARG]...\n");
}

int
main(int argc, char **argv)
{
	const char		*extra[WITH_MAX_DAEMON_ARGS + 1];
	struct harness_daemon	 d;
	size_t			 nextra = 0;
	int			 i, r, stopped;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--mviewd") == 0 && i + 1 < argc) {
			setenv("MVIEWD", argv[++i], 1);
		} else if (strcmp(argv[i], "--daemon-arg") == 0 && i + 1 < argc &&
		    nextra < WITH_MAX_DAEMON_ARGS) {
			extra[nextra++] = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i + 1 >= argc) {
		usage(stderr);
		return 2;
	}
	extra[nextra] = NULL;
	/* Before the daemon starts: a signal now must still clean up. */
	with_signals();
	if ((r = harness_daemon_start_flags(&d, extra, 0)) < 0) {
		fprintf(stderr, "with-mviewd: cannot start mviewd: %s\n",
		    strerror(-r));
		return 1;
	}
	r = with_signal ? 128 + with_signal : with_run(argv + i + 1, &d);
	stopped = harness_daemon_stop(&d);
	if (stopped != 0) {
		fprintf(stderr, "with-mviewd: mviewd did not stop cleanly "
		    "(status %d)\n", stopped);
		if (r == 0)
			r = 1;
	}
	return r;
}
