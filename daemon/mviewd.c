/* SPDX-License-Identifier: MIT */
/* mviewd's main: options, the listener, signals, readiness, the loop, clean shutdown. */
#include <sys/resource.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "clients.h"
#include "config.h"
#include "errmsg.h"
#include "hash.h"
#include "listener.h"
#include "log.h"
#include "notify.h"
#include "options.h"
#include "persist.h"
#include "server.h"
#include "util.h"

#define MVIEWD_STATUS_SEC	1	/* STATUS= at most this often */
#define MVIEWD_NOTIFY_FLUSH_MS	5000	/* at exit, for a slow manager */

struct mviewd {
	struct options		 opts;
	struct server		 srv;
	struct persist		*persist;
	struct event_base	*base;
	struct event		*ev_term, *ev_int, *ev_hup;
	struct event		*ev_status, *ev_watchdog;
	char			 status[160];
};

static void
mviewd_libevent_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* Segments hold one fd each, two once read-only opened (the O_RDONLY
 * reopen is kept), streams two per memfd (data, control, a lease per
 * consumer position): take all the fds the hard limit allows. */
static void
mviewd_raise_nofile(const struct limits *l)
{
	struct rlimit	rl;
	uint64_t	need = 2 * l->max_segments + l->max_sessions + 64 +
		    2 * l->max_streams * (2 + l->max_stream_consumers);

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("setrlimit(RLIMIT_NOFILE)");
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_notice("RLIMIT_NOFILE is %llu, less than 2 x max-segments + "
		    "max-sessions + 2 x max-streams x (2 + max-stream-consumers): "
		    "clients may see ENFILE before those limits",
		    (unsigned long long)rl.rlim_cur);
}

/* Log each limit that changes. */
static void
mviewd_log_limits(const struct limits *old, const struct limits *new)
{
	for (size_t i = 0; i < limits_count(); i++) {
		const struct limit_desc *d = limits_desc(i);
		uint64_t a = limits_get(old, d), b = limits_get(new, d);

		if (a != b)
			log_notice("reload: %s %llu -> %llu", d->option,
			    (unsigned long long)a, (unsigned long long)b);
	}
}

/*
 * SIGHUP: re-read --config and apply its limits to new requests. What
 * exists stays, even over a new limit; a bad file changes nothing.
 */
static void
mviewd_reload(struct mviewd *d)
{
	struct limits	*in_force = &d->srv.limits, nl;
	struct config	 c;
	struct errmsg	 e = { "" };

	if (d->opts.config_path == NULL) {
		log_notice("SIGHUP: no --config file: nothing to reload");
		return;
	}
	if (config_load_all(d->opts.config_path, &c, NULL, NULL, &e) < 0) {
		log_errorx("SIGHUP: %s; keeping the limits in force", e.text);
		return;
	}
	options_merge_limits(&d->opts, &c, &nl);
	if (nl.max_packet != in_force->max_packet) {
		log_notice("reload: max-packet changes at the next start");
		nl.max_packet = in_force->max_packet;
	}
	mviewd_log_limits(in_force, &nl);
	*in_force = nl;
	d->opts.limits = nl;
	d->opts.reserve = c.reserve;
	if (c.has_log_level && !d->opts.cmd_log_level) {
		d->opts.log_level = c.log_level;
		log_set_level(c.log_level);
	}
	log_notice("SIGHUP: reloaded %s", d->opts.config_path);
}

static void
mviewd_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct mviewd	*d = arg;

	if (sig == SIGHUP) {
		mviewd_reload(d);
		return;
	}
	log_notice("%s: shutting down", strsignal((int)sig));
	event_base_loopbreak(d->base);
}

static const char *
mviewd_status_text(struct mviewd *d)
{
	const struct registry	*reg = &d->srv.reg;
	char			 sz[32];

	snprintf(d->status, sizeof(d->status), "%llu segments, %llu bytes "
	    "(%s), %llu views, %zu clients%s",
	    (unsigned long long)reg->total.segments,
	    (unsigned long long)reg->total.bytes,
	    util_format_size(reg->total.bytes, sz, sizeof(sz)),
	    (unsigned long long)reg->total.views, d->srv.nsessions,
	    persist_enabled(d->persist) ? "" : " (not kept across restarts)");
	return d->status;
}

static void
mviewd_status_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mviewd	*d = arg;
	char		 old[sizeof(d->status)];

	memcpy(old, d->status, sizeof(old));
	if (strcmp(old, mviewd_status_text(d)) != 0)
		notify_status(d->status);
}

