/* SPDX-License-Identifier: MIT */
/* Who may do what: every access decision of the daemon, with its message. */
#ifndef MVIEWD_ACCESS_H
#define MVIEWD_ACCESS_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A security review reads this file and access.c alone: request handlers
 * and watches ask here and decide nothing themselves. Segments carry
 * file-like owner, group and mode bits (0666 only); views inherit their
 * segment's, plus their publisher's right to unpublish. Streams carry
 * their own owner, group and mode: producing needs w (and r), consuming
 * r, consuming with frames mapped writable r and w.
 */

#define ACCESS_READ		4
#define ACCESS_WRITE		2
#define ACCESS_MODE_MASK	0666u	/* the only meaningful mode bits */

struct errmsg;
struct segment;
struct stream;
struct view;

/* A peer as the kernel reported it (SO_PEERCRED + SO_PEERGROUPS). */
struct cred {
	pid_t	 pid;
	uid_t	 uid;
	gid_t	 gid;
	size_t	 ngroups;
	gid_t	*groups;	/* supplementary groups, malloc'd, may be NULL */
};

/*
 * Name prefixes reserved for some uids and groups (the config's
 * "reserve = PREFIX uid:N group:NAME ..."): only they (and root) may
 * create segments or publish views whose names start with PREFIX.
 */
#define ACCESS_RESERVE_MAX	64	/* prefixes */
#define ACCESS_RESERVE_IDS	8	/* uids, and gids, per prefix */
#define ACCESS_PREFIX_MAX	128	/* bytes of a reserved prefix */

struct reservation {
	char	prefix[ACCESS_PREFIX_MAX + 1];
	uid_t	uids[ACCESS_RESERVE_IDS];
	gid_t	gids[ACCESS_RESERVE_IDS];
	size_t	nuids, ngids;
};

struct reservations {
	struct reservation	v[ACCESS_RESERVE_MAX];
	size_t			n;
};

/* Free the groups (not the struct). NULL-safe. */
void	access_cred_clear(struct cred *c);

/* The primary gid or any supplementary group is gid. */
bool	access_in_group(const struct cred *c, gid_t gid);

/* Every client's use (metrics): root and members of the daemon's own
 * group. 0 or -EACCES with a message naming what. */
int	access_see_all(const struct cred *c, const char *what,
	    struct errmsg *e);

/* Root or the owner. */
bool	access_is_owner(const struct cred *c, uid_t owner);

/*
 * May c access an object of owner/group/mode with want (ACCESS_READ and/or
 * ACCESS_WRITE)? As for files: the owner class, else the group class, else
 * other; the owner and root are always allowed. 0 or -EACCES.
 */
int	access_check(const struct cred *c, uid_t owner, gid_t group,
	    uint32_t mode, int want);

/* A mode a client may ask for: only 0666 bits. 0 or -EINVAL. */
int	access_check_mode(uint32_t mode);

/*
 * May c make a segment or view called name? 0, or -EPERM with a message
 * when name falls under a prefix reserved for others (every prefix that
 * matches must admit c). Reusable for every kind of name.
 */
int	access_name_reserved(const struct cred *c,
	    const struct reservations *r, const char *name, struct errmsg *e);

/* Parse "PREFIX OWNER..." (OWNER: uid:N, gid:N, user:NAME, group:NAME)
 * and add it to r. 0, or -EINVAL/-ENOSPC with a message. */
int	access_reserve_parse(struct reservations *r, const char *text,
	    struct errmsg *e);

/* May c read seg (list it, hear of it, map it read-only)? 0 or -EACCES,
 * without a message: a caller that skips seg says nothing. */
int	access_segment_read(const struct cred *c, const struct segment *seg);

/* May c map seg writable: its mode allows it and it is not frozen. */
bool	access_segment_write(const struct cred *c, const struct segment *seg);

/* Open or stat seg, read-write when write: -EPERM (frozen), -EACCES. */
int	access_segment_open(const struct cred *c, const struct segment *seg,
	    bool write, struct errmsg *e);

/* Delete or freeze (verb) seg: its owner or root, else -EPERM. */
int	access_segment_own(const struct cred *c, const struct segment *seg,
	    const char *verb, struct errmsg *e);

/* Publish a view of seg: reading it is enough, else -EACCES. */
int	access_publish(const struct cred *c, const struct segment *seg,
	    struct errmsg *e);

/* Look up (or list) view v, published as name: its segment's read right. */
int	access_view_read(const struct cred *c, const struct view *v,
	    const char *name, struct errmsg *e);

/* Unpublish v, or replace it (replace): its publisher, the segment's
 * owner or root, else -EPERM. */
int	access_view_unpublish(const struct cred *c, const struct view *v,
	    const char *name, bool replace, struct errmsg *e);

/* May c read stream st (stat it, list it)? 0 or -EACCES, no message. */
int	access_stream_read(const struct cred *c, const struct stream *st);

/* Open st as its producer (producer), or as a consumer, with frames
 * mapped read-write when write: -EACCES with a message. */
int	access_stream_open(const struct cred *c, const struct stream *st,
	    bool producer, bool write, struct errmsg *e);

/* Delete st: its owner or root, else -EPERM. */
int	access_stream_own(const struct cred *c, const struct stream *st,
	    struct errmsg *e);

#endif /* MVIEWD_ACCESS_H */
