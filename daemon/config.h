/* SPDX-License-Identifier: MIT */
/* mviewd's config file: "key = value" lines named like the long options, re-read on SIGHUP. */
#ifndef MVIEWD_CONFIG_H
#define MVIEWD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "access.h"
#include "limits.h"

struct errmsg;

/* The settings a config file may hold; what it does not name stays default. */
struct config {
	struct limits	limits;		/* the defaults, overridden by the file */
	uint64_t	limits_set;	/* bit i: limits_desc(i) is in the file */
	int		log_level;
	bool		has_log_level;
	unsigned	session_grace;
	bool		has_session_grace;
	struct reservations reserve;	/* "reserve" lines, in order */
};

#define CONFIG_GRACE_MAX	(7u * 86400)	/* seconds */

/* The defaults: nothing set. */
void	config_init(struct config *c);

/*
 * Parse text (what names it in messages, e.g. the path) into c, from the
 * defaults. Lines: "key = value", blank, or comments from '#'. Keys: every
 * limit option (max-total-bytes, ...), log-level, session-grace.
 * 0, or -EINVAL/-ERANGE with "what:line: ..." in e (c is then undefined).
 */
int	config_parse(const char *text, const char *what, struct config *c,
	    struct errmsg *e);

/* Read and parse path. As config_parse(), and -errno when it cannot be read. */
int	config_load(const char *path, struct config *c, struct errmsg *e);

/* Told each file config_load_all() read, or NULL when FILE itself is absent. */
typedef void (*config_read_cb)(const char *file, void *arg);

/*
 * The configuration --config=FILE names: FILE when it exists (absent means
 * no settings), then every FILE.d/NAME.conf in byte order of NAME,
 * each on top of the ones before. read_cb (may be NULL) hears of each file
 * read. 0, or the first error as config_load() gives it (c is then
 * undefined: keep what was in force).
 */
int	config_load_all(const char *path, struct config *c,
	    config_read_cb read_cb, void *arg, struct errmsg *e);

/* Parse a --session-grace / session-grace value in seconds. 0 or -EINVAL. */
int	config_parse_grace(const char *s, unsigned *ret);

#endif /* MVIEWD_CONFIG_H */