static void
mviewd_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	notify_watchdog();
}

/* Signals and periodic timers. */
static void
mviewd_events(struct mviewd *d)
{
	struct timeval	status_tv = { MVIEWD_STATUS_SEC, 0 };
	struct timeval	wd_tv;
	uint64_t	usec;

	d->ev_term = evsignal_new(d->base, SIGTERM, mviewd_signal_cb, d);
	d->ev_int = evsignal_new(d->base, SIGINT, mviewd_signal_cb, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, mviewd_signal_cb, d);
	if (d->ev_term == NULL || d->ev_int == NULL || d->ev_hup == NULL ||
	    event_add(d->ev_term, NULL) < 0 || event_add(d->ev_int, NULL) < 0 ||
	    event_add(d->ev_hup, NULL) < 0)
		fatalx("cannot set up signal handling");
	/* STATUS= only matters to a service manager; no idle wakeups otherwise. */
	if (notify_fdstore_enabled()) {
		d->ev_status = event_new(d->base, -1, EV_PERSIST,
		    mviewd_status_cb, d);
		if (d->ev_status == NULL || event_add(d->ev_status,
		    &status_tv) < 0)
			fatalx("cannot set up the status timer");
	}
	if (!notify_watchdog_usec(&usec))
		return;
	usec /= 2;
	wd_tv.tv_sec = (time_t)(usec / 1000000);
	wd_tv.tv_usec = (suseconds_t)(usec % 1000000);
	d->ev_watchdog = event_new(d->base, -1, EV_PERSIST, mviewd_watchdog_cb,
	    d);
	if (d->ev_watchdog == NULL || event_add(d->ev_watchdog, &wd_tv) < 0)
		fatalx("cannot set up the watchdog timer");
}

static void
mviewd_events_free(struct mviewd *d)
{
	struct event	*evs[] = { d->ev_term, d->ev_int, d->ev_hup,
	    d->ev_status, d->ev_watchdog };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
}

/* The activated socket, else our own at --socket. */
static void
mviewd_listen(struct mviewd *d, struct notify_fds *fds)
{
	struct listen_config	cfg = {
		.path = d->opts.socket_path, .mode = d->opts.socket_mode,
		.gid = d->opts.socket_gid,
	};
	struct errmsg		e = { "" };
	const char		*ours = NULL;
	int			fd, r;

	if (notify_take_listener(fds, &fd) == 0) {
		log_notice("listening on the socket systemd passed");
	} else {
		if ((r = listener_bind(&cfg, &e, &fd)) < 0)
			fatalx("%s", e.text);
		ours = cfg.path;
		log_notice("listening on %s", cfg.path);
	}
	if ((r = clients_start(&d->srv, fd, ours)) < 0) {
		errno = -r;
		fatal("listener");
	}
}

/* Re-adopt what the fd store passed back, then keep it up to date. */
static void
mviewd_persist(struct mviewd *d, struct notify_fds *fds)
{
	struct persist_stats	st;
	int			r;

	if ((r = persist_new(&d->srv.reg, d->base, d->opts.session_grace,
	    &d->persist)) < 0 ||
	    (r = persist_restore(d->persist, fds, &st)) < 0) {
		errno = -r;
		fatal("restoring the registry");
	}
	if (st.generation > 0 || st.segments > 0 || st.dropped_segments > 0)
		log_notice("restart: re-adopted %llu segments (%llu bytes, %llu "
		    "in their session grace) and %llu views from journal "
		    "generation %llu (%llu records); dropped %llu segments, "
		    "%llu views; next id %llu",
		    (unsigned long long)st.segments,
		    (unsigned long long)st.bytes,
		    (unsigned long long)st.session_segments,
		    (unsigned long long)st.views,
		    (unsigned long long)st.generation,
		    (unsigned long long)st.records,
		    (unsigned long long)st.dropped_segments,
		    (unsigned long long)st.dropped_views,
		    (unsigned long long)st.next_id);
	if (st.torn)
		log_warnx("restart: the journal was damaged (%llu records "
		    "unreadable%s); %llu segments kept as recovered (owner "
		    "root, unnamed: 'mviewctl list' shows them)",
		    (unsigned long long)st.unreadable,
		    st.bad_header ? ", header invalid" : "",
		    (unsigned long long)st.recovered_segments);
	if (st.streams > 0 || st.dropped_streams > 0)
		log_notice("restart: re-adopted %llu streams, keeping %llu "
		    "producer and consumer roles for their clients; dropped "
		    "%llu streams", (unsigned long long)st.streams,
		    (unsigned long long)st.stream_roles,
		    (unsigned long long)st.dropped_streams);
	d->srv.restored = persist_grace_holder(d->persist);
	d->srv.persist = d->persist;
	registry_start_ids(&d->srv.reg);
	(void)persist_start(d->persist);
}

