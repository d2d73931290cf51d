/* SPDX-License-Identifier: MIT */
/* A stand-in for systemd's service manager: notify socket, fd store, socket activation. */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sdemu.h"

struct stored_fd {
	int	 fd;
	char	*name;
};

struct sdemu {
	char			 sock_path[108];
	char			 notify_path[108];
	int			 listen_fd;
	int			 notify_fd;
	pid_t			 pid;
	bool			 ready;
	unsigned		 watchdogs;
	char			 status[256];
	struct stored_fd	*stored;
	size_t			 nstored;
};

static int
unix_socket_at(const char *path, int type, struct sockaddr_un *sa)
{
	int	fd;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int
sdemu_new(const char *dir, struct sdemu **ret)
{
	struct sockaddr_un	 sa;
	struct sdemu		*m;
	int			 r;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->listen_fd = m->notify_fd = -1;
	m->pid = -1;
	snprintf(m->sock_path, sizeof(m->sock_path), "%s/mviewd.sock", dir);
	snprintf(m->notify_path, sizeof(m->notify_path), "%s/notify", dir);
	if ((r = unix_socket_at(m->sock_path, SOCK_SEQPACKET, &sa)) < 0)
		goto fail;
	m->listen_fd = r;
	if (listen(m->listen_fd, 128) < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = unix_socket_at(m->notify_path, SOCK_DGRAM, &sa)) < 0)
		goto fail;
	m->notify_fd = r;
	*ret = m;
	return 0;
fail:
	sdemu_free(m);
	return r;
}

void
sdemu_free(struct sdemu *m)
{
	if (m == NULL)
		return;
	if (m->pid > 0)
		sdemu_stop(m, SIGKILL);
	for (size_t i = 0; i < m->nstored; i++) {
		close(m->stored[i].fd);
		free(m->stored[i].name);
	}
	free(m->stored);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->notify_fd >= 0)
		close(m->notify_fd);
	unlink(m->sock_path);
	unlink(m->notify_path);
	free(m);
}

const char *
sdemu_socket_path(const struct sdemu *m)
{
	return m->sock_path;
}

pid_t
sdemu_pid(const struct sdemu *m)
{
	return m->pid;
}

size_t
sdemu_nstored(const struct sdemu *m)
{
	return m->nstored;
}

int
sdemu_stored_fd(const struct sdemu *m, const char *name)
{
	for (size_t i = 0; i < m->nstored; i++)
		if (strcmp(m->stored[i].name, name) == 0)
			return m->stored[i].fd;
	return -1;
}

const char *
sdemu_status(const struct sdemu *m)
{
	return m->status;
}

unsigned
sdemu_watchdog_count(const struct sdemu *m)
{
	return m->watchdogs;
}

static void
store_remove(struct sdemu *m, const char *name)
{
	size_t	j = 0;

	for (size_t i = 0; i < m->nstored; i++) {
		if (strcmp(m->stored[i].name, name) == 0) {
			close(m->stored[i].fd);
			free(m->stored[i].name);
		} else
			m->stored[j++] = m->stored[i];
	}
	m->nstored = j;
}

