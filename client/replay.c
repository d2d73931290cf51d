/* SPDX-License-Identifier: MIT */
/*
 * Reconnect and replay: a new connection, then what the old one held
 * (the watches, the attachments of cached mappings) sent again on it.
 * The one place that decides what a reconnect restores; it speaks to the
 * connection directly, never through the request layer above it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>

#include "client-wire.h"

void
replay_watch_request(Mview__Request *req, Mview__Watch *w,
    const char *prefix, bool unwatch)
{
	w->prefix = (char *)prefix;
	if (unwatch) {
		req->body_case = MVIEW__REQUEST__BODY_UNWATCH;
		req->unwatch = w;
	} else {
		req->body_case = MVIEW__REQUEST__BODY_WATCH;
		req->watch = w;
	}
}

/* Watch again; a watch the daemon now refuses is dropped silently. */
static int
replay_watches(struct mview_client *c)
{
	int	r;

	for (struct client_watch *w = c->watches; w != NULL; w = w->next) {
		Mview__Request	req = MVIEW__REQUEST__INIT;
		Mview__Watch	wr = MVIEW__WATCH__INIT;

		replay_watch_request(&req, &wr, w->prefix, false);
		r = conn_call(&c->conn, &req, CONN_QUIET,
		    MVIEW__REPLY__BODY__NOT_SET, NULL, NULL, NULL);
		if (r == -ECONNRESET || r == -ETIMEDOUT || r == -EPROTO)
			return r;
	}
	return 0;
}

/* Open segment id by id on the new connection; *ret_fd is the fd the
 * daemon sent (the session now holds the segment). */
static int
replay_reopen(struct mview_client *c, uint64_t id, bool write, int *ret_fd)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentOpen	 so = MVIEW__SEGMENT_OPEN__INIT;
	Mview__Ref		 ref = MVIEW__REF__INIT;
	Mview__Reply		*rep;
	int			 fd, r;

	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = id;
	so.ref = &ref;
	so.has_write = true;
	so.write = write;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &so;
	r = conn_call(&c->conn, &req, CONN_QUIET, MVIEW__REPLY__BODY_SEGMENT,
	    &rep, &fd, NULL);
	if (r < 0)
		return r;
	if (fd < 0 || rep->segment->id != id) {
		if (fd >= 0)
			close(fd);
		r = -EPROTO;
	} else
		*ret_fd = fd;
	wire_reply_free(rep);
	return r;
}

/*
 * Make the new session hold m's segment again, as the old one did, so a
 * restarted daemon keeps it past its session grace. When the daemon has
 * no such segment any more, or another file under its id, m leaves the
 * cache (its users keep the memory). Only a lost connection is an error.
 */
static int
replay_mapping(struct mview_client *c, struct mview_mapping *m)
{
	struct stat	st;
	bool		write = m->writable && !m->private_copy;
	int		fd = -1, r;

	r = replay_reopen(c, m->segment_id, write, &fd);
	if (write && (r == -EPERM || r == -EACCES))	/* frozen since? */
		r = replay_reopen(c, m->segment_id, false, &fd);
	if (r == -ECONNRESET || r == -ETIMEDOUT)
		return r;
	if (r == -EMFILE && c->conn.fds_lost)	/* attached, but no fd to check */
		mapping_send_close(c, m->segment_id);
	if (r == -ENOENT)
		mapping_unlink(m);
	if (r < 0)
		return 0;	/* left unattached: no close will be sent */
	r = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (r == 0 && (m->dev != (uint64_t)st.st_dev ||
	    m->ino != (uint64_t)st.st_ino)) {
		mapping_unlink(m);
		mapping_send_close(c, m->segment_id);
		return 0;
	}
	m->gen = c->gen;
	return 0;
}

/* Re-attach every cached mapping's segment. */
static int
replay_mappings(struct mview_client *c)
{
	struct mview_mapping	*m, *next;
	int			 r;

	for (m = c->maps; m != NULL; m = next) {
		next = m->next;
		if ((r = replay_mapping(c, m)) < 0)
			return r;
	}
	return c->conn.fd < 0 ? -ECONNRESET : 0;
}

int
client_reconnect(struct mview_client *c)
{
	int	r;

	if ((r = conn_open(&c->conn, c->path)) < 0)
		return r;
	c->gen++;
	if ((r = replay_watches(c)) < 0 || (r = replay_mappings(c)) < 0 ||
	    (r = streams_reattach(c)) < 0) {
		conn_close(&c->conn);
		return r;
	}
	return 0;
}
