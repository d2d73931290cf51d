/* SPDX-License-Identifier: MIT */
/* Integration-test harness: start mviewd privately, wait for --ready-fd, always stop it. */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon-harness.h"

#define HARNESS_MAX_DAEMONS	8
#define HARNESS_MAX_ARGS	64

/* Daemons to kill at exit or on the watchdog; only the starting process does. */
static struct harness_daemon	*harness_daemons[HARNESS_MAX_DAEMONS];
static pid_t			 harness_owner;
static bool			 harness_atexit_done;

long long
harness_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
harness_timeout_ms(void)
{
	const char	*s = getenv("MVIEW_TEST_TIMEOUT_MS");
	long		 v;

	if (s != NULL && (v = strtol(s, NULL, 10)) > 0 && v < 3600000)
		return (int)v;
	return 10000;
}

static void
harness_register(struct harness_daemon *d)
{
	for (size_t i = 0; i < HARNESS_MAX_DAEMONS; i++) {
		if (harness_daemons[i] == NULL) {
			harness_daemons[i] = d;
			return;
		}
	}
}

static void
harness_unregister(struct harness_daemon *d)
{
	for (size_t i = 0; i < HARNESS_MAX_DAEMONS; i++)
		if (harness_daemons[i] == d)
			harness_daemons[i] = NULL;
}

/* Remove every entry of dir (flat: the harness makes no subdirectories), then dir. */
static void
harness_rmdir(const char *dir)
{
	DIR		*dp;
	struct dirent	*de;
	char		 path[PATH_MAX];

	if (dir[0] == '\0')
		return;
	if ((dp = opendir(dir)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(dp);
	}
	rmdir(dir);
}

static void
harness_atexit(void)
{
	if (harness_atexit_done || getpid() != harness_owner)
		return;
	harness_atexit_done = true;
	for (size_t i = 0; i < HARNESS_MAX_DAEMONS; i++)
		if (harness_daemons[i] != NULL)
			harness_daemon_stop(harness_daemons[i]);
}

/* Async-signal-safe: kill, reap, unlink the known names, leave. */
static void
harness_alarm(int sig)
{
	static const char msg[] = "harness: test timed out, killing mviewd\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing to do about it */
	}
	for (size_t i = 0; i < HARNESS_MAX_DAEMONS; i++) {
		struct harness_daemon *d = harness_daemons[i];

		if (d == NULL || d->pid <= 0)
			continue;
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		unlink(d->socket);
		rmdir(d->dir);
	}
	_exit(1);
}

