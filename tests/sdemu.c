/* SPDX-License-Identifier: MIT */
/* A stand-in for systemd's service manager: notify socket, fd store, socket activation. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
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

/*
 * A thread reads the notify socket all the time, as PID 1 does: the
 * service's sd_notify() blocks once net.unix.max_dgram_qlen (often 10)
 * datagrams wait unread, so a test busy talking to the service must not
 * be the one that reads them. Every public function takes the lock.
 */
struct sdemu {
	char			 sock_path[108];
	char			 notify_path[108];
	int			 listen_fd;
	int			 notify_fd;
	int			 stop_pipe[2];
	pthread_t		 thread;
	bool			 thread_running;
	pthread_mutex_t		 lock;
	pthread_cond_t		 resume;	/* stalled turned false, or quitting */
	bool			 stalled;	/* nobody reads the notify socket */
	bool			 quitting;
	pid_t			 pid;
	bool			 ready;
	unsigned		 watchdogs;
	unsigned		 statuses;
	unsigned		 bad_names;
	char			 status[256];
	struct stored_fd	*stored;
	size_t			 nstored;
};

static int	notify_read(struct sdemu *m);

static void *
reader_thread(void *arg)
{
	struct sdemu	*m = arg;

	for (;;) {
		struct pollfd	pfd[2] = {
			{ .fd = m->notify_fd, .events = POLLIN },
			{ .fd = m->stop_pipe[0], .events = POLLIN },
		};

		pthread_mutex_lock(&m->lock);
		while (m->stalled && !m->quitting)
			pthread_cond_wait(&m->resume, &m->lock);
		pthread_mutex_unlock(&m->lock);

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		pthread_mutex_lock(&m->lock);
		while (notify_read(m) > 0)
			;
		pthread_mutex_unlock(&m->lock);
	}
	return NULL;
}

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
	m->stop_pipe[0] = m->stop_pipe[1] = -1;
	m->pid = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->resume, NULL);
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
	if (pipe2(m->stop_pipe, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = -pthread_create(&m->thread, NULL, reader_thread, m)) < 0)
		goto fail;
	m->thread_running = true;
	*ret = m;
	return 0;
fail:
	sdemu_free(m);
	return r;
}

void
sdemu_finish(struct sdemu *m)
{
	if (m != NULL && sdemu_pid(m) > 0)
		sdemu_stop(m, SIGTERM);
	sdemu_free(m);
}

