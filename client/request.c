/* SPDX-License-Identifier: MIT */
/* Requests: one exchange on the connection, reconnecting (and replaying)
 * first when it is gone, and once more when repeating is harmless. */
#include <errno.h>

#include "client-wire.h"

int
client_call_reply(struct mview_client *c, Mview__Request *req,
    unsigned flags, Mview__Reply__BodyCase body, Mview__Reply **ret_reply,
    int *ret_fd)
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
		r = conn_call(&c->conn, req, 0, body, ret_reply, ret_fd, &sent);
		if (r != -ECONNRESET || (sent && !(flags & CLIENT_CALL_RETRY)))
			break;
	}
	return r;
}

int
client_call(struct mview_client *c, Mview__Request *req, unsigned flags,
    Mview__Reply **ret_reply, int *ret_fd)
{
	return client_call_reply(c, req, flags, MVIEW__REPLY__BODY__NOT_SET,
	    ret_reply, ret_fd);
}
