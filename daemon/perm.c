/* SPDX-License-Identifier: MIT */
/* Who may do what: peer credentials against a segment's owner, group and mode bits. */
#include <errno.h>
#include <stdlib.h>

#include "perm.h"

void
perm_cred_clear(struct cred *c)
{
	if (c == NULL)
		return;
	free(c->groups);
	c->groups = NULL;
	c->ngroups = 0;
}

bool
perm_in_group(const struct cred *c, gid_t gid)
{
	if (c->gid == gid)
		return true;
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

bool
perm_is_owner(const struct cred *c, uid_t owner)
{
	return c->uid == 0 || c->uid == owner;
}

int
perm_check(const struct cred *c, uid_t owner, gid_t group, uint32_t mode,
    int want)
{
	uint32_t	bits;

	if (perm_is_owner(c, owner))
		return 0;
	if (perm_in_group(c, group))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	return ((bits & (uint32_t)want) == (uint32_t)want) ? 0 : -EACCES;
}

int
perm_check_mode(uint32_t mode)
{
	return (mode & ~PERM_MODE_MASK) ? -EINVAL : 0;
}
