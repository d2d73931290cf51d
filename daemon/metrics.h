/* SPDX-License-Identifier: MIT */
/* The daemon's counters and gauges in the Prometheus text exposition format. */
#ifndef MVIEWD_METRICS_H
#define MVIEWD_METRICS_H

#include <stddef.h>

struct server;

/*
 * Render every metric (segments and bytes by state, views, sessions,
 * streams in total and per stream, restarts and the journal, requests
 * and errors by type, use per uid, limits) as Prometheus text
 * into a malloc'd *ret_text of *ret_len bytes. Per-stream series are
 * given to the oldest live streams, at most 256 of them and as many as
 * keep the text within budget bytes. 0 or -ENOMEM.
 */
int	metrics_render(const struct server *srv, size_t budget,
	    char **ret_text, size_t *ret_len);

#endif /* MVIEWD_METRICS_H */
