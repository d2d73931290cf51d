/* SPDX-License-Identifier: MIT */
/* Segment mappings: one per segment per client, refcounted, cached by segment id. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "client-wire.h"

/* The cached mapping of segment id, writable when asked (newest first). */
struct mview_mapping *
mapping_find(struct mview_client *c, uint64_t id, bool writable)
{
	struct mview_mapping	*m;

	for (m = c->maps; m != NULL; m = m->next) {
		if (m->segment_id == id && (m->writable || !writable))
			return m;
	}
	return NULL;
}

/* As mapping_find(), among mappings attached on the current connection
 * only: those the daemon's record of this session is about. */
struct mview_mapping *
mapping_find_current(struct mview_client *c, uint64_t id, bool writable)
{
	struct mview_mapping	*m;

	for (m = c->maps; m != NULL; m = m->next) {
		if (m->segment_id == id && (m->writable || !writable) &&
		    m->gen == c->gen)
			return m;
	}
	return NULL;
}

/* Map fd (not closed here, st its fstat) with one reference; it must cover size. */
static int
mapping_new(uint64_t id, uint64_t size, bool writable, int fd,
    const struct stat *st, struct mview_mapping **ret_map)
{
	struct mview_mapping	*m;
	void			*base = NULL;
	int			 prot = PROT_READ | (writable ? PROT_WRITE : 0);

	if (size > SIZE_MAX || size > INT64_MAX)
		return -EFBIG;
	if (st->st_size < 0 || (uint64_t)st->st_size < size)
		return -EPROTO;	/* touching the tail would SIGBUS */
	if (size > 0) {
		base = mmap(NULL, (size_t)size, prot, MAP_SHARED, fd, 0);
		if (base == MAP_FAILED)
			return -errno;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		if (base != NULL)
			munmap(base, (size_t)size);
		return -ENOMEM;
	}
	m->segment_id = id;
	m->dev = (uint64_t)st->st_dev;
	m->ino = (uint64_t)st->st_ino;
	m->base = base;
	m->size = size;
	m->writable = writable;
	m->refs = 1;
	*ret_map = m;
	return 0;
}

void
mapping_cache_add(struct mview_client *c, struct mview_mapping *m)
{
	m->cache = c;
	m->gen = c->gen;
	m->next = c->maps;
	c->maps = m;
}

/* Unlink m from its cache, leaving the mapping to its users. */
static void
mapping_unlink(struct mview_mapping *m)
{
	struct mview_mapping	**pp;

	for (pp = &m->cache->maps; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	m->cache = NULL;
	m->next = NULL;
}

/*
 * Forget cached mappings of id that map another file than st's: a daemon
 * restarted without its state may give an old id to a new segment.
 */
static void
mapping_forget_stale(struct mview_client *c, uint64_t id,
    const struct stat *st)
{
	struct mview_mapping	*m, *next;

	for (m = c->maps; m != NULL; m = next) {
		next = m->next;
		if (m->segment_id == id && (m->dev != (uint64_t)st->st_dev ||
		    m->ino != (uint64_t)st->st_ino))
			mapping_unlink(m);
	}
}

/*
 * A reference to the mapping of segment id for a reply that attached it
 * (with fd, which is always closed; -1 when the daemon sent none because
 * we map it already): the cached one when it maps the same file and is
 * writable enough, else a new one that new users find first.
 */
int
mapping_get(struct mview_client *c, uint64_t id, uint64_t size,
    bool writable, int fd, struct mview_mapping **ret_map)
{
	struct mview_mapping	*m;
	struct stat		 st;
	int			 r;

	if (fd >= 0 && fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (fd >= 0)
		mapping_forget_stale(c, id, &st);
	if ((m = mapping_find(c, id, writable)) != NULL) {
		if (fd >= 0)
			close(fd);
		mapping_ref(m);
		m->gen = c->gen;
		*ret_map = m;
		return 0;
	}
	if (fd < 0)
		return -EPROTO;
	r = mapping_new(id, size, writable, fd, &st, &m);
	close(fd);
	if (r < 0)
		return r;
	mapping_cache_add(c, m);
	*ret_map = m;
	return 0;
}

/* Tell the daemon this session no longer holds segment id. */
static void
mapping_send_close(struct mview_client *c, uint64_t id)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Ref	ref = MVIEW__REF__INIT;

	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = id;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CLOSE;
	req.segment_close = &ref;
	client_call(c, &req, CLIENT_CALL_NO_RECONNECT | CLIENT_CALL_QUIET,
	    NULL, NULL);
}

/* Open segment id by id on the current connection only; *ret_fd is the
 * fd the daemon sent (the session now holds the segment). */
static int
mapping_reopen(struct mview_client *c, uint64_t id, bool write, int *ret_fd)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentOpen	 so = MVIEW__SEGMENT_OPEN__INIT;
	Mview__Ref		 ref = MVIEW__REF__INIT;
	Mview__Reply		*rep;
	int			 fd, r;

	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = id;
	so.ref = &ref;
	so.has_write = true;
	so.write = write;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &so;
	r = client_call_reply(c, &req,
	    CLIENT_CALL_NO_RECONNECT | CLIENT_CALL_QUIET,
	    MVIEW__REPLY__BODY_SEGMENT, &rep, &fd);
	if (r < 0)
		return r;
	if (fd < 0 || rep->segment->id != id) {
		if (fd >= 0)
			close(fd);
		r = -EPROTO;
	} else
		*ret_fd = fd;
	wire_reply_free(rep);
	return r;
}

