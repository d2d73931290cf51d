/* SPDX-License-Identifier: MIT */
/*
 * libmviewclient's connection to mviewd (never installed): the socket, the
 * hello, and one exchange (send a request, receive its reply and fds).
 * It knows nothing above it: events that arrive meanwhile go to the
 * callback it was made with; reconnecting and replaying are the caller's.
 */
#ifndef MVIEW_CLIENT_CONN_H
#define MVIEW_CLIENT_CONN_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define CONN_ERRMSG_MAX		256
#define CONN_TIMEOUT_MS		30000	/* default per-request timeout */
/* SO_RCVTIMEO runs in scheduler ticks (up to 10 ms): it is set this much
 * short of the timeout, and shorter timeouts poll instead. */
#define CONN_RCVTIMEO_SLACK_MS	20

#define CONN_QUIET		(1u << 0)	/* conn_call() leaves errmsg alone */
/* On -EMFILE with fds_lost, hand the reply out all the same (*ret_reply),
 * so that the caller can undo what the daemon did for it. */
#define CONN_LOST_FDS_REPLY	(1u << 1)

struct client_conn {
	int		 fd;		/* -1 while disconnected */
	pid_t		 pid;		/* the process that opened fd */
	int		 timeout_ms;	/* < 0: wait forever */
	uint64_t	 next_id;
	size_t		 max_packet;	/* from the daemon's hello */
	uint32_t	 max_name;
	void		*rbuf;
	size_t		 rcap;
	/* An unsolicited event that arrived while a reply was awaited. */
	void		(*event_cb)(const Mview__Event *e, void *arg);
	void		*cb_arg;
	/* The last packet received came without the fds the daemon attached
	 * (the kernel found no free fd in this process: MSG_CTRUNC). */
	bool		 fds_lost;
	char		 errmsg[CONN_ERRMSG_MAX];	/* the last failure's text */
};

/* A closed connection whose events go to event_cb(e, arg). */
void	conn_init(struct client_conn *conn,
	    void (*event_cb)(const Mview__Event *, void *), void *arg);
/* Close the socket (if open) and free the buffers; conn may be reopened. */
void	conn_free(struct client_conn *conn);

/* Connect to path and exchange hellos; on failure conn is closed and
 * errmsg says why. */
int	conn_open(struct client_conn *conn, const char *path);
void	conn_close(struct client_conn *conn);
int	conn_set_timeout(struct client_conn *conn, int timeout_ms);
/* A name the daemon announced it accepts: 0, or -EINVAL or -ENAMETOOLONG
 * with errmsg saying why. */
int	conn_check_name(struct client_conn *conn, const char *name);

/*
 * One exchange on the open connection: send req (its id is assigned here)
 * and wait for its reply by the timeout, handing events to the callback.
 * Returns 0 with *ret_reply (free with wire_reply_free; NULL: freed here)
 * and *ret_fd (the first fd attached, else -1; may be NULL: closed), or
 * -errno: the daemon's error (its message in errmsg unless CONN_QUIET),
 * -ECONNRESET (the connection is closed), -ETIMEDOUT, -EBADFD (in a child
 * forked since the connection was opened: nothing is sent), -EPROTO (also a
 * reply of another body than body, unless body is ..._BODY__NOT_SET),
 * -EMFILE with fds_lost set: the daemon did what was asked, but the fds
 * of its reply could not be received (the connection stays usable; the
 * reply goes to *ret_reply with CONN_LOST_FDS_REPLY, for the undo).
 * *ret_sent (may be NULL) tells whether the daemon may have seen req.
 */
int	conn_call(struct client_conn *conn, Mview__Request *req,
	    unsigned flags, Mview__Reply__BodyCase body,
	    Mview__Reply **ret_reply, int *ret_fd, bool *ret_sent);

/* conn_call() keeping every fd attached: *ret_nfds of them in fds. */
int	conn_call_fds(struct client_conn *conn, Mview__Request *req,
	    unsigned flags, Mview__Reply__BodyCase body,
	    Mview__Reply **ret_reply, int fds[WIRE_MAX_FDS], size_t *ret_nfds,
	    bool *ret_sent);
/* Receive one packet by deadline (monotonic ns, < 0: none), for a wait on
 * events. With eintr a signal returns -EINTR; a timeout is -ETIMEDOUT. */
int	conn_recv(struct client_conn *conn, int64_t deadline, bool eintr,
	    Mview__Reply **ret_reply, int *fds, size_t *ret_nfds);

/* The monotonic deadline timeout_ms from now (< 0: none, -1). */
int64_t	conn_deadline(int timeout_ms);

void	conn_set_error(struct client_conn *conn, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* MVIEW_CLIENT_CONN_H */
