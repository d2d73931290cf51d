/* SPDX-License-Identifier: MIT */
/* Requests: one exchange on the connection, reconnecting (and replaying)
 * first when it is gone, and once more when repeating is harmless. */
#include <errno.h>

#include "client-wire.h"

int
client_call_fds(struct mview_client *c, Mview__Request *req, unsigned flags,
    Mview__Reply__BodyCase body, Mview__Reply **ret_reply,
    int fds[WIRE_MAX_FDS], size_t *ret_nfds)
{
	bool	may_reconnect = !(c->flags & MVIEW_CONNECT_NO_RECONNECT);
	bool	sent;
	int	r = -ECONNRESET;

	c->conn.errmsg[0] = '\0';
	for (int attempt = 0; attempt < 2; attempt++) {
		if (c->conn.fd < 0) {
			if (!may_reconnect)
				return -ECONNRESET;
			/* No daemon to reconnect to is "gone", not "no such name". */
			if ((r = client_reconnect(c)) < 0)
				return r == -ENOENT || r == -ECONNREFUSED ?
				    -ECONNRESET : r;
		}
		r = conn_call_fds(&c->conn, req, 0, body, ret_reply, fds,
		    ret_nfds, &sent);
		if (r != -ECONNRESET || (sent && !(flags & CLIENT_CALL_RETRY)))
			break;
	}
	return r;
}

int
client_call_reply(struct mview_client *c, Mview__Request *req,
    unsigned flags, Mview__Reply__BodyCase body, Mview__Reply **ret_reply,
    int *ret_fd)
{
	int	fds[WIRE_MAX_FDS];
	size_t	nfds = 0;
	int	r;

	r = client_call_fds(c, req, flags, body, ret_reply, fds, &nfds);
	if (r < 0)
		return r;
	if (ret_fd != NULL) {
		*ret_fd = nfds > 0 ? fds[0] : -1;
		if (nfds > 0)
			fds[0] = -1;
	}
	wire_close_fds(fds, nfds);
	return 0;
}

int
client_call(struct mview_client *c, Mview__Request *req, unsigned flags,
    Mview__Reply **ret_reply, int *ret_fd)
{
	return client_call_reply(c, req, flags, MVIEW__REPLY__BODY__NOT_SET,
	    ret_reply, ret_fd);
}