void
harness_watchdog(unsigned seconds)
{
	struct sigaction sa;
	const char	*s;

	if (seconds == 0) {
		s = getenv("MVIEW_TEST_TIMEOUT");
		seconds = (s != NULL && atoi(s) > 0) ? (unsigned)atoi(s) : 60;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = harness_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
}

int
harness_count_fds(pid_t pid)
{
	char		 path[64];
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((dp = opendir(path)) == NULL)
		return -errno;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

void
harness_print_fds(pid_t pid)
{
	char		 path[320], target[256];
	DIR		*dp;
	struct dirent	*de;
	ssize_t		 n;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((dp = opendir(path)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/fd/%s", (long)pid,
		    de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "#   fd %s -> %s\n", de->d_name, target);
	}
	closedir(dp);
}

/* Split $MVIEW_DAEMON_WRAPPER on spaces into argv (buf keeps the words). */
static size_t
harness_wrapper_argv(char *buf, size_t len, const char **argv, size_t max)
{
	const char	*w = getenv("MVIEW_DAEMON_WRAPPER");
	size_t		 n = 0;
	char		*save, *tok;

	if (w == NULL || *w == '\0' || strlen(w) >= len)
		return 0;
	strcpy(buf, w);
	for (tok = strtok_r(buf, " ", &save); tok != NULL && n < max;
	    tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	return n;
}

static int
harness_daemon_path(char *buf, size_t len)
{
	const char	*p = getenv("MVIEWD");
	const char	*top = getenv("MVIEW_TOP_BUILDDIR");
	int		 n;

	if (p != NULL && *p != '\0')
		n = snprintf(buf, len, "%s", p);
	else
		n = snprintf(buf, len, "%s/daemon/mviewd", top ? top : ".");
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

/* The daemon's fd for --ready-fd: the first one after stdio. */
#define HARNESS_READY_FD	3
#define HARNESS_READY_FD_ARG	"3"

static void
harness_exec_child(const char **argv, int ready_fd, pid_t parent)
{
	int	null;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* A terminal's ^C is for the test or the command; the harness stops us. */
	setpgid(0, 0);
	if ((null = open("/dev/null", O_RDONLY)) >= 0) {
		dup2(null, STDIN_FILENO);
		if (null != STDIN_FILENO)
			close(null);
	}
	/* The daemon must see exactly its own fds: counts in tests rely on it. */
	if (ready_fd == HARNESS_READY_FD)
		fcntl(ready_fd, F_SETFD, 0);
	else if (dup2(ready_fd, HARNESS_READY_FD) < 0)
		_exit(127);
	syscall(SYS_close_range, HARNESS_READY_FD + 1, ~0U, 0U);
	/* Never tell an outer service manager about this daemon. */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "harness: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Wait for the byte on the ready pipe. 0, -ECHILD (the daemon died or
 * closed the pipe without writing), -ETIMEDOUT.
 */
static int
harness_wait_ready(struct harness_daemon *d, int rfd)
{
	long long	deadline = harness_now_ms() + harness_timeout_ms();
	struct pollfd	pfd = { .fd = rfd, .events = POLLIN };
	char		b;
	ssize_t		n;
	int		r;

	for (;;) {
		long long left = deadline - harness_now_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = read(rfd, &b, 1);
		if (n == 1)
			return 0;
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
			harness_daemon_alive(d);	/* reports how it ended */
			return -ECHILD;
		}
	}
}

bool
harness_daemon_alive(struct harness_daemon *d)
{
	int	status;
	pid_t	r;

	if (d->pid <= 0)
		return false;
	r = waitpid(d->pid, &status, WNOHANG);
	if (r == 0)
		return true;
	if (r == d->pid) {
		fprintf(stderr, "harness: mviewd %ld exited early (%s %d)\n",
		    (long)d->pid, WIFEXITED(status) ? "status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		d->pid = -1;
	}
	return false;
}

static int
harness_spawn(struct harness_daemon *d, const char *const *extra,
    int ready_fd)
{
	const char	*argv[HARNESS_MAX_ARGS];
	char		 wrapbuf[512], daemon[PATH_MAX];
	size_t		 n;
	pid_t		 parent = getpid();
	int		 r;

	if ((r = harness_daemon_path(daemon, sizeof(daemon))) < 0)
		return r;
	n = harness_wrapper_argv(wrapbuf, sizeof(wrapbuf), argv,
	    HARNESS_MAX_ARGS / 2);
	argv[n++] = daemon;
	argv[n++] = "--socket";
	argv[n++] = d->socket;
	argv[n++] = "--ready-fd";
	argv[n++] = HARNESS_READY_FD_ARG;
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (n >= HARNESS_MAX_ARGS - 1)
			return -E2BIG;
		argv[n++] = extra[i];
	}
	argv[n] = NULL;
	fflush(NULL);
	if ((d->pid = fork()) < 0) {
		r = -errno;
		d->pid = -1;
		return r;
	}
	if (d->pid == 0)
		harness_exec_child(argv, ready_fd, parent);
	d->pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
	return 0;
}

int
harness_daemon_start(struct harness_daemon *d, const char *const *extra_argv)
{
	return harness_daemon_start_flags(d, extra_argv, HARNESS_OPEN_TO_ALL);
}

int
harness_daemon_start_flags(struct harness_daemon *d,
    const char *const *extra_argv, unsigned flags)
{
	const char	*tmp = getenv("TMPDIR");
	int		 ready[2] = { -1, -1 }, r;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	d->pidfd = -1;
	if (harness_owner == 0) {
		harness_owner = getpid();
		atexit(harness_atexit);
	}
	/* A socket path must fit sockaddr_un: fall back to /tmp for a long $TMPDIR. */
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 60)
		tmp = "/tmp";
	snprintf(d->dir, sizeof(d->dir), "%s/mview-test.XXXXXX", tmp);
	if (mkdtemp(d->dir) == NULL) {
		r = -errno;
		d->dir[0] = '\0';
		return r;
	}
	/* Another uid (the permission tests) must reach the socket. */
	if ((flags & HARNESS_OPEN_TO_ALL) && chmod(d->dir, 0711) < 0)
		goto fail_errno;
	snprintf(d->socket, sizeof(d->socket), "%s/mviewd.sock", d->dir);
	if (pipe2(ready, O_CLOEXEC) < 0)
		goto fail_errno;
	harness_register(d);
	if ((r = harness_spawn(d, extra_argv, ready[1])) < 0)
		goto fail;
	close(ready[1]);
	ready[1] = -1;
	if ((r = harness_wait_ready(d, ready[0])) < 0) {
		fprintf(stderr, "harness: mviewd not ready: %s\n", strerror(-r));
		goto fail;
	}
	close(ready[0]);
	if ((flags & HARNESS_OPEN_TO_ALL) && chmod(d->socket, 0666) < 0) {
		r = -errno;
		fprintf(stderr, "harness: chmod %s: %s\n", d->socket, strerror(errno));
		harness_daemon_stop(d);
		return r;
	}
	return 0;

fail_errno:
	r = -errno;
fail:
	for (int i = 0; i < 2; i++)
		if (ready[i] >= 0)
			close(ready[i]);
	harness_daemon_stop(d);
	return r;
}

/* Wait for the child up to ms; true when it was reaped (status filled). */
static bool
harness_reap(struct harness_daemon *d, int ms, int *ret_status)
{
	long long	deadline = harness_now_ms() + ms;
	struct pollfd	pfd = { .fd = d->pidfd, .events = POLLIN };

	for (;;) {
		pid_t r = waitpid(d->pid, ret_status, WNOHANG);

		if (r == d->pid)
			return true;
		if (r < 0 && errno == ECHILD) {
			*ret_status = 0;
			return true;
		}
		long long left = deadline - harness_now_ms();
		if (left <= 0)
			return false;
		if (d->pidfd >= 0)
			poll(&pfd, 1, (int)left);
		else
			poll(NULL, 0, left < 20 ? (int)left : 20);
	}
}

int
harness_daemon_stop(struct harness_daemon *d)
{
	int	status = 0, ret = 0;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		if (!harness_reap(d, harness_timeout_ms(), &status)) {
			fprintf(stderr, "harness: mviewd %ld ignored SIGTERM, "
			    "killing it\n", (long)d->pid);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			ret = 128 + SIGKILL;
		} else if (WIFEXITED(status)) {
			ret = WEXITSTATUS(status);
		} else if (WIFSIGNALED(status)) {
			ret = 128 + WTERMSIG(status);
		}
		if (ret != 0)
			fprintf(stderr, "harness: mviewd %ld stopped with "
			    "status %d\n", (long)d->pid, ret);
		d->pid = -1;
	}
	if (d->pidfd >= 0) {
		close(d->pidfd);
		d->pidfd = -1;
	}
	harness_rmdir(d->dir);
	d->dir[0] = '\0';
	harness_unregister(d);
	return ret;
}

pid_t
harness_child_start(uid_t uid, gid_t gid, int (*fn)(void *), void *arg)
{
	pid_t	parent = getpid(), pid;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return -errno;
	if (pid > 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	if (gid != (gid_t)-1 && (setgroups(0, NULL) < 0 ||
	    setresgid(gid, gid, gid) < 0))
		_exit(126);
	if (uid != (uid_t)-1 && setresuid(uid, uid, uid) < 0)
		_exit(126);
	_exit(fn(arg) & 0xff);
}

int
harness_child_wait(pid_t pid)
{
	int	status;

	if (pid < 0)
		return pid;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int
harness_run_as(uid_t uid, gid_t gid, int (*fn)(void *), void *arg)
{
	return harness_child_wait(harness_child_start(uid, gid, fn, arg));
}
