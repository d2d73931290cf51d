/* SPDX-License-Identifier: MIT */
/* mviewd's command line: every option, its default, --help. */
#ifndef MVIEWD_OPTIONS_H
#define MVIEWD_OPTIONS_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "access.h"
#include "limits.h"

#define MVIEWD_SOCKET_SYSTEM	"/run/mview/mviewd.sock"
#define MVIEWD_SOCKET_USER_FMT	"%s/mview/mviewd.sock"	/* $XDG_RUNTIME_DIR */

struct errmsg;

struct config;

struct options {
	char		*socket_path;	/* malloc'd */
	char		*config_path;	/* malloc'd, NULL: none */
	unsigned	 session_grace;	/* seconds */
	mode_t		 socket_mode;
	gid_t		 socket_gid;	/* (gid_t)-1: unchanged */
	int		 log_level;
	int		 ready_fd;	/* -1: none */
	struct limits	 limits;	/* in force: defaults < config < command line */
	struct reservations reserve;	/* reserved name prefixes (config) */
	/* What the command line set, which a config file never overrides. */
	struct limits	 cmd_limits;
	uint64_t	 cmd_limits_set;	/* bit i: limits_desc(i) */
	bool		 cmd_log_level;
	bool		 cmd_session_grace;
	bool		 check_config;	/* --check-config: validate, print, exit */
};

/* The defaults (the socket path from the environment, see --help). */
int	options_init(struct options *o);
void	options_free(struct options *o);

/*
 * Parse argv into o. Returns 0 to run, 1 when --help or --version was
 * printed (exit 0), or -EINVAL/-ERANGE/-ENOENT with a message (exit 2).
 */
int	options_parse(struct options *o, int argc, char **argv,
	    struct errmsg *e);

void	options_usage(FILE *f);

/*
 * The limits c gives, with the command line's on top, into ret (only
 * computed: nothing in o changes).
 */
void	options_merge_limits(const struct options *o, const struct config *c,
	    struct limits *ret);

/* Take c's settings (those the command line did not set) into o. */
void	options_apply_config(struct options *o, const struct config *c);

/* Every setting in force, as config file lines ("max-segments = 65536"). */
void	options_print_settings(FILE *f, const struct options *o);

#endif /* MVIEWD_OPTIONS_H */