static int
store_add(struct sdemu *m, int fd, const char *name)
{
	struct stored_fd	*n;

	n = realloc(m->stored, (m->nstored + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	m->stored = n;
	if ((n[m->nstored].name = strdup(name)) == NULL)
		return -ENOMEM;
	n[m->nstored++].fd = fd;
	return 0;
}

/* Is "KEY=value" present as a line of msg? Returns value or NULL. */
static const char *
notify_field(const char *msg, const char *key, char *buf, size_t len)
{
	size_t		 klen = strlen(key);
	const char	*p = msg;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t	    l = eol ? (size_t)(eol - p) : strlen(p);

		if (l > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vl = l - klen - 1 < len - 1 ? l - klen - 1 : len - 1;
			memcpy(buf, p + klen + 1, vl);
			buf[vl] = '\0';
			return buf;
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

static void
notify_handle(struct sdemu *m, const char *msg, int *fds, size_t nfds)
{
	char	v[256], name[256];
	bool	keep = false;

	if (notify_field(msg, "READY", v, sizeof(v)) && strcmp(v, "1") == 0)
		m->ready = true;
	if (notify_field(msg, "WATCHDOG", v, sizeof(v)) && strcmp(v, "1") == 0)
		m->watchdogs++;
	if (notify_field(msg, "STATUS", v, sizeof(v)))
		snprintf(m->status, sizeof(m->status), "%s", v);
	if (!notify_field(msg, "FDNAME", name, sizeof(name)))
		strcpy(name, "stored");
	if (notify_field(msg, "FDSTOREREMOVE", v, sizeof(v)) && strcmp(v, "1") == 0)
		store_remove(m, name);
	if (notify_field(msg, "FDSTORE", v, sizeof(v)) && strcmp(v, "1") == 0) {
		keep = true;
		for (size_t i = 0; i < nfds; i++)
			if (store_add(m, fds[i], name) < 0)
				close(fds[i]);
	}
	if (!keep)
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
}

/* Read one notify datagram, if any. Returns 1 if one was handled. */
static int
notify_read(struct sdemu *m)
{
	char		 buf[4096];
	union {
		char		c[CMSG_SPACE(sizeof(int) * 253)];
		struct cmsghdr	align;
	} ctl;
	struct iovec	 iov = { buf, sizeof(buf) - 1 };
	struct msghdr	 mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.c, .msg_controllen = sizeof(ctl.c) };
	struct cmsghdr	*c;
	int		 fds[253];
	size_t		 nfds = 0;
	ssize_t		 n;

	n = recvmsg(m->notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	buf[n] = '\0';
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && nfds < 253; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	notify_handle(m, buf, fds, nfds);
	return 1;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Handle messages until timeout_ms passes, or READY=1 when until_ready. */
static int
pump_until(struct sdemu *m, int timeout_ms, bool until_ready)
{
	int64_t	deadline = now_ms() + timeout_ms;
	int	r, st;

	for (;;) {
		struct pollfd	pfd = { .fd = m->notify_fd, .events = POLLIN };
		int64_t		left;

		while ((r = notify_read(m)) > 0)
			;
		if (r < 0)
			return r;
		if (until_ready && m->ready)
			return 0;
		if (m->pid > 0 && waitpid(m->pid, &st, WNOHANG) == m->pid) {
			m->pid = -1;
			while (notify_read(m) > 0)
				;
			return -ECHILD;
		}
		if ((left = deadline - now_ms()) <= 0)
			return until_ready ? -ETIMEDOUT : 0;
		/* Wake at least every 20 ms to notice the service dying. */
		if (poll(&pfd, 1, left > 20 ? 20 : (int)left) < 0 && errno != EINTR)
			return -errno;
	}
}

int
sdemu_pump(struct sdemu *m, int timeout_ms)
{
	return pump_until(m, timeout_ms, false);
}

/* In the child: move the passed fds to 3.. and exec. Never returns. */
static void
child_exec(struct sdemu *m, char *const argv[])
{
	size_t	 n = 1 + m->nstored;
	int	*tmp = calloc(n, sizeof(int));
	char	 names[65536] = "mviewd.socket", num[32];

	if (tmp == NULL)
		_exit(127);
	tmp[0] = fcntl(m->listen_fd, F_DUPFD, 3 + (int)n);
	for (size_t i = 0; i < m->nstored; i++) {
		tmp[i + 1] = fcntl(m->stored[i].fd, F_DUPFD, 3 + (int)n);
		strncat(names, ":", sizeof(names) - strlen(names) - 1);
		strncat(names, m->stored[i].name, sizeof(names) - strlen(names) - 1);
	}
	for (size_t i = 0; i < n; i++)
		if (tmp[i] < 0 || dup2(tmp[i], 3 + (int)i) < 0)
			_exit(127);
	snprintf(num, sizeof(num), "%zu", n);
	setenv("LISTEN_FDS", num, 1);
	setenv("LISTEN_FDNAMES", names, 1);
	snprintf(num, sizeof(num), "%d", (int)getpid());
	setenv("LISTEN_PID", num, 1);
	setenv("NOTIFY_SOCKET", m->notify_path, 1);
	execv(argv[0], argv);
	_exit(127);
}

int
sdemu_start(struct sdemu *m, char *const argv[], int timeout_ms)
{
	pid_t	pid;

	if (m->pid > 0)
		return -EBUSY;
	m->ready = false;
	m->watchdogs = 0;
	m->status[0] = '\0';
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0)
		child_exec(m, argv);
	m->pid = pid;
	return pump_until(m, timeout_ms, true);
}

int
sdemu_stop(struct sdemu *m, int sig)
{
	int	st;

	if (m->pid <= 0)
		return -ESRCH;
	if (kill(m->pid, sig) < 0 && errno != ESRCH)
		return -errno;
	while (waitpid(m->pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	m->pid = -1;
	while (notify_read(m) > 0)	/* messages sent before it died count */
		;
	return st;
}
