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

#ifdef HAVE_LIBSYSTEMD

void
notify_init(void)
{
}

int
notify_listen_fd(int *ret_fd)
{
	char	**names = NULL;
	int	  n, found = -1;

	if ((n = sd_listen_fds_with_names(1, &names)) <= 0) {
		if (n < 0)
			log_warnx("socket activation: %s", strerror(-n));
		return -ENOENT;
	}
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (found < 0 && sd_is_socket_unix(fd, SOCK_SEQPACKET, 1,
		    NULL, 0) > 0) {
			found = fd;
			log_info("socket activation: listening on fd %d (%s)",
			    fd, names != NULL && names[i] ? names[i] : "?");
		} else {
			log_warnx("socket activation: ignoring fd %d (%s)", fd,
			    names != NULL && names[i] ? names[i] : "?");
			close(fd);
		}
		if (names != NULL)
			free(names[i]);
	}
	free(names);
	if (found < 0) {
		log_warnx("socket activation: no listening SOCK_SEQPACKET socket");
		return -ENOENT;
	}
	*ret_fd = found;
	return 0;
}

void
notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void
notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
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
	sd_notify(0, "WATCHDOG=1");
}

#else /* !HAVE_LIBSYSTEMD */

void
notify_init(void)
{
	if (getenv("NOTIFY_SOCKET") != NULL)
		log_warnx("NOTIFY_SOCKET is set but mviewd was built without "
		    "libsystemd: readiness is not reported");
	if (getenv("LISTEN_FDS") != NULL)
		log_warnx("LISTEN_FDS is set but mviewd was built without "
		    "libsystemd: socket activation is unavailable");
}

int
notify_listen_fd(int *ret_fd)
{
	return -ENOENT;
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
