/* SPDX-License-Identifier: MIT */
/* Who may do what: peer credentials against a segment's owner, group and mode bits. */
#ifndef MVIEWD_PERM_H
#define MVIEWD_PERM_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PERM_READ	4
#define PERM_WRITE	2
#define PERM_MODE_MASK	0666u	/* the only meaningful mode bits */

/* A peer as the kernel reported it (SO_PEERCRED + SO_PEERGROUPS). */
struct cred {
	pid_t	 pid;
	uid_t	 uid;
	gid_t	 gid;
	size_t	 ngroups;
	gid_t	*groups;	/* supplementary groups, malloc'd, may be NULL */
};

/* Free the groups (not the struct). NULL-safe. */
void	perm_cred_clear(struct cred *c);

/* The primary gid or any supplementary group is gid. */
bool	perm_in_group(const struct cred *c, gid_t gid);

/* Root or the owner. */
bool	perm_is_owner(const struct cred *c, uid_t owner);

/*
 * May c access an object of owner/group/mode with want (PERM_READ and/or
 * PERM_WRITE)? As for files: the owner class, else the group class, else
 * other; the owner and root are always allowed. 0 or -EACCES.
 */
int	perm_check(const struct cred *c, uid_t owner, gid_t group,
	    uint32_t mode, int want);

/* A mode a client may ask for: only 0666 bits. 0 or -EINVAL. */
int	perm_check_mode(uint32_t mode);

#endif /* MVIEWD_PERM_H */