void
sdemu_free(struct sdemu *m)
{
	if (m == NULL)
		return;
	if (m->pid > 0)
		sdemu_stop(m, SIGKILL);
	if (m->thread_running) {
		pthread_mutex_lock(&m->lock);
		m->quitting = true;
		pthread_cond_broadcast(&m->resume);
		pthread_mutex_unlock(&m->lock);
		(void)!write(m->stop_pipe[1], "x", 1);
		pthread_join(m->thread, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (m->stop_pipe[i] >= 0)
			close(m->stop_pipe[i]);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->resume);
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

/*
 * Lock m and take in what the service sent already: a datagram it sent
 * before answering a client is then seen by a test that got the answer,
 * whether or not the reader thread has run since.
 */
static void
sdemu_lock_current(const struct sdemu *cm)
{
	struct sdemu	*m = (struct sdemu *)cm;

	pthread_mutex_lock(&m->lock);
	while (notify_read(m) > 0)
		;
}

#define LOCKED(m, type, expr) do {					\
	type v_;							\
									\
	sdemu_lock_current(m);						\
	v_ = (expr);							\
	pthread_mutex_unlock((pthread_mutex_t *)&(m)->lock);		\
	return v_;							\
} while (0)

pid_t
sdemu_pid(const struct sdemu *m)
{
	LOCKED(m, pid_t, m->pid);
}

size_t
sdemu_nstored(const struct sdemu *m)
{
	LOCKED(m, size_t, m->nstored);
}

static int
stored_fd_locked(const struct sdemu *m, const char *name)
{
	for (size_t i = 0; i < m->nstored; i++)
		if (strcmp(m->stored[i].name, name) == 0)
			return m->stored[i].fd;
	return -1;
}

int
sdemu_stored_fd(const struct sdemu *m, const char *name)
{
	LOCKED(m, int, stored_fd_locked(m, name));
}

static size_t
count_prefix_locked(const struct sdemu *m, const char *prefix)
{
	size_t	n = 0;

	for (size_t i = 0; i < m->nstored; i++)
		if (strncmp(m->stored[i].name, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

size_t
sdemu_count_prefix(const struct sdemu *m, const char *prefix)
{
	LOCKED(m, size_t, count_prefix_locked(m, prefix));
}

size_t
sdemu_stored_name(const struct sdemu *m, size_t i, char *buf, size_t len)
{
	size_t	n;

	sdemu_lock_current(m);
	n = m->nstored;
	if (i < n)
		snprintf(buf, len, "%s", m->stored[i].name);
	pthread_mutex_unlock((pthread_mutex_t *)&m->lock);
	return n;
}

const char *
sdemu_status(const struct sdemu *m)
{
	static __thread char	copy[256];

	sdemu_lock_current(m);
	memcpy(copy, m->status, sizeof(copy));
	pthread_mutex_unlock((pthread_mutex_t *)&m->lock);
	return copy;
}

unsigned
sdemu_status_count(const struct sdemu *m)
{
	LOCKED(m, unsigned, m->statuses);
}

unsigned
sdemu_watchdog_count(const struct sdemu *m)
{
	LOCKED(m, unsigned, m->watchdogs);
}

unsigned
sdemu_bad_names(const struct sdemu *m)
{
	LOCKED(m, unsigned, m->bad_names);
}

void
sdemu_stall(struct sdemu *m, bool stall)
{
	pthread_mutex_lock(&m->lock);
	m->stalled = stall;
	pthread_cond_broadcast(&m->resume);
	pthread_mutex_unlock(&m->lock);
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

/* systemd ignores an fd it holds already (same file), whatever its name. */
static bool
store_has_file(const struct sdemu *m, int fd)
{
	struct stat	a, b;

	if (fstat(fd, &a) < 0)
		return false;
	for (size_t i = 0; i < m->nstored; i++)
		if (fstat(m->stored[i].fd, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return true;
	return false;
}

static int
store_add(struct sdemu *m, int fd, const char *name)
{
	struct stored_fd	*n;

	if (store_has_file(m, fd)) {
		close(fd);
		return 0;
	}

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

/* As systemd's fdname_is_valid(): 1..255 printable ASCII bytes, no ':'. */
static bool
fdname_is_valid(const char *msg)
{
	const char	*p = strstr(msg, "FDNAME=");
	size_t		 n = 0;

	if (p == NULL || (p != msg && p[-1] != '\n'))
		return false;
	for (p += 7; *p != '\0' && *p != '\n'; p++, n++)
		if (*p < ' ' || *p > '~' || *p == ':')
			return false;
	return n > 0 && n <= 255;
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
	if (notify_field(msg, "STATUS", v, sizeof(v))) {
		snprintf(m->status, sizeof(m->status), "%s", v);
		m->statuses++;
	}
	if (!notify_field(msg, "FDNAME", name, sizeof(name)))
		strcpy(name, "stored");
	else if (!fdname_is_valid(msg)) {
		m->bad_names++;		/* systemd: "invalid, ignoring" */
		strcpy(name, "stored");
	}
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

	if (m->stalled)
		return 0;
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

/* Wait until timeout_ms passes, or READY=1 when until_ready; the reader
 * thread handles the messages. -ECHILD when the service died. */
static int
pump_until(struct sdemu *m, int timeout_ms, bool until_ready)
{
	int64_t	deadline = now_ms() + timeout_ms;
	int	st;

	for (;;) {
		pthread_mutex_lock(&m->lock);
		while (notify_read(m) > 0)
			;
		if (until_ready && m->ready) {
			pthread_mutex_unlock(&m->lock);
			return 0;
		}
		if (m->pid > 0 && waitpid(m->pid, &st, WNOHANG) == m->pid) {
			m->pid = -1;
			while (notify_read(m) > 0)
				;
			pthread_mutex_unlock(&m->lock);
			return -ECHILD;
		}
		pthread_mutex_unlock(&m->lock);
		if (now_ms() >= deadline)
			return until_ready ? -ETIMEDOUT : 0;
		/* Look at least every 10 ms for readiness or the service dying. */
		poll(NULL, 0, 10);
	}
}

int
sdemu_pump(struct sdemu *m, int timeout_ms)
{
	return pump_until(m, timeout_ms, false);
}

/* In the child: move the passed fds to 3.., close the rest, exec. */
static void
child_exec(struct sdemu *m, char *const argv[])
{
	size_t	 n = 1 + m->nstored;
	int	*tmp = calloc(n, sizeof(int));
	char	*names = calloc(n, 257), num[32];

	if (tmp == NULL || names == NULL)
		_exit(127);
	strcpy(names, "mviewd.socket");
	tmp[0] = fcntl(m->listen_fd, F_DUPFD_CLOEXEC, 3 + (int)n);
	for (size_t i = 0; i < m->nstored; i++) {
		tmp[i + 1] = fcntl(m->stored[i].fd, F_DUPFD_CLOEXEC, 3 + (int)n);
		strcat(names, ":");
		strcat(names, m->stored[i].name);
	}
	for (size_t i = 0; i < n; i++)
		if (tmp[i] < 0 || dup2(tmp[i], 3 + (int)i) < 0)
			_exit(127);
	/* Only what systemd would pass: no test fds leak into the service. */
	if (close_range(3 + (unsigned)n, ~0U, 0) < 0)
		for (int fd = 3 + (int)n; fd < 4096; fd++)
			close(fd);
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

	pthread_mutex_lock(&m->lock);
	if (m->pid > 0) {
		pthread_mutex_unlock(&m->lock);
		return -EBUSY;
	}
	m->ready = false;
	m->watchdogs = 0;
	m->statuses = 0;
	m->status[0] = '\0';
	/* Under the lock: the store is not changing while the child copies it. */
	if ((pid = fork()) < 0) {
		pthread_mutex_unlock(&m->lock);
		return -errno;
	}
	if (pid == 0)
		child_exec(m, argv);
	m->pid = pid;
	pthread_mutex_unlock(&m->lock);
	return pump_until(m, timeout_ms, true);
}

/* Append word to argv (room for max with the ending NULL). */
static int
argv_add(char *argv[], size_t *n, size_t max, char *word)
{
	if (*n + 1 >= max)
		return -E2BIG;
	argv[(*n)++] = word;
	argv[*n] = NULL;
	return 0;
}

int
sdemu_mviewd_argv(char *buf, size_t len, char *argv[], size_t max,
    char *const args[])
{
	const char	*wrap = getenv("MVIEW_DAEMON_WRAPPER");
	const char	*path = getenv("MVIEWD");
	const char	*top = getenv("MVIEW_TOP_BUILDDIR");
	char		*words, *tok, *save = NULL;
	size_t		 n = 0;
	int		 w, r = 0;

	if (path != NULL && *path != '\0')
		w = snprintf(buf, len, "%s", path);
	else
		w = snprintf(buf, len, "%s/daemon/mviewd", top != NULL ? top : ".");
	if (w < 0 || (size_t)w >= len ||
	    strlen(wrap != NULL ? wrap : "") >= len - (size_t)w - 1)
		return -ENAMETOOLONG;
	words = strcpy(buf + w + 1, wrap != NULL ? wrap : "");
	for (tok = strtok_r(words, " ", &save); r == 0 && tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		r = argv_add(argv, &n, max, tok);
	if (r == 0)
		r = argv_add(argv, &n, max, buf);
	for (size_t i = 0; r == 0 && args != NULL && args[i] != NULL; i++)
		r = argv_add(argv, &n, max, args[i]);
	return r;
}

void
sdemu_drop_store(struct sdemu *m)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nstored; i++) {
		close(m->stored[i].fd);
		free(m->stored[i].name);
	}
	m->nstored = 0;
	pthread_mutex_unlock(&m->lock);
}

int
sdemu_stop(struct sdemu *m, int sig)
{
	pid_t	pid = sdemu_pid(m);
	int	st;

	if (pid <= 0)
		return -ESRCH;
	if (kill(pid, sig) < 0 && errno != ESRCH)
		return -errno;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	pthread_mutex_lock(&m->lock);
	m->pid = -1;
	while (notify_read(m) > 0)	/* messages sent before it died count */
		;
	pthread_mutex_unlock(&m->lock);
	return st;
}
