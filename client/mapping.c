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

/* The cached shared mapping of segment id, writable when asked (newest
 * first); private ones are never shared. */
struct mview_mapping *
mapping_find(struct mview_client *c, uint64_t id, bool writable)
{
	struct mview_mapping	*m;

	for (m = c->maps; m != NULL; m = m->next) {
		if (m->segment_id == id && (m->writable || !writable) &&
		    !m->private_copy)
			return m;
	}
	return NULL;
}

/* Any mapping of segment id in c's cache, private ones included: while
 * there is one, this session holds the segment. */
static struct mview_mapping *
mapping_find_any(struct mview_client *c, uint64_t id)
{
	struct mview_mapping	*m;

	for (m = c->maps; m != NULL; m = m->next)
		if (m->segment_id == id)
			return m;
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
		    !m->private_copy && m->gen == c->gen)
			return m;
	}
	return NULL;
}

/*
 * Map fd (not closed here, st its fstat) with one reference; it must cover
 * size. A private mapping is writable whatever fd allows: MAP_PRIVATE
 * writes go to this process's own copy of the page, never to the file
 * (so neither an O_RDONLY fd nor the seals of a frozen segment stop it).
 */
static int
mapping_new(uint64_t id, uint64_t size, enum mapping_kind kind, int fd,
    const struct stat *st, struct mview_mapping **ret_map)
{
	struct mview_mapping	*m;
	void			*base = NULL;
	bool			 writable = kind != MAPPING_READ;
	int			 prot = PROT_READ | (writable ? PROT_WRITE : 0);
	int			 flags = kind == MAPPING_PRIVATE ? MAP_PRIVATE :
				    MAP_SHARED;

	if (size > SIZE_MAX || size > INT64_MAX)
		return -EFBIG;
	if (st->st_size < 0 || (uint64_t)st->st_size < size)
		return -EPROTO;	/* touching the tail would SIGBUS */
	if (size > 0) {
		base = mmap(NULL, (size_t)size, prot, flags, fd, 0);
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
	m->private_copy = kind == MAPPING_PRIVATE;
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
void
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
 * writable enough, else a new one that new users find first. A private
 * mapping is always a new one, of its own.
 */
int
mapping_get(struct mview_client *c, uint64_t id, uint64_t size,
    enum mapping_kind kind, int fd, struct mview_mapping **ret_map)
{
	struct mview_mapping	*m;
	struct stat		 st;
	bool			 writable = kind == MAPPING_WRITE;
	int			 r;

	if (fd >= 0 && fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (fd >= 0)
		mapping_forget_stale(c, id, &st);
	if (kind != MAPPING_PRIVATE &&
	    (m = mapping_find(c, id, writable)) != NULL) {
		if (fd >= 0)
			close(fd);
		mapping_ref(m);
		m->gen = c->gen;
		*ret_map = m;
		return 0;
	}
	if (fd < 0)
		return -EPROTO;
	r = mapping_new(id, size, kind, fd, &st, &m);
	close(fd);
	if (r < 0)
		return r;
	mapping_cache_add(c, m);
	*ret_map = m;
	return 0;
}

/* Tell the daemon this session no longer holds segment id: on the
 * current connection only (a new one never held it), keeping errmsg. */
void
mapping_send_close(struct mview_client *c, uint64_t id)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Ref	ref = MVIEW__REF__INIT;

	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = id;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CLOSE;
	req.segment_close = &ref;
	conn_call(&c->conn, &req, CONN_QUIET, MVIEW__REPLY__BODY__NOT_SET,
	    NULL, NULL, NULL);
}

/* A reply attached segment id but no mapping came of it: detach again. */
void
mapping_abandon(struct mview_client *c, uint64_t id)
{
	if (mapping_find_any(c, id) == NULL && c->conn.fd >= 0)
		mapping_send_close(c, id);
}

/* Unlink m from its cache; detach the session when it was the last one. */
static void
mapping_cache_remove(struct mview_mapping *m)
{
	struct mview_client	*c = m->cache;
	struct mview_mapping	*other;

	mapping_unlink(m);
	if ((other = mapping_find_any(c, m->segment_id)) != NULL) {
		if (m->gen == c->gen)
			other->gen = c->gen;
		return;
	}
	if (c->conn.fd >= 0 && m->gen == c->gen)
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
	if (m->release != NULL) {
		m->release(m);
		return;
	}
	if (m->cache != NULL)
		mapping_cache_remove(m);
	if (m->base != NULL)
		munmap(m->base, (size_t)m->size);
	free(m);
}
