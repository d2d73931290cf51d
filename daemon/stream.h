/* SPDX-License-Identifier: MIT */
/* A stream: its memfds (data, control, one lease per consumer position) and who plays which role. */
#ifndef MVIEWD_STREAM_H
#define MVIEWD_STREAM_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "hash.h"
#include "stream-ring.h"
#include "tree.h"
#include "view.h"

struct errmsg;
struct holder;

enum stream_role {
	STREAM_ROLE_PRODUCER = 0,	/* same values as Mview__StreamRole */
	STREAM_ROLE_CONSUMER = 1,
};

/* One role a holder plays on a stream: the producer or one consumer position. */
struct stream_user {
	LIST_ENTRY(stream_user)	 entry;		/* holder->streams */
	struct stream		*st;
	struct holder		*h;
	uint8_t			 role;		/* enum stream_role */
	uint8_t			 policy;	/* consumers: STREAM_POLICY_* */
	bool			 write;		/* consumers: data mapped read-write */
	uint32_t		 pos;		/* consumers: the position */
};

/* A stream's memory: what stream-ring.h lays out, one memfd each. */
struct stream_mem {
	int			 data_fd;	/* O_RDWR, sealed size */
	int			 data_ro_fd;	/* it reopened O_RDONLY, or -1 */
	int			 ctl_fd;
	int			 ctl_ro_fd;
	int			*lease_fd;	/* [max_consumers] */
	int			*lease_ro_fd;
	struct stream_control	*ctl;		/* the daemon's mapping, read-write */
	struct stream_lease	**lease;	/* [max_consumers], read-write */
	uint64_t		 data_size;
	uint64_t		 ctl_size;
	uint64_t		 lease_size;
};

struct stream_params {
	const char		*name;
	struct stream_geometry	 geo;		/* slots, capacity, positions, holds */
	uint32_t		 mode;
	uint32_t		 lifetime;	/* enum segment_lifetime */
	bool			 has_layout;
	struct view_desc	 layout;	/* offset from the slot start */
};

struct stream {
	struct tree_node	 by_name;	/* registry: live, sorted */
	struct hash_link	 by_id;		/* registry: every stream */
	TAILQ_ENTRY(stream)	 order;		/* registry: by id */
	LIST_ENTRY(stream)	 created;	/* creator's SESSION streams */
	struct holder		*creator;	/* SESSION lifetime, while connected */
	char			*name;
	uint64_t		 id;
	struct stream_params	 p;		/* p.name is NULL: see name */
	struct stream_mem	 mem;
	int64_t			 ctime_ns;
	uid_t			 uid;
	gid_t			 gid;
	struct stream_user	*producer;	/* NULL: the role is free */
	struct stream_user	**consumers;	/* [max_consumers], NULL: free */
	uint32_t		 nconsumers;
	uint32_t		 nusers;	/* producer + consumers */
	uint64_t		 dropped_gone;	/* drops of consumers that left
						 * since this daemon started */
	bool			 deleted;
};

/*
 * Fill p->geo from what a client asked (0: the default positions and
 * holds; capacity 0: the layout's extent, rounded up as the ring wants),
 * then check the layout fits a slot. 0 or -EINVAL with a message.
 */
int	stream_params_init(struct stream_params *p, uint32_t slots,
	    uint64_t capacity, uint32_t max_consumers, uint32_t max_holds,
	    struct errmsg *e);

/* Check p as a restart found it (the geometry, the layout). */
int	stream_check_params(const struct stream_params *p, struct errmsg *e);

/* The data bytes of a stream of p (slots x capacity). */
uint64_t stream_data_bytes(const struct stream_params *p);

/*
 * Make the memfds of a stream of p (sealed against shrinking and growing,
 * pages reserved), map control and leases, initialise the control block.
 * label names the memfds. 0 or -errno with a message.
 */
int	stream_mem_create(struct stream_mem *m, const struct stream_params *p,
	    const char *label, struct errmsg *e);

/*
 * Adopt memfds a restart found: fds[0] data, fds[1] control, then one
 * lease per position (taken over on success). 0 or -EINVAL (sizes or
 * seals do not match p) / -errno, with a message.
 */
int	stream_mem_adopt(struct stream_mem *m, const struct stream_params *p,
	    int *fds, struct errmsg *e);

/* Unmap and close. */
void	stream_mem_free(struct stream_mem *m, uint32_t max_consumers);

/* An fd for a client: data (O_RDONLY unless write), control (O_RDONLY
 * unless write), lease pos. CLOEXEC. 0 or -errno (-ENFILE). */
int	stream_open_data(struct stream *st, bool write, int *ret_fd);
int	stream_open_control(struct stream *st, bool write, int *ret_fd);
int	stream_open_lease(struct stream *st, uint32_t pos, bool write,
	    int *ret_fd);

/* The control block's view of a consumer position: active with policy
 * (enum stream_policy), or free (STREAM_POLICY_NONE: its holds dropped). */
void	stream_position_set(struct stream *st, uint32_t pos, unsigned policy);
/* The producer role is free again: a frame its holder left half-written
 * is never published. */
void	stream_producer_gone(struct stream *st);

/* What stat reports, read from the control block and the leases. */
void	stream_stat(const struct stream *st, struct stream_stat *ret);
/* The frames consumer position pos holds (its lease, bounds-checked). */
uint32_t stream_position_holds(const struct stream *st, uint32_t pos);

/* Close the memfds and free the struct. NULL-safe. */
void	stream_free(struct stream *st);

#endif /* MVIEWD_STREAM_H */
