/* SPDX-License-Identifier: MIT */
/* Streams across restarts: their memfds in the fd store, their records in the journal, and re-adopting both. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "log.h"
#include "notify.h"
#include "persist-internal.h"
#include "registry-stream.h"

/* "strm-<id>-d" (data), "strm-<id>-c" (control), "strm-<id>-l<k>" (lease k). */
#define PERSIST_STREAM_DATA	(-2)
#define PERSIST_STREAM_CONTROL	(-1)

static void
persist_stream_fdname(uint64_t id, int which, char *buf, size_t len)
{
	if (which == PERSIST_STREAM_DATA)
		snprintf(buf, len, PERSIST_STREAM_PREFIX "%" PRIu64 "-d", id);
	else if (which == PERSIST_STREAM_CONTROL)
		snprintf(buf, len, PERSIST_STREAM_PREFIX "%" PRIu64 "-c", id);
	else
		snprintf(buf, len, PERSIST_STREAM_PREFIX "%" PRIu64 "-l%d", id,
		    which);
}

void
persist_rec_stream(const struct stream *st, struct journal_rec *r)
{
	memset(r, 0, offsetof(struct journal_rec, name));
	r->type = JOURNAL_STREAM;
	r->id = st->id;
	r->size = st->p.geo.capacity;
	r->ctime_ns = st->ctime_ns;
	r->uid = st->uid;
	r->gid = st->gid;
	r->mode = st->p.mode;
	r->lifetime = (uint8_t)st->p.lifetime;
	r->slots = st->p.geo.nslots;
	r->max_consumers = st->p.geo.max_consumers;
	r->max_holds = st->p.geo.max_holds;
	r->producer = st->producer != NULL;
	r->has_name = true;
	snprintf(r->name, sizeof(r->name), "%s", st->name);
}

static int
persist_append_stream(struct persist *p, const struct stream *st,
    enum journal_type type)
{
	persist_rec_stream(st, p->rec);
	p->rec->type = type;
	return persist_append(p, p->rec);
}

/* Remove the names of st's first n memfds (data, control, leases) from the store. */
static void
persist_stream_unstore(const struct stream *st, size_t n)
{
	char	name[64];
	int	r;

	for (size_t i = 0; i < n; i++) {
		persist_stream_fdname(st->id, (int)i - 2, name, sizeof(name));
		if ((r = notify_fdstore_remove(name)) < 0)
			log_warnx("fd store: cannot remove %s: %s", name,
			    strerror(-r));
	}
}

int
persist_stream_add_cb(void *arg, const struct stream *st)
{
	struct persist	*p = arg;
	size_t		 n = 2 + st->p.geo.max_consumers, i;
	char		 name[64];
	int		 fd, r = 0;

	for (i = 0; i < n && r == 0; i++) {
		fd = i == 0 ? st->mem.data_fd : i == 1 ? st->mem.ctl_fd :
		    st->mem.lease_fd[i - 2];
		persist_stream_fdname(st->id, (int)i - 2, name, sizeof(name));
		r = notify_fdstore_add(fd, name);
	}
	if (r == 0 && (r = persist_append_stream(p, st, JOURNAL_STREAM)) == 0)
		return 0;
	persist_stream_unstore(st, i);
	return r;
}

void
persist_stream_change_cb(void *arg, const struct stream *st)
{
	(void)persist_append_stream(arg, st, JOURNAL_STREAM);
}

void
persist_stream_remove_cb(void *arg, const struct stream *st)
{
	(void)persist_append_stream(arg, st, JOURNAL_STREAM_DEL);
}

void
persist_stream_free_cb(void *arg, const struct stream *st)
{
	(void)arg;
	persist_stream_unstore(st, 2 + st->p.geo.max_consumers);
}

/* ------------------------------------------------------------ restoring */

struct staged_stream {
	struct hash_link	 link;
	struct journal_rec	 r;		/* the last STREAM record */
};

static bool
persist_staged_eq(const struct hash_link *l, const void *key)
{
	return container_of(l, struct staged_stream, link)->r.id ==
	    *(const uint64_t *)key;
}

static struct staged_stream *
persist_staged_find(struct hash *staged, uint64_t id)
{
	struct hash_link *l = hash_find(staged, hash_u64(id),
	    persist_staged_eq, &id);

	return l != NULL ? container_of(l, struct staged_stream, link) : NULL;
}

