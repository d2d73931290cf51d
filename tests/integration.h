/* SPDX-License-Identifier: MIT */
/* Integration tests: what every test binary against a real mviewd shares. */
#ifndef MVIEW_TESTS_INTEGRATION_H
#define MVIEW_TESTS_INTEGRATION_H

#include <stdio.h>

#include "daemon-harness.h"
#include "mview.h"

/*
 * In a forked child cmocka's asserts must not be used (they would jump
 * into the parent's copy of the runner): children check with CHILD_CHECK
 * and report through their exit status.
 */
#define CHILD_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: in child %ld: check failed: %s\n", \
		    __FILE__, __LINE__, (long)getpid(), #cond);		\
		return 100;						\
	}								\
} while (0)

/* A call returning 0/-errno that must succeed, in a child. */
#define CHILD_OK(call) do {						\
	int child_r_ = (call);						\
	if (child_r_ < 0) {						\
		fprintf(stderr, "%s:%d: in child %ld: %s: %s\n",	\
		    __FILE__, __LINE__, (long)getpid(), #call,		\
		    mview_strerror(child_r_));				\
		return 101;						\
	}								\
} while (0)

/* Connect to d; fails the test unless it works (not for children). */
struct mview_client *integration_connect(const struct harness_daemon *d);

/*
 * cmocka group fixtures for a binary whose tests share one daemon: the
 * setup arms the watchdog and starts d (extra_argv may be NULL), the
 * teardown stops it and fails the group unless it exits cleanly. Name
 * the daemon with integration_group_daemon() before running the group.
 */
void	integration_group_daemon(struct harness_daemon *d,
	    const char *const *extra_argv);
int	integration_group_setup(void **state);
int	integration_group_teardown(void **state);

#endif /* MVIEW_TESTS_INTEGRATION_H */
