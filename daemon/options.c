/* SPDX-License-Identifier: MIT */
/* mviewd's command line: every option, its default, --help. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "errmsg.h"
#include "log.h"
#include "options.h"
#include "wire.h"

enum {
	OPT_SOCKET_MODE = 256,
	OPT_SOCKET_GROUP,
	OPT_LOG_LEVEL,
	OPT_READY_FD,
	OPT_CONFIG,
	OPT_SESSION_GRACE,
	OPT_CHECK_CONFIG,
	OPT_LIMIT_BASE = 512,	/* + index in the limits table */
};

static const struct option options_fixed[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
	{ "verbose", no_argument, NULL, 'v' },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "ready-fd", required_argument, NULL, OPT_READY_FD },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "session-grace", required_argument, NULL, OPT_SESSION_GRACE },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};

#define NFIXED	(sizeof(options_fixed) / sizeof(options_fixed[0]))

/* $MVIEW_SOCKET, else the user's socket for non-root with a runtime dir. */
static int
options_default_socket(char **ret)
{
	const char	*env = getenv("MVIEW_SOCKET");
	const char	*xdg = getenv("XDG_RUNTIME_DIR");
	char		*p = NULL;

	if (env != NULL && env[0] != '\0')
		p = strdup(env);
	else if (geteuid() != 0 && xdg != NULL && xdg[0] == '/') {
		if (asprintf(&p, MVIEWD_SOCKET_USER_FMT, xdg) < 0)
			p = NULL;
	} else
		p = strdup(MVIEWD_SOCKET_SYSTEM);
	if (p == NULL)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int
options_init(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->socket_mode = 0660;
	o->socket_gid = (gid_t)-1;
	o->log_level = LOG_INFO;
	o->ready_fd = -1;
	o->session_grace = 30;
	limits_init(&o->limits);
	return options_default_socket(&o->socket_path);
}

void
options_free(struct options *o)
{
	free(o->socket_path);
	free(o->config_path);
	o->socket_path = o->config_path = NULL;
}

void
options_usage(FILE *f)
{
	struct limits	l;

	limits_init(&l);
	fprintf(f,
"Usage: mviewd [OPTION]...\n"
"Share typed views of memory between processes: the mview broker daemon.\n"
"Runs in the foreground and logs to stderr.\n"
"\n"
"  -s, --socket=PATH            listen here (default: $MVIEW_SOCKET, else\n"
"                               " MVIEWD_SOCKET_SYSTEM " for root,\n"
"                               $XDG_RUNTIME_DIR/mview/mviewd.sock for others;\n"
"                               a socket passed by systemd takes precedence)\n"
"      --socket-mode=MODE       socket file mode, octal (default 0660)\n"
"      --socket-group=GROUP     socket file group (default: unchanged)\n"
"  -v, --verbose                log more (repeat for debug)\n"
"      --log-level=LEVEL        error, warning, notice, info (default), debug\n"
"      --ready-fd=N             write one byte to fd N, then close it, once\n"
"                               accepting connections\n"
"      --config=FILE            read settings from FILE, when it exists, then\n"
"                               from FILE.d/*.conf in name order: 'key = value'\n"
"                               lines named like the long options below\n"
"                               (limits, log-level, session-grace) and reserve\n"
"                               lines; the command line wins; SIGHUP re-reads\n"
"                               them (mviewd.conf(5))\n"
"      --check-config           read the command line and the --config files,\n"
"                               print the settings in force or the first error,\n"
"                               and exit (0: valid, 2: not)\n"
"      --session-grace=SECONDS  after a restart, keep session-lifetime\n"
"                               segments this long for their clients to\n"
"                               re-attach (default 30)\n"
"  -h, --help                   show this help and exit\n"
"  -V, --version                show the version and exit\n"
"\n"
"Limits (SIZE takes K, M, G, T suffixes; every breach is an error reply\n"
"to that client only):\n");
	limits_print_help(f, &l);
	fprintf(f,
"\n"
"Signals: SIGTERM and SIGINT stop cleanly; SIGHUP re-reads --config and\n"
"applies its limits to new requests (a bad file keeps the old ones).\n"
"Under systemd: READY=1/STATUS= via $NOTIFY_SOCKET, the watchdog, socket\n"
"activation via $LISTEN_FDS, and segments plus a journal of the registry\n"
"kept in the fd store (FDSTORE=1), so a restart or crash loses nothing\n"
"(when built with libsystemd).\n");
}

static int
options_parse_mode(const char *s, mode_t *ret, struct errmsg *e)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno != 0 || end == s || *end != '\0' || v > 0777)
		return errmsg_set(e, -EINVAL, "--socket-mode: '%s' is not an "
		    "octal mode", s);
	*ret = (mode_t)v;
	return 0;
}

static int
options_parse_group(const char *s, gid_t *ret, struct errmsg *e)
{
	struct group	*gr;
	char		*end;
	unsigned long	 v;

	if ((gr = getgrnam(s)) != NULL) {
		*ret = gr->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v >= (gid_t)-1)
		return errmsg_set(e, -ENOENT, "--socket-group: no group '%s'", s);
	*ret = (gid_t)v;
	return 0;
}

static int
options_parse_fd(const char *s, int *ret, struct errmsg *e)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 65535 ||
	    fcntl((int)v, F_GETFD) < 0)
		return errmsg_set(e, -EINVAL, "--ready-fd: '%s' is not an open "
		    "file descriptor", s);
	*ret = (int)v;
	return 0;
}

