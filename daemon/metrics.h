/* SPDX-License-Identifier: MIT */
/* The daemon's counters and gauges in the Prometheus text exposition format. */
#ifndef MVIEWD_METRICS_H
#define MVIEWD_METRICS_H

#include <stddef.h>

struct server;

/*
 * Render every metric (segments and bytes by state, views, sessions,
 * requests and errors by type, use per uid, limits) as Prometheus text
 * into a malloc'd *ret_text of *ret_len bytes. 0 or -ENOMEM.
 */
int	metrics_render(const struct server *srv, char **ret_text,
	    size_t *ret_len);

#endif /* MVIEWD_METRICS_H */