int
persist_stream_stage(struct hash *staged, const struct journal_rec *r)
{
	struct staged_stream	*s = persist_staged_find(staged, r->id);

	if (r->type == JOURNAL_STREAM_DEL) {
		if (s != NULL) {
			hash_remove(staged, &s->link);
			free(s);
		}
		return 0;
	}
	if (s == NULL) {
		if ((s = malloc(sizeof(*s))) == NULL)
			return -ENOMEM;
		hash_insert(staged, &s->link, hash_u64(r->id));
	}
	s->r = *r;
	return 0;
}

/* Take the fd stored as name out of fds (-1: none). */
static int
persist_take_fd(struct notify_fds *fds, const char *name)
{
	for (size_t i = 0; i < fds->n; i++) {
		if (fds->v[i].fd >= 0 && strcmp(fds->v[i].name, name) == 0) {
			int fd = fds->v[i].fd;

			fds->v[i].fd = -1;
			return fd;
		}
	}
	return -1;
}

/* The roles the old daemon gave out: kept for their clients by the grace. */
static void
persist_stream_roles(struct persist *p, struct stream *st, bool producer)
{
	const struct stream_control	*c = st->mem.ctl;

	if (producer && registry_stream_adopt_role(&p->grace, st,
	    STREAM_ROLE_PRODUCER, 0, 0) == 0)
		p->stats.stream_roles++;
	for (uint32_t i = 0; i < st->p.geo.max_consumers; i++) {
		uint32_t pol = atomic_load(&c->active[i]);

		if (pol != STREAM_POLICY_LATEST && pol != STREAM_POLICY_LOSSLESS)
			continue;
		if (registry_stream_adopt_role(&p->grace, st,
		    STREAM_ROLE_CONSUMER, pol, i) == 0)
			p->stats.stream_roles++;
	}
}

static void
persist_stream_adopt(struct persist *p, struct notify_fds *fds,
    const struct journal_rec *r)
{
	struct stream_restore	 rs = {
		.id = r->id, .ctime_ns = r->ctime_ns, .uid = r->uid,
		.gid = r->gid,
	};
	struct errmsg		 e = { "" };
	struct stream		*st;
	size_t			 n = 2 + (size_t)r->max_consumers, i;
	int			*v = NULL;
	char			 name[64];

	rs.p.name = r->name;
	rs.p.mode = r->mode;
	rs.p.lifetime = r->lifetime;
	rs.p.geo = (struct stream_geometry){
		.nslots = r->slots, .max_consumers = r->max_consumers,
		.max_holds = r->max_holds, .capacity = r->size,
	};
	if (r->max_consumers > STREAM_MAX_CONSUMERS ||
	    (v = calloc(n, sizeof(*v))) == NULL) {
		errmsg_set(&e, -EINVAL, "bad geometry or out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		persist_stream_fdname(r->id, (int)i - 2, name, sizeof(name));
		if ((v[i] = persist_take_fd(fds, name)) < 0) {
			errmsg_set(&e, -ENOENT, "%s is not in the fd store",
			    name);
			goto fail;
		}
	}
	if (registry_stream_adopt(p->reg, &rs, v, &p->grace, &e, &st) < 0)
		goto fail;
	persist_stream_roles(p, st, r->producer);
	p->stats.streams++;
	free(v);
	return;

fail:
	log_warnx("restart: dropping stream %" PRIu64 " ('%s'): %s", r->id,
	    r->name, e.text);
	p->stats.dropped_streams++;
	for (i = 0; v != NULL && i < n; i++)
		if (v[i] >= 0)
			close(v[i]);
	free(v);
}

void
persist_streams_adopt(struct persist *p, struct hash *staged,
    struct notify_fds *fds)
{
	struct hash_link	*l;
	size_t			 plen = strlen(PERSIST_STREAM_PREFIX);

	while ((l = hash_pop(staged)) != NULL) {
		struct staged_stream *s = container_of(l, struct staged_stream,
		    link);

		persist_stream_adopt(p, fds, &s->r);
		free(s);
	}
	/* What no stream took goes from the store. */
	for (size_t i = 0; i < fds->n; i++) {
		struct notify_fd *f = &fds->v[i];

		if (f->fd < 0 || strncmp(f->name, PERSIST_STREAM_PREFIX, plen))
			continue;
		log_info("restart: %s belongs to no stream in the journal: "
		    "removed from the fd store", f->name);
		(void)notify_fdstore_remove(f->name);
		close(f->fd);
		f->fd = -1;
	}
}
