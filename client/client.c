/* SPDX-License-Identifier: MIT */
/* The client handle: its socket path, connect and close, its settings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-wire.h"

#define CLIENT_CONNECT_FLAGS	MVIEW_CONNECT_NO_RECONNECT

int
client_resolve_path(const char *arg, char **ret_path)
{
	const char	*env;
	char		*p;

	if (arg != NULL && arg[0] == '\0')
		return -EINVAL;
	if (arg == NULL && (env = secure_getenv("MVIEW_SOCKET")) != NULL &&
	    env[0] != '\0')
		arg = env;
	if (arg == NULL && geteuid() != 0 &&
	    (env = secure_getenv("XDG_RUNTIME_DIR")) != NULL && env[0] == '/') {
		if (asprintf(&p, MVIEW_SOCKET_USER_FMT, env) < 0)
			return -ENOMEM;
		if (access(p, F_OK) == 0) {
			*ret_path = p;
			return 0;
		}
		free(p);
	}
	if (arg == NULL)
		arg = MVIEW_SOCKET_SYSTEM;
	if ((p = strdup(arg)) == NULL)
		return -ENOMEM;
	*ret_path = p;
	return 0;
}

MVIEW_EXPORT int
mview_client_connect_full(const char *path, unsigned flags,
    struct mview_client **ret_client, char *errbuf, size_t errlen)
{
	return mview_client_connect_timeout(path, flags, CONN_TIMEOUT_MS,
	    ret_client, errbuf, errlen);
}

MVIEW_EXPORT int
mview_client_connect_timeout(const char *path, unsigned flags,
    int timeout_ms, struct mview_client **ret_client, char *errbuf,
    size_t errlen)
{
	struct mview_client	*c;
	int			 r;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (ret_client == NULL || (flags & ~CLIENT_CONNECT_FLAGS))
		return -EINVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	conn_init(&c->conn, events_queue, c);
	c->conn.timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
	c->flags = flags;
	c->ev_tail = &c->ev_head;
	if ((r = client_resolve_path(path, &c->path)) < 0 ||
	    (r = client_reconnect(c)) < 0) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s", c->conn.errmsg);
		mview_client_close(c);
		return r;
	}
	*ret_client = c;
	return 0;
}

MVIEW_EXPORT int
mview_client_connect_flags(const char *path, unsigned flags,
    struct mview_client **ret_client)
{
	return mview_client_connect_full(path, flags, ret_client, NULL, 0);
}

MVIEW_EXPORT int
mview_client_connect(const char *path, struct mview_client **ret_client)
{
	return mview_client_connect_full(path, 0, ret_client, NULL, 0);
}

MVIEW_EXPORT void
mview_client_close(struct mview_client *c)
{
	if (c == NULL)
		return;
	mapping_cache_detach(c);
	streams_client_gone(c);
	conn_free(&c->conn);
	events_free(c);
	free(c->path);
	free(c);
}

MVIEW_EXPORT const char *
mview_client_last_error(const struct mview_client *c)
{
	return c != NULL ? c->conn.errmsg : "";
}

MVIEW_EXPORT int
mview_client_fd(const struct mview_client *c)
{
	return c != NULL ? c->conn.fd : -1;
}

MVIEW_EXPORT const char *
mview_client_path(const struct mview_client *c)
{
	return c != NULL ? c->path : NULL;
}

MVIEW_EXPORT int
mview_client_set_timeout(struct mview_client *c, int timeout_ms)
{
	if (c == NULL)
		return -EINVAL;
	return conn_set_timeout(&c->conn, timeout_ms);
}
