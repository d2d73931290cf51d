/* SPDX-License-Identifier: MIT */
/* Unit tests of the access checks: owner/group/other/root x read/write. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/access.h"

#define R	ACCESS_READ
#define W	ACCESS_WRITE
#define RW	(ACCESS_READ | ACCESS_WRITE)

enum who { OWNER, ROOT, GROUP_PRIMARY, GROUP_SUPPL, OTHER };

struct row {
	enum who	who;
	uint32_t	mode;
	int		want;
	int		result;
};

static const struct row matrix[] = {
	/* The owner and root, whatever the bits. */
	{ OWNER, 0000, RW, 0 }, { OWNER, 0600, RW, 0 },
	{ ROOT, 0000, RW, 0 }, { ROOT, 0000, R, 0 },
	/* Group members, by primary gid or supplementary group. */
	{ GROUP_PRIMARY, 0040, R, 0 }, { GROUP_PRIMARY, 0040, W, -EACCES },
	{ GROUP_PRIMARY, 0040, RW, -EACCES }, { GROUP_PRIMARY, 0060, RW, 0 },
	{ GROUP_PRIMARY, 0020, W, 0 }, { GROUP_PRIMARY, 0020, R, -EACCES },
	{ GROUP_PRIMARY, 0600, R, -EACCES },
	{ GROUP_SUPPL, 0040, R, 0 }, { GROUP_SUPPL, 0060, RW, 0 },
	{ GROUP_SUPPL, 0004, R, -EACCES },	/* group class: other bits unused */
	{ GROUP_SUPPL, 0000, R, -EACCES },
	/* Others. */
	{ OTHER, 0004, R, 0 }, { OTHER, 0004, W, -EACCES },
	{ OTHER, 0006, RW, 0 }, { OTHER, 0002, W, 0 },
	{ OTHER, 0660, R, -EACCES }, { OTHER, 0640, R, -EACCES },
	{ OTHER, 0644, R, 0 }, { OTHER, 0666, RW, 0 },
};

#define OBJ_UID		2000
#define OBJ_GID		300

static void
make_cred(enum who who, struct cred *c, gid_t *groups)
{
	memset(c, 0, sizeof(*c));
	c->uid = 1000;
	c->gid = 100;
	groups[0] = 200;
	groups[1] = 250;
	c->groups = groups;
	c->ngroups = 2;
	switch (who) {
	case OWNER:
		c->uid = OBJ_UID;
		break;
	case ROOT:
		c->uid = 0;
		break;
	case GROUP_PRIMARY:
		c->gid = OBJ_GID;
		break;
	case GROUP_SUPPL:
		groups[1] = OBJ_GID;
		break;
	case OTHER:
		break;
	}
}

static void
test_matrix(void **state)
{
	struct cred	c;
	gid_t		groups[2];

	(void)state;
	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		const struct row *r = &matrix[i];

		make_cred(r->who, &c, groups);
		if (access_check(&c, OBJ_UID, OBJ_GID, r->mode, r->want) !=
		    r->result)
			fail_msg("row %zu: who %d mode %04o want %d: expected %d",
			    i, r->who, r->mode, r->want, r->result);
	}
}

static void
test_owner(void **state)
{
	struct cred	c;
	gid_t		groups[2];

	(void)state;
	make_cred(OWNER, &c, groups);
	assert_true(access_is_owner(&c, OBJ_UID));
	make_cred(ROOT, &c, groups);
	assert_true(access_is_owner(&c, OBJ_UID));
	make_cred(GROUP_PRIMARY, &c, groups);
	assert_false(access_is_owner(&c, OBJ_UID));
	assert_true(access_in_group(&c, OBJ_GID));
	make_cred(GROUP_SUPPL, &c, groups);
	assert_true(access_in_group(&c, OBJ_GID));
	make_cred(OTHER, &c, groups);
	assert_false(access_in_group(&c, OBJ_GID));
}

static void
test_modes(void **state)
{
	struct cred	c = { 0 };

	(void)state;
	assert_int_equal(access_check_mode(0), 0);
	assert_int_equal(access_check_mode(0666), 0);
	assert_int_equal(access_check_mode(0640), 0);
	assert_int_equal(access_check_mode(0700), -EINVAL);
	assert_int_equal(access_check_mode(0001), -EINVAL);
	assert_int_equal(access_check_mode(01666), -EINVAL);
	assert_int_equal(access_check_mode(04000), -EINVAL);
	c.groups = malloc(sizeof(gid_t));
	c.ngroups = 1;
	access_cred_clear(&c);
	assert_null(c.groups);
	assert_int_equal(c.ngroups, 0);
	access_cred_clear(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_modes),
	};

	return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}
