/* SPDX-License-Identifier: MIT */
/* Clients: accepted connections become sessions served by dispatch, and go away. */
#ifndef MVIEWD_CLIENTS_H
#define MVIEWD_CLIENTS_H

struct cred;
struct errmsg;
struct server;
struct session;

/*
 * Serve the listening socket fd (path: the file to unlink at stop, NULL
 * for an inherited socket): each admitted connection becomes a session
 * whose peer hands its packets to dispatch, and registry changes go out
 * to watchers. 0 or -errno (fd is then the caller's).
 */
int	clients_start(struct server *srv, int fd, const char *path);

/*
 * Count a connection of c and make its session on fd, taking over fd and
 * c's groups. 0, or -errno with the refusal in e (-EUSERS) or an empty e.
 */
int	clients_add(struct server *srv, int fd, struct cred *c,
	    struct errmsg *e, struct session **ret_session);

/* Give back what s had (watches, holdings, its connection slot), free it. */
void	clients_remove(struct session *s);

/* Stop listening and tear every session down, telling nobody. */
void	clients_stop(struct server *srv);

#endif /* MVIEWD_CLIENTS_H */
