/* SPDX-License-Identifier: MIT */
/* Integration tests: the cmocka fixtures for a group run against one mviewd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "integration.h"

static struct harness_daemon	*group_daemon;
static const char *const	*group_argv;

struct mview_client *
integration_connect(const struct harness_daemon *d)
{
	struct mview_client	*c = NULL;
	int			 r;

	if ((r = mview_client_connect(d->socket, &c)) < 0)
		fail_msg("connect to %s: %s", d->socket, mview_strerror(r));
	assert_non_null(c);
	return c;
}

void
integration_group_daemon(struct harness_daemon *d,
    const char *const *extra_argv)
{
	group_daemon = d;
	group_argv = extra_argv;
}

int
integration_group_setup(void **state)
{
	(void)state;
	harness_watchdog(0);
	if (group_daemon == NULL)
		return -1;
	return harness_daemon_start(group_daemon, group_argv) < 0 ? -1 : 0;
}

int
integration_group_teardown(void **state)
{
	(void)state;
	return harness_daemon_stop(group_daemon) != 0 ? -1 : 0;
}
