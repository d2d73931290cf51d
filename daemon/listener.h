/* SPDX-License-Identifier: MIT */
/* The listening socket: binding it safely, accepting under fd pressure, admission. */
#ifndef MVIEWD_LISTENER_H
#define MVIEWD_LISTENER_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>

struct cred;
struct errmsg;
struct event;
struct event_base;

/*
 * Admit an accepted connection fd from the peer c: 0 when the callee took
 * over fd and c's groups; else -errno, and the listener refuses the client
 * with e's message (or just closes fd when e is empty).
 */
typedef int listener_admit_fn(void *arg, int fd, struct cred *c,
    struct errmsg *e);

struct listen_config {
	const char	*path;
	mode_t		 mode;		/* of the socket file */
	gid_t		 gid;		/* (gid_t)-1: leave the group alone */
};

/* A refused connection, held open until the client has sent its hello. */
struct refusal {
	LIST_ENTRY(refusal)	 entry;
	struct listener		*l;
	struct event		*ev;
	int			 fd;
};

struct listener {
	struct event_base *base;
	listener_admit_fn *admit;
	void		*arg;
	int		 fd;
	int		 reserve_fd;	/* given up so accept can shed clients */
	struct event	*ev_accept;
	struct event	*ev_resume;
	char		*path;		/* unlinked at close; NULL: not ours */
	dev_t		 dev;
	ino_t		 ino;
	bool		 starved;	/* out of fds since the last accept */
	LIST_HEAD(, refusal) refusals;
	size_t		 nrefusals;
};

/*
 * Bind and listen on cfg->path: makes the parent directory (0755) when
 * missing, refuses a live socket (-EADDRINUSE) or a non-socket (-EEXIST),
 * removes a stale one. Returns 0 and the fd, or -errno with a message.
 */
int	listener_bind(const struct listen_config *cfg, struct errmsg *e,
	    int *ret_fd);

/* Serve fd (made non-blocking; listening), handing each connection to
 * admit. path: the file to unlink at close (NULL for an inherited
 * socket). 0 or -errno. */
int	listener_new(struct event_base *base, int fd, const char *path,
	    listener_admit_fn *admit, void *arg, struct listener **ret_listener);

/* Close the socket and unlink it when it is still ours. NULL-safe. */
void	listener_free(struct listener *l);

#endif /* MVIEWD_LISTENER_H */
