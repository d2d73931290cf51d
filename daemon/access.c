/* SPDX-License-Identifier: MIT */
/* Who may do what: every access decision of the daemon, with its message. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "access.h"
#include "errmsg.h"
#include "segment.h"
#include "views.h"

void
access_cred_clear(struct cred *c)
{
	if (c == NULL)
		return;
	free(c->groups);
	c->groups = NULL;
	c->ngroups = 0;
}

bool
access_in_group(const struct cred *c, gid_t gid)
{
	if (c->gid == gid)
		return true;
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

int
access_see_all(const struct cred *c, const char *what, struct errmsg *e)
{
	gid_t	gid = getegid();

	if (c->uid == 0 || access_in_group(c, gid))
		return 0;
	return errmsg_set(e, -EACCES, "%s: only root and members of mviewd's "
	    "group (gid %u) see every client's use", what, (unsigned)gid);
}

bool
access_is_owner(const struct cred *c, uid_t owner)
{
	return c->uid == 0 || c->uid == owner;
}

int
access_check(const struct cred *c, uid_t owner, gid_t group, uint32_t mode,
    int want)
{
	uint32_t	bits;

	if (access_is_owner(c, owner))
		return 0;
	if (access_in_group(c, group))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	return ((bits & (uint32_t)want) == (uint32_t)want) ? 0 : -EACCES;
}

int
access_check_mode(uint32_t mode)
{
	return (mode & ~ACCESS_MODE_MASK) ? -EINVAL : 0;
}

int
access_segment_read(const struct cred *c, const struct segment *seg)
{
	return access_check(c, seg->uid, seg->gid, seg->mode, ACCESS_READ);
}

/*
 * A writer can punch holes (MADV_REMOVE, FALLOC_FL_PUNCH_HOLE); in a huge
 * page segment the freed page may go to someone else's create, and
 * readers touching the hole get SIGBUS: only the owner (and root) write
 * those, whatever the mode.
 */
static bool
access_hugetlb_write(const struct cred *c, const struct segment *seg)
{
	return !seg->hugetlb || access_is_owner(c, seg->uid);
}

bool
access_segment_write(const struct cred *c, const struct segment *seg)
{
	return !seg->frozen && access_hugetlb_write(c, seg) &&
	    access_check(c, seg->uid, seg->gid, seg->mode,
	    ACCESS_READ | ACCESS_WRITE) == 0;
}

int
access_segment_open(const struct cred *c, const struct segment *seg,
    bool write, struct errmsg *e)
{
	int	want = ACCESS_READ | (write ? ACCESS_WRITE : 0);

	if (write && seg->frozen)
		return errmsg_set(e, -EPERM, "segment %llu is frozen: it cannot "
		    "be opened for writing", (unsigned long long)seg->id);
	/* Who owns it and its mode are the business of those who may read. */
	if (access_check(c, seg->uid, seg->gid, seg->mode, ACCESS_READ) < 0)
		return errmsg_set(e, -EACCES, "segment %llu may not be read by "
		    "uid %u", (unsigned long long)seg->id, (unsigned)c->uid);
	if (write && !access_hugetlb_write(c, seg))
		return errmsg_set(e, -EACCES, "segment %llu has huge pages: "
		    "only its owner may write it", (unsigned long long)seg->id);
	if (access_check(c, seg->uid, seg->gid, seg->mode, want) < 0)
		return errmsg_set(e, -EACCES, "mode %04o of segment %llu "
		    "(uid %u gid %u) does not let uid %u write", seg->mode,
		    (unsigned long long)seg->id, (unsigned)seg->uid,
		    (unsigned)seg->gid, (unsigned)c->uid);
	return 0;
}

int
access_segment_own(const struct cred *c, const struct segment *seg,
    const char *verb, struct errmsg *e)
{
	if (!access_is_owner(c, seg->uid))
		return errmsg_set(e, -EPERM, "only uid %u (the owner) or root "
		    "may %s segment %llu", (unsigned)seg->uid, verb,
		    (unsigned long long)seg->id);
	return 0;
}

int
access_publish(const struct cred *c, const struct segment *seg,
    struct errmsg *e)
{
	if (access_segment_read(c, seg) < 0)
		return errmsg_set(e, -EACCES, "the mode of segment %llu does "
		    "not let uid %u read it", (unsigned long long)seg->id,
		    (unsigned)c->uid);
	return 0;
}

int
access_view_read(const struct cred *c, const struct view *v,
    const char *name, struct errmsg *e)
{
	if (access_segment_read(c, v->seg) < 0)
		return errmsg_set(e, -EACCES, "the mode of segment %llu does "
		    "not let uid %u read view '%.300s'",
		    (unsigned long long)v->seg->id, (unsigned)c->uid, name);
	return 0;
}

int
access_view_unpublish(const struct cred *c, const struct view *v,
    const char *name, bool replace, struct errmsg *e)
{
	if (v->uid == c->uid || access_is_owner(c, v->seg->uid))
		return 0;
	if (replace)
		return errmsg_set(e, -EPERM, "view '%.300s' belongs to uid %u",
		    name, (unsigned)v->uid);
	return errmsg_set(e, -EPERM, "only its publisher (uid %u), the "
	    "segment's owner or root may unpublish '%.300s'",
	    (unsigned)v->uid, name);
}
