/* SPDX-License-Identifier: MIT */
/* The service manager: readiness, status, watchdog and socket activation (libsystemd). */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "notify.h"
#include "notify-queue.h"

#ifdef HAVE_LIBSYSTEMD

static void
strv_free(char **v, int n)
{
	if (v == NULL)
		return;
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
notify_init(void)
{
	int	r = notify_queue_open();

	if (r < 0 && r != -ENOTCONN && r != -EAFNOSUPPORT)
		log_warnx("notify socket: %s; notifying through libsystemd, "
		    "which may block", strerror(-r));
}

int
notify_attach(struct event_base *base)
{
	return notify_queue_attach(base);
}

size_t
notify_shutdown(int timeout_ms)
{
	size_t	left = notify_queue_flush(timeout_ms);

	notify_queue_close();
	return left;
}

/* A state line: queued without blocking, or through libsystemd. */
static void
notify_state(const char *text)
{
	if (notify_queue_is_open())
		(void)notify_queue_send(NOTIFY_STATE, text, -1, NULL);
	else
		(void)sd_notify(0, text);
}

int
notify_listen_fds(struct notify_fds *ret)
{
	char	**names = NULL;
	int	  n;

	memset(ret, 0, sizeof(*ret));
	if ((n = sd_listen_fds_with_names(1, &names)) <= 0) {
		if (n < 0)
			log_warnx("socket activation: %s", strerror(-n));
		return n < 0 ? n : 0;
	}
	if ((ret->v = calloc((size_t)n, sizeof(*ret->v))) == NULL) {
		for (int i = 0; i < n; i++)
			close(SD_LISTEN_FDS_START + i);
		strv_free(names, n);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		ret->v[i].fd = SD_LISTEN_FDS_START + i;
		ret->v[i].name = names != NULL && names[i] != NULL ?
		    names[i] : strdup("");
		if (names != NULL)
			names[i] = NULL;
	}
	ret->n = (size_t)n;
	free(names);
	return 0;
}

int
notify_take_listener(struct notify_fds *f, int *ret_fd)
{
	for (size_t i = 0; i < f->n; i++) {
		int fd = f->v[i].fd;

		if (fd < 0 || sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL,
		    0) <= 0)
			continue;
		log_info("socket activation: listening on fd %d (%s)", fd,
		    f->v[i].name ? f->v[i].name : "?");
		f->v[i].fd = -1;
		*ret_fd = fd;
		return 0;
	}
	if (f->n > 0)
		log_warnx("socket activation: no listening SOCK_SEQPACKET socket");
	return -ENOENT;
}

bool
notify_fdstore_enabled(void)
{
	const char	*e = getenv("NOTIFY_SOCKET");

	return e != NULL && e[0] != '\0';
}

int
notify_fdstore_add(int fd, const char *name)
{
	char	msg[320];
	int	r;

	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
	if (notify_queue_is_open())
		return notify_queue_send(NOTIFY_STORE, msg, fd, name);
	r = sd_pid_notify_with_fds(0, 0, msg, &fd, 1);
	return r > 0 ? 0 : r == 0 ? -ENOTCONN : r;
}

int
notify_fdstore_remove(const char *name)
{
	char	msg[320];
	int	r;

	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	if (notify_queue_is_open())
		return notify_queue_send(NOTIFY_STORE_REMOVE, msg, -1, name);
	r = sd_notify(0, msg);
	return r > 0 ? 0 : r == 0 ? -ENOTCONN : r;
}

void
notify_ready(const char *status)
{
	char	msg[512];

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	notify_state(msg);
}

void
notify_status(const char *status)
{
	char	msg[512];

	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	notify_state(msg);
}

void
notify_stopping(void)
{
	notify_state("STOPPING=1");
}

bool
notify_watchdog_usec(uint64_t *ret_usec)
{
	uint64_t	usec;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return false;
	*ret_usec = usec;
	return true;
}

void
notify_watchdog(void)
{
	notify_state("WATCHDOG=1");
}

#else /* !HAVE_LIBSYSTEMD */

void
notify_init(void)
{
	if (getenv("NOTIFY_SOCKET") != NULL)
		log_warnx("NOTIFY_SOCKET is set but mviewd was built without "
		    "libsystemd: readiness is not reported, and segments "
		    "will not survive a restart");
	if (getenv("LISTEN_FDS") != NULL)
		log_warnx("LISTEN_FDS is set but mviewd was built without "
		    "libsystemd: socket activation is unavailable");
}

int
notify_attach(struct event_base *base)
{
	return 0;
}

size_t
notify_shutdown(int timeout_ms)
{
	return 0;
}

int
notify_listen_fds(struct notify_fds *ret)
{
	memset(ret, 0, sizeof(*ret));
	return 0;
}

int
notify_take_listener(struct notify_fds *f, int *ret_fd)
{
	return -ENOENT;
}

bool
notify_fdstore_enabled(void)
{
	return false;
}

int
notify_fdstore_add(int fd, const char *name)
{
	return -EOPNOTSUPP;
}

int
notify_fdstore_remove(const char *name)
{
	return -EOPNOTSUPP;
}

void
notify_ready(const char *status)
{
}

void
notify_status(const char *status)
{
}

void
notify_stopping(void)
{
}

bool
notify_watchdog_usec(uint64_t *ret_usec)
{
	return false;
}

void
notify_watchdog(void)
{
}

#endif /* HAVE_LIBSYSTEMD */

void
notify_fds_free(struct notify_fds *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].fd >= 0) {
			log_warnx("ignoring passed fd %d (%s)", f->v[i].fd,
			    f->v[i].name);
			close(f->v[i].fd);
		}
		free(f->v[i].name);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}