/*
 * Make the new session hold m's segment again, as the old one did, so a
 * restarted daemon keeps it past its session grace. When the daemon has
 * no such segment any more, or another file under its id, m leaves the
 * cache (its users keep the memory). Only a lost connection is an error.
 */
static int
mapping_reattach(struct mview_client *c, struct mview_mapping *m)
{
	struct stat	st;
	int		fd = -1, r;

	r = mapping_reopen(c, m->segment_id, m->writable, &fd);
	if (m->writable && (r == -EPERM || r == -EACCES))	/* frozen since? */
		r = mapping_reopen(c, m->segment_id, false, &fd);
	if (r == -ECONNRESET || r == -ETIMEDOUT)
		return r;
	if (r == -ENOENT)
		mapping_unlink(m);
	if (r < 0)
		return 0;	/* left unattached: no close will be sent */
	r = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (r == 0 && (m->dev != (uint64_t)st.st_dev ||
	    m->ino != (uint64_t)st.st_ino)) {
		mapping_unlink(m);
		mapping_send_close(c, m->segment_id);
		return 0;
	}
	m->gen = c->gen;
	return 0;
}

/* After a reconnect: re-attach every cached mapping's segment. */
int
mapping_cache_reattach(struct mview_client *c)
{
	struct mview_mapping	*m, *next;
	int			 r;

	for (m = c->maps; m != NULL; m = next) {
		next = m->next;
		if ((r = mapping_reattach(c, m)) < 0)
			return r;
	}
	return c->fd < 0 ? -ECONNRESET : 0;
}

/* A reply attached segment id but no mapping came of it: detach again. */
void
mapping_abandon(struct mview_client *c, uint64_t id)
{
	if (mapping_find(c, id, false) == NULL && c->fd >= 0)
		mapping_send_close(c, id);
}

/* Unlink m from its cache; detach the session when it was the last one. */
static void
mapping_cache_remove(struct mview_mapping *m)
{
	struct mview_client	*c = m->cache;
	struct mview_mapping	*other;

	mapping_unlink(m);
	if ((other = mapping_find(c, m->segment_id, false)) != NULL) {
		if (m->gen == c->gen)
			other->gen = c->gen;
		return;
	}
	if (c->fd >= 0 && m->gen == c->gen)
		mapping_send_close(c, m->segment_id);
}

void
mapping_cache_detach(struct mview_client *c)
{
	struct mview_mapping	*m, *next;

	for (m = c->maps; m != NULL; m = next) {
		next = m->next;
		m->cache = NULL;
		m->next = NULL;
	}
	c->maps = NULL;
}

/* Atomic, so that views sharing a mapping can be made and dropped in any thread. */
void
mapping_ref(struct mview_mapping *m)
{
	__atomic_fetch_add(&m->refs, 1, __ATOMIC_RELAXED);
}

void
mapping_unref(struct mview_mapping *m)
{
	if (m == NULL)
		return;
	assert(__atomic_load_n(&m->refs, __ATOMIC_RELAXED) > 0);
	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (m->cache != NULL)
		mapping_cache_remove(m);
	if (m->base != NULL)
		munmap(m->base, (size_t)m->size);
	free(m);
}