/* Tell whoever waits that we accept connections. */
static void
mviewd_ready(struct mviewd *d)
{
	char	c = 'R';

	notify_ready(mviewd_status_text(d));
	if (d->opts.ready_fd < 0)
		return;
	if (write(d->opts.ready_fd, &c, 1) != 1)
		log_warn("--ready-fd %d", d->opts.ready_fd);
	close(d->opts.ready_fd);
	d->opts.ready_fd = -1;
}

/* config_load_all()'s read callback: at start, and for --check-config. */
static void
mviewd_config_read_cb(const char *file, void *arg)
{
	const struct options	*o = arg;

	if (file == NULL && o->check_config)
		printf("# %s: not found (no settings from it)\n", o->config_path);
	else if (file == NULL)
		log_info("config: %s not found: no settings from it",
		    o->config_path);
	else if (o->check_config)
		printf("# read %s\n", file);
	else
		log_info("config: read %s", file);
}

/*
 * Read --config's files into o. For --check-config, print the settings
 * in force or the error; 0 either way when valid, -errno when not.
 */
static int
mviewd_config(struct options *o)
{
	struct config	c;
	struct errmsg	e = { "" };
	int		r;

	if (o->config_path != NULL) {
		if ((r = config_load_all(o->config_path, &c,
		    mviewd_config_read_cb, o, &e)) < 0) {
			fprintf(stderr, "mviewd: %s\n", e.text);
			return r;
		}
		options_apply_config(o, &c);
	}
	if (o->check_config) {
		options_print_settings(stdout, o);
		if (fflush(stdout) != 0)
			return -errno;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct mviewd		d;
	struct notify_fds	fds;
	struct errmsg		e = { "" };
	size_t			left;
	int			r;

	memset(&d, 0, sizeof(d));
	log_init(LOG_INFO);
	if (options_init(&d.opts) < 0)
		fatalx("out of memory");
	if ((r = options_parse(&d.opts, argc, argv, &e)) != 0) {
		options_free(&d.opts);
		if (r > 0)
			return 0;
		fprintf(stderr, "mviewd: %s\nTry 'mviewd --help'.\n", e.text);
		return 2;
	}
	if ((r = mviewd_config(&d.opts)) != 0 || d.opts.check_config) {
		options_free(&d.opts);
		return r < 0 ? 2 : 0;
	}
	log_init(d.opts.log_level);
	signal(SIGPIPE, SIG_IGN);
	hash_seed_random();
	mviewd_raise_nofile(&d.opts.limits);
	notify_init();
	event_set_log_callback(mviewd_libevent_log_cb);
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (server_init(&d.srv, d.base, &d.opts.limits) < 0)
		fatalx("out of memory");
	d.srv.reserve = &d.opts.reserve;
	if (notify_attach(d.base) < 0)
		fatalx("out of memory");
	if (notify_listen_fds(&fds) < 0)
		fatalx("cannot take the fds the service manager passed");
	mviewd_listen(&d, &fds);
	mviewd_persist(&d, &fds);
	notify_fds_free(&fds);
	mviewd_events(&d);
	mviewd_ready(&d);
	log_info("mviewd %s ready (pid %ld)", PACKAGE_VERSION, (long)getpid());
	if (event_base_dispatch(d.base) < 0)
		log_errorx("event loop failed");
	notify_stopping();
	if ((left = notify_shutdown(MVIEWD_NOTIFY_FLUSH_MS)) > 0)
		log_errorx("the service manager did not read %zu messages: "
		    "the segments they were to store are lost", left);
	d.srv.persist = NULL;
	persist_free(d.persist);	/* the fd store keeps everything */
	clients_stop(&d.srv);
	server_fini(&d.srv);
	mviewd_events_free(&d);
	event_base_free(d.base);
	libevent_global_shutdown();
	options_free(&d.opts);
	log_info("stopped");
	return 0;
}
