/* SPDX-License-Identifier: MIT */
/* Requests: one exchange on the connection, reconnecting (and replaying)
 * first when it is gone, and once more when repeating is harmless. */
#include <errno.h>

#include "client-wire.h"

/* Delete the segment id a create made, on the current connection,
 * keeping errmsg. */
static void
request_undo_create(struct mview_client *c, uint64_t id)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Ref	ref = MVIEW__REF__INIT;

	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = id;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_DELETE;
	req.segment_delete = &ref;
	conn_call(&c->conn, &req, CONN_QUIET, MVIEW__REPLY__BODY__NOT_SET,
	    NULL, NULL, NULL);
}

/*
 * The daemon did what req asked, but the fds of its reply never reached
 * us (no free fd in this process): take back what it did, so that the
 * failed request leaves nothing behind: no segment made, held or role
 * taken for this session.
 */
static void
request_undo(struct mview_client *c, const Mview__Request *req,
    const Mview__Reply *rep)
{
	const Mview__SegmentInfo	*seg = NULL;

	if (rep->body_case == MVIEW__REPLY__BODY_SEGMENT)
		seg = rep->segment;
	else if (rep->body_case == MVIEW__REPLY__BODY_VIEW_LOOKUP &&
	    rep->view_lookup != NULL)
		seg = rep->view_lookup->segment;
	else if (rep->body_case == MVIEW__REPLY__BODY_STREAM &&
	    req->body_case == MVIEW__REQUEST__BODY_STREAM_OPEN &&
	    rep->stream != NULL)
		stream_abandon(c, rep->stream, req->stream_open->role ==
		    MVIEW__STREAM_ROLE__STREAM_PRODUCER);
	if (seg == NULL)
		return;
	if (req->body_case == MVIEW__REQUEST__BODY_SEGMENT_CREATE)
		request_undo_create(c, seg->id);
	mapping_abandon(c, seg->id);
}

int
client_call_fds(struct mview_client *c, Mview__Request *req, unsigned flags,
    Mview__Reply__BodyCase body, Mview__Reply **ret_reply,
    int fds[WIRE_MAX_FDS], size_t *ret_nfds)
{
	Mview__Reply	*lost = NULL;
	bool		 may_reconnect = !(c->flags & MVIEW_CONNECT_NO_RECONNECT);
	bool		 sent;
	int		 r = -ECONNRESET;

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
		r = conn_call_fds(&c->conn, req, CONN_LOST_FDS_REPLY, body,
		    &lost, fds, ret_nfds, &sent);
		if (r != -ECONNRESET || (sent && !(flags & CLIENT_CALL_RETRY)))
			break;
	}
	if (r == -EMFILE && lost != NULL) {
		request_undo(c, req, lost);
		wire_reply_free(lost);
		return r;
	}
	if (r == 0 && ret_reply != NULL)
		*ret_reply = lost;
	else if (r == 0)
		wire_reply_free(lost);
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
