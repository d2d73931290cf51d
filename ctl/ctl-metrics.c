/* SPDX-License-Identifier: MIT */
/* mviewctl metrics: the daemon's metrics in the Prometheus text format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

int
cmd_metrics(struct ctl *ctl, int argc, char **argv)
{
	char	*text;
	int	 r;

	if ((r = ctl_simple_args(ctl, argc, argv, 0, 0)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_client_metrics(ctl->client, &text)) < 0)
		return ctl_fail(ctl, r, "metrics");
	fputs(text, stdout);
	free(text);
	if (fflush(stdout) != 0)
		return ctl_fail(ctl, -EIO, "metrics: writing the output");
	return CTL_EXIT_OK;
}