/* The fixed options plus one per limit, NULL-terminated. */
static struct option *
options_table(void)
{
	size_t		 n = limits_count();
	struct option	*t = calloc(NFIXED + n + 1, sizeof(*t));

	if (t == NULL)
		return NULL;
	memcpy(t, options_fixed, sizeof(options_fixed));
	for (size_t i = 0; i < n; i++) {
		t[NFIXED + i].name = limits_desc(i)->option;
		t[NFIXED + i].has_arg = required_argument;
		t[NFIXED + i].val = OPT_LIMIT_BASE + (int)i;
	}
	return t;
}

/* A limit from the command line: in force, and remembered over any config. */
static int
options_limit(struct options *o, size_t i, const char *arg, struct errmsg *e)
{
	const struct limit_desc	*d = limits_desc(i);
	int			 r;

	if ((r = limits_set(&o->limits, d, arg, e)) < 0)
		return r;
	memcpy((char *)&o->cmd_limits + d->offset, (char *)&o->limits +
	    d->offset, sizeof(uint64_t));
	o->cmd_limits_set |= UINT64_C(1) << i;
	return 0;
}

void
options_merge_limits(const struct options *o, const struct config *c,
    struct limits *ret)
{
	*ret = c->limits;
	for (size_t i = 0; i < limits_count(); i++) {
		const struct limit_desc *d = limits_desc(i);

		if (o->cmd_limits_set & (UINT64_C(1) << i))
			memcpy((char *)ret + d->offset, (const char *)&o->cmd_limits +
			    d->offset, sizeof(uint64_t));
	}
}

void
options_apply_config(struct options *o, const struct config *c)
{
	options_merge_limits(o, c, &o->limits);
	o->reserve = c->reserve;
	if (c->has_log_level && !o->cmd_log_level)
		o->log_level = c->log_level;
	if (c->has_session_grace && !o->cmd_session_grace)
		o->session_grace = c->session_grace;
}

void
options_print_settings(FILE *f, const struct options *o)
{
	fprintf(f, "log-level = %s\n", log_level_name(o->log_level));
	fprintf(f, "session-grace = %u\n", o->session_grace);
	for (size_t i = 0; i < limits_count(); i++) {
		const struct limit_desc *d = limits_desc(i);

		fprintf(f, "%s = %llu\n", d->option,
		    (unsigned long long)limits_get(&o->limits, d));
	}
	for (size_t i = 0; i < o->reserve.n; i++) {
		const struct reservation *rv = &o->reserve.v[i];

		fprintf(f, "reserve = %s", rv->prefix);
		for (size_t j = 0; j < rv->nuids; j++)
			fprintf(f, " uid:%lu", (unsigned long)rv->uids[j]);
		for (size_t j = 0; j < rv->ngids; j++)
			fprintf(f, " gid:%lu", (unsigned long)rv->gids[j]);
		fputc('\n', f);
	}
}

/* One option: 0 to go on, 1 to exit successfully, -errno. */
static int
options_one(struct options *o, int c, const char *arg, struct errmsg *e)
{
	switch (c) {
	case 's':
		free(o->socket_path);
		if ((o->socket_path = strdup(arg)) == NULL)
			return errmsg_set(e, -ENOMEM, "out of memory");
		return 0;
	case OPT_SOCKET_MODE:
		return options_parse_mode(arg, &o->socket_mode, e);
	case OPT_SOCKET_GROUP:
		return options_parse_group(arg, &o->socket_gid, e);
	case 'v':
		if (o->log_level < LOG_DEBUG)
			o->log_level++;
		o->cmd_log_level = true;
		return 0;
	case OPT_LOG_LEVEL:
		if (log_parse_level(arg, &o->log_level) < 0)
			return errmsg_set(e, -EINVAL, "--log-level: '%s' is not "
			    "a level", arg);
		o->cmd_log_level = true;
		return 0;
	case OPT_READY_FD:
		return options_parse_fd(arg, &o->ready_fd, e);
	case OPT_CONFIG:
		free(o->config_path);
		if ((o->config_path = strdup(arg)) == NULL)
			return errmsg_set(e, -ENOMEM, "out of memory");
		return 0;
	case OPT_SESSION_GRACE:
		if (config_parse_grace(arg, &o->session_grace) < 0)
			return errmsg_set(e, -EINVAL, "--session-grace: '%s' is "
			    "not a number of seconds up to %u", arg,
			    CONFIG_GRACE_MAX);
		o->cmd_session_grace = true;
		return 0;
	case OPT_CHECK_CONFIG:
		o->check_config = true;
		return 0;
	case 'h':
		options_usage(stdout);
		return 1;
	case 'V':
		printf("mviewd %s (protocol %d.%d)\n", PACKAGE_VERSION,
		    MVIEW_PROTOCOL_MAJOR, MVIEW_PROTOCOL_MINOR);
		return 1;
	default:
		if (c >= OPT_LIMIT_BASE && (size_t)(c - OPT_LIMIT_BASE) <
		    limits_count())
			return options_limit(o, (size_t)(c - OPT_LIMIT_BASE),
			    arg, e);
		return errmsg_set(e, -EINVAL, "unknown option");
	}
}

int
options_parse(struct options *o, int argc, char **argv, struct errmsg *e)
{
	struct option	*table = options_table();
	int		 c, r = 0;

	if (table == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	optind = 1;
	opterr = 0;
	while (r == 0 && (c = getopt_long(argc, argv, ":s:vhV", table,
	    NULL)) != -1) {
		if (c == '?')
			r = errmsg_set(e, -EINVAL, "unknown option '%s'",
			    argv[optind - 1]);
		else if (c == ':')
			r = errmsg_set(e, -EINVAL, "option '%s' needs a value",
			    argv[optind - 1]);
		else
			r = options_one(o, c, optarg, e);
	}
	if (r == 0 && optind < argc)
		r = errmsg_set(e, -EINVAL, "unexpected argument '%s'",
		    argv[optind]);
	free(table);
	return r;
}
