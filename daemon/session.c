/* SPDX-License-Identifier: MIT */
/* One client: who it is, what it holds and watches, and replying to it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"
#include "server.h"
#include "session.h"
#include "util.h"
#include "wire.h"

int
session_new(struct server *srv, struct cred *cred,
    struct session **ret_session)
{
	struct session	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	if (registry_holder_init(&s->holder) < 0) {
		free(s);
		return -ENOMEM;
	}
	s->srv = srv;
	LIST_INIT(&s->watches);
	s->id = ++srv->next_session_id;
	s->since_ns = util_now_realtime_ns();
	s->cred = *cred;
	s->holder.uid = cred->uid;
	s->holder.charged = true;
	memset(cred, 0, sizeof(*cred));
	TAILQ_INSERT_TAIL(&srv->sessions, s, entry);
	srv->nsessions++;
	*ret_session = s;
	return 0;
}

void
session_free(struct session *s)
{
	struct server	*srv = s->srv;

	TAILQ_REMOVE(&srv->sessions, s, entry);
	srv->nsessions--;
	registry_holder_release(&srv->reg, &s->holder);
	peer_free(s->peer);
	access_cred_clear(&s->cred);
	listing_cursors_clear(&s->listings);
	free(s);
}

bool
session_dead(const struct session *s)
{
	return s->peer == NULL || peer_dead(s->peer);
}

void
session_fail(struct session *s, const char *why)
{
	if (s->peer != NULL)
		peer_fail(s->peer, why);
}

void
session_linger(struct session *s)
{
	peer_linger(s->peer);
}

void
session_hello_done(struct session *s)
{
	peer_keep(s->peer);
}

size_t
session_max_reply(const struct session *s)
{
	return peer_max_packet(s->peer);
}

int
session_send_reply_fds(struct session *s, const Mview__Reply *rep, int *fds,
    size_t nfds)
{
	void	*buf;
	size_t	 len;
	int	 r;

	r = wire_reply_pack(rep, peer_max_packet(s->peer), &buf, &len);
	if (r < 0) {
		wire_close_fds(fds, nfds);
		if (r == -EMSGSIZE)
			return session_send_error(s, rep->id, EMSGSIZE,
			    "the reply would exceed the packet limit");
		session_fail(s, "out of memory packing a reply");
		return r;
	}
	r = peer_send(s->peer, buf, len, fds, nfds);
	free(buf);
	wire_close_fds(fds, nfds);
	if (r == -EMFILE)
		return session_send_error(s, rep->id, EMFILE, "the reply's "
		    "file descriptors would exceed the ones mviewd keeps for "
		    "your uid (max-fds-per-uid): read the replies queued for "
		    "your connections, or close some");
	return r;
}

int
session_send_reply(struct session *s, const Mview__Reply *rep, int fd)
{
	return session_send_reply_fds(s, rep, &fd, fd >= 0);
}

int
session_send_error(struct session *s, uint64_t id, int err, const char *msg)
{
	Mview__Reply	rep = MVIEW__REPLY__INIT;

	rep.id = id;
	rep.has_error = true;
	rep.error = err;
	rep.message = (char *)msg;
	return session_send_reply(s, &rep, -1);
}

void
session_send_event(struct session *s, const void *buf, size_t len)
{
	peer_send_event(s->peer, buf, len);
}
