/* SPDX-License-Identifier: MIT */
/* Who may do what: every access decision of the daemon, with its message. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "errmsg.h"
#include "segment.h"
#include "stream.h"
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

static bool
access_reserved_for(const struct cred *c, const struct reservation *rv)
{
	if (c->uid == 0)
		return true;
	for (size_t i = 0; i < rv->nuids; i++)
		if (rv->uids[i] == c->uid)
			return true;
	for (size_t i = 0; i < rv->ngids; i++)
		if (access_in_group(c, rv->gids[i]))
			return true;
	return false;
}

int
access_name_reserved(const struct cred *c, const struct reservations *r,
    const char *name, struct errmsg *e)
{
	for (size_t i = 0; r != NULL && name != NULL && i < r->n; i++) {
		const struct reservation *rv = &r->v[i];

		if (strncmp(name, rv->prefix, strlen(rv->prefix)) == 0 &&
		    !access_reserved_for(c, rv))
			return errmsg_set(e, -EPERM, "names starting with '%s' "
			    "are reserved for other users (mviewd's config: "
			    "reserve)", rv->prefix);
	}
	return 0;
}

/* One "uid:N", "gid:N", "user:NAME" or "group:NAME" into rv. */
static int
access_reserve_owner(struct reservation *rv, const char *tok,
    struct errmsg *e)
{
	const char	*v = strchr(tok, ':');
	char		*end;
	unsigned long	 n = 0;
	bool		 num, is_uid;
	struct passwd	*pw;
	struct group	*gr;

	if (v == NULL || v[1] == '\0')
		return errmsg_set(e, -EINVAL, "reserve: '%s' is not uid:N, "
		    "gid:N, user:NAME or group:NAME", tok);
	v++;
	num = strncmp(tok, "uid:", 4) == 0 || strncmp(tok, "gid:", 4) == 0;
	is_uid = strncmp(tok, "uid:", 4) == 0 || strncmp(tok, "user:", 5) == 0;
	if (!num && strncmp(tok, "user:", 5) != 0 &&
	    strncmp(tok, "group:", 6) != 0)
		return errmsg_set(e, -EINVAL, "reserve: '%s' is not uid:N, "
		    "gid:N, user:NAME or group:NAME", tok);
	if (num) {
		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno != 0 || *end != '\0' || n > UINT32_MAX - 1)
			return errmsg_set(e, -EINVAL, "reserve: '%s' is not a "
			    "number", v);
	} else if (is_uid) {
		if ((pw = getpwnam(v)) == NULL)
			return errmsg_set(e, -EINVAL, "reserve: no user '%s'", v);
		n = pw->pw_uid;
	} else {
		if ((gr = getgrnam(v)) == NULL)
			return errmsg_set(e, -EINVAL, "reserve: no group '%s'", v);
		n = gr->gr_gid;
	}
	if ((is_uid ? rv->nuids : rv->ngids) >= ACCESS_RESERVE_IDS)
		return errmsg_set(e, -ENOSPC, "reserve: at most %d uids and %d "
		    "groups per prefix", ACCESS_RESERVE_IDS, ACCESS_RESERVE_IDS);
	if (is_uid)
		rv->uids[rv->nuids++] = (uid_t)n;
	else
		rv->gids[rv->ngids++] = (gid_t)n;
	return 0;
}

int
access_reserve_parse(struct reservations *r, const char *text,
    struct errmsg *e)
{
	struct reservation	 rv;
	char			 buf[1024], *tok, *save = NULL;
	int			 ret;

	memset(&rv, 0, sizeof(rv));
	if (r->n >= ACCESS_RESERVE_MAX)
		return errmsg_set(e, -ENOSPC, "reserve: at most %d prefixes",
		    ACCESS_RESERVE_MAX);
	if (strlen(text) >= sizeof(buf))
		return errmsg_set(e, -EINVAL, "reserve: line too long");
	strcpy(buf, text);
	if ((tok = strtok_r(buf, " \t", &save)) == NULL ||
	    strlen(tok) > ACCESS_PREFIX_MAX)
		return errmsg_set(e, -EINVAL, "reserve: a prefix of 1 to %d "
		    "bytes, then owners", ACCESS_PREFIX_MAX);
	strcpy(rv.prefix, tok);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
		if ((ret = access_reserve_owner(&rv, tok, e)) < 0)
			return ret;
	if (rv.nuids == 0 && rv.ngids == 0)
		return errmsg_set(e, -EINVAL, "reserve: '%s' names no owner "
		    "(uid:N, gid:N, user:NAME, group:NAME)", rv.prefix);
	r->v[r->n++] = rv;
	return 0;
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

int
access_stream_read(const struct cred *c, const struct stream *st)
{
	return access_check(c, st->uid, st->gid, st->p.mode, ACCESS_READ);
}

int
access_stream_open(const struct cred *c, const struct stream *st,
    bool producer, bool write, struct errmsg *e)
{
	int	want = ACCESS_READ | (producer || write ? ACCESS_WRITE : 0);

	if (access_check(c, st->uid, st->gid, st->p.mode, want) == 0)
		return 0;
	return errmsg_set(e, -EACCES, "mode %04o of stream '%s' (uid %u gid "
	    "%u) does not let uid %u %s", st->p.mode, st->name,
	    (unsigned)st->uid, (unsigned)st->gid, (unsigned)c->uid,
	    producer ? "produce" : write ? "consume with write access" :
	    "consume");
}

int
access_stream_own(const struct cred *c, const struct stream *st,
    struct errmsg *e)
{
	if (access_is_owner(c, st->uid))
		return 0;
	return errmsg_set(e, -EPERM, "only uid %u (the owner) or root may "
	    "delete stream '%s'", (unsigned)st->uid, st->name);
}
