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

#endif /* MVIEW_TESTS_INTEGRATION_H */
