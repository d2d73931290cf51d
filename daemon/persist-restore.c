/* SPDX-License-Identifier: MIT */
/* Surviving restarts: re-adopting the journal and the segment memfds the fd store passed back. */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "hash.h"
#include "log.h"
#include "notify.h"
#include "persist-internal.h"
#include "segment.h"
#include "util.h"
#include "views.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif

#define RESTORE_JOURNAL_MAX	((uint64_t)1 << 32)	/* bytes we read at most */
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC		0x958458f6
#endif

/* A segment as the journal leaves it. */
struct staged_seg {
	struct hash_link	 link;
	struct segment_restore	 p;
	char			*name;
};

/* A view as the journal leaves it (the struct view, unlinked, as storage). */
struct staged_view {
	struct hash_link	 link;
	uint64_t		 seg_id;
	struct view		*v;
};

/* A seg-<id> fd from the store. */
struct stored_seg {
	uint64_t	id;
	int		fd;
	bool		adopted;
	bool		deleted;	/* the journal says it was deleted */
};

struct restore {
	struct persist		*p;
	struct hash		 segs;		/* struct staged_seg by id */
	struct hash		 views;		/* struct staged_view by name */
	struct hash		 streams;	/* persist-stream.c's, by id */
	uint64_t		 next_id;
	struct stored_seg	*fds;		/* sorted by id */
	size_t			 nfds;
};

/* --------------------------------------------------------------- staging */

static bool
restore_seg_eq(const struct hash_link *l, const void *key)
{
	return container_of(l, struct staged_seg, link)->p.id ==
	    *(const uint64_t *)key;
}

static struct staged_seg *
restore_seg_find(const struct restore *rs, uint64_t id)
{
	struct hash_link *l = hash_find(&rs->segs, hash_u64(id),
	    restore_seg_eq, &id);

	return l != NULL ? container_of(l, struct staged_seg, link) : NULL;
}

static bool
restore_view_eq(const struct hash_link *l, const void *key)
{
	return strcmp(views_name(container_of(l, struct staged_view,
	    link)->v), key) == 0;
}

static struct staged_view *
restore_view_find(const struct restore *rs, const char *name)
{
	struct hash_link *l = hash_find(&rs->views, hash_string(name),
	    restore_view_eq, name);

	return l != NULL ? container_of(l, struct staged_view, link) : NULL;
}

static void
restore_seg_free(struct staged_seg *s)
{
	if (s != NULL)
		free(s->name);
	free(s);
}

static void
restore_view_free(struct staged_view *s)
{
	if (s != NULL)
		views_free(s->v);
	free(s);
}

static int
restore_put_segment(struct restore *rs, const struct journal_rec *r)
{
	struct staged_seg	*s = restore_seg_find(rs, r->id), *n;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (r->has_name && (n->name = strdup(r->name)) == NULL)) {
		restore_seg_free(n);
		return -ENOMEM;
	}
	n->p = (struct segment_restore){
		.name = n->name, .id = r->id, .size = r->size,
		.ctime_ns = r->ctime_ns, .uid = r->uid, .gid = r->gid,
		.mode = r->mode, .lifetime = r->lifetime, .frozen = r->frozen,
		.hugetlb = r->hugetlb, .recovered = r->recovered,
	};
	if (s != NULL) {
		hash_remove(&rs->segs, &s->link);
		restore_seg_free(s);
	}
	hash_insert(&rs->segs, &n->link, hash_u64(r->id));
	if (r->id >= rs->next_id && r->id < REGISTRY_ID_MAX)
		rs->next_id = r->id + 1;
	return 0;
}

static int
restore_put_view(struct restore *rs, const struct journal_rec *r)
{
	struct staged_view	*s = restore_view_find(rs, r->name), *n;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->v = views_new(r->name, &r->desc, r->uid, r->ctime_ns)) == NULL) {
		free(n);
		return -ENOMEM;
	}
	n->seg_id = r->desc.segment_id;
	if (s != NULL) {
		hash_remove(&rs->views, &s->link);
		restore_view_free(s);
	}
	hash_insert(&rs->views, &n->link, hash_string(r->name));
	return 0;
}

static struct stored_seg *restore_fd_find(struct restore *rs, uint64_t id);

/* Replay one record into the staging tables. 0 or -ENOMEM. */
static int
restore_apply(struct restore *rs, const struct journal_rec *r)
{
	struct staged_seg	*s;
	struct staged_view	*v;
	struct stored_seg	*f;

	switch (r->type) {
	case JOURNAL_SEGMENT:
		if ((f = restore_fd_find(rs, r->id)) != NULL)
			f->deleted = false;
		return restore_put_segment(rs, r);
	case JOURNAL_SEGMENT_DEL:
		for (f = restore_fd_find(rs, r->id); f != NULL &&
		    f < rs->fds + rs->nfds && f->id == r->id; f++)
			f->deleted = true;
		if ((s = restore_seg_find(rs, r->id)) != NULL) {
			hash_remove(&rs->segs, &s->link);
			restore_seg_free(s);
		}
		return 0;
	case JOURNAL_VIEW:
		return restore_put_view(rs, r);
	case JOURNAL_VIEW_DEL:
		if ((v = restore_view_find(rs, r->name)) != NULL) {
			hash_remove(&rs->views, &v->link);
			restore_view_free(v);
		}
		return 0;
	case JOURNAL_NEXT_ID:
		if (r->id > rs->next_id && r->id <= REGISTRY_ID_MAX)
			rs->next_id = r->id;
		return 0;
	case JOURNAL_STREAM:
	case JOURNAL_STREAM_DEL:
		if (r->id >= rs->next_id && r->id < REGISTRY_ID_MAX)
			rs->next_id = r->id + 1;	/* never reuse an id */
		return persist_stream_stage(&rs->streams, r);
	case JOURNAL_DAEMON:
		rs->p->stats.restarts = r->id;
		rs->p->stats.created_ns = r->ctime_ns;
		return 0;
	}
	return 0;
}

/* ---------------------------------------------------------- the journal */

/* Map fd read-only. 0, or -errno when it is no journal we can read. */
static int
restore_map(int fd, const uint8_t **ret, size_t *ret_len)
{
	struct stat	st;
	void		*m;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < JOURNAL_HEADER_SIZE ||
	    (uint64_t)st.st_size > RESTORE_JOURNAL_MAX)
		return -EBADMSG;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	*ret = m;
	*ret_len = (size_t)st.st_size;
	return 0;
}

/*
 * The next readable record after a bad one at off that should have had
 * sequence seq: a later sequence number (at most one per minimal record
 * in between) whose CRC holds. Its offset and sequence, or 0.
 */
static size_t
restore_resync(struct restore *rs, const uint8_t *buf, size_t len,
    size_t off, uint64_t seq, uint64_t *ret_seq)
{
	struct journal_rec	*r = rs->p->rec;
	uint64_t		 s;
	size_t			 used;
	int			 d;

	for (size_t at = off + 1; at + JOURNAL_REC_OVERHEAD <= len; at++) {
		s = 0;
		for (int i = 7; i >= 0; i--)
			s = s << 8 | buf[at + 8 + (size_t)i];
		if (s <= seq || s - seq > (at - off) / JOURNAL_REC_OVERHEAD + 1)
			continue;
		d = journal_decode(buf + at, len - at, s, r, &used);
		if (d == 0 || d == -EOPNOTSUPP) {
			*ret_seq = s;
			return at;
		}
	}
	return 0;
}

/* Replay a mapped journal, going on past unreadable records. 0 or -ENOMEM. */
static int
restore_replay(struct restore *rs, const uint8_t *buf, size_t len)
{
	struct persist_stats	*st = &rs->p->stats;
	struct journal_rec	*r = rs->p->rec;
	size_t			 off = JOURNAL_HEADER_SIZE, used, next;
	uint64_t		 nseq;
	int			 ret = 0, d;

	for (uint64_t seq = 1;; seq++) {
		d = journal_decode(buf + off, len - off, seq, r, &used);
		if (d == -ENODATA)
			break;
		if (d == -EBADMSG) {
			st->torn = true;
			if ((next = restore_resync(rs, buf, len, off, seq,
			    &nseq)) == 0) {
				log_warnx("journal: record %" PRIu64 " at offset "
				    "%zu is torn or corrupt, and nothing "
				    "readable follows in its %zu bytes", seq,
				    off, len - off);
				st->unreadable++;
				break;
			}
			log_warnx("journal: records %" PRIu64 "..%" PRIu64
			    " (offsets %zu..%zu) are unreadable: going on "
			    "from record %" PRIu64, seq, nseq - 1, off, next,
			    nseq);
			st->unreadable += nseq - seq;
			off = next;
			seq = nseq - 1;
			continue;
		}
		off += used;
		st->records++;
		if (d == -EOPNOTSUPP) {
			log_warnx("journal: record %" PRIu64 " has an unknown "
			    "type: skipped", seq);
			continue;
		}
		if ((ret = restore_apply(rs, r)) < 0)
			break;
	}
	return ret;
}

/* The newest journal with a sound header among fds; the others go. */
static int
restore_pick_journal(struct restore *rs, struct notify_fds *fds)
{
	size_t		 plen = strlen(PERSIST_JOURNAL_PREFIX), best = SIZE_MAX;
	size_t		 bad = SIZE_MAX;
	uint64_t	 best_gen = 0, bad_gen = 0, gen;
	uint8_t		 head[JOURNAL_HEADER_SIZE];

	for (size_t i = 0; i < fds->n; i++) {
		struct notify_fd *f = &fds->v[i];

		if (f->fd < 0 || strncmp(f->name, PERSIST_JOURNAL_PREFIX, plen))
			continue;
		if (persist_add_old(rs->p, f->name) < 0)
			return -ENOMEM;
		if (pread(f->fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
		    journal_header_decode(head, sizeof(head), &gen) < 0) {
			/* Its records may still be readable: the last resort. */
			gen = strtoull(f->name + plen, NULL, 10);
			log_warnx("journal: %s has no valid header", f->name);
			if (bad == SIZE_MAX || gen > bad_gen) {
				bad = i;
				bad_gen = gen;
			}
			continue;
		}
		if (best == SIZE_MAX || gen > best_gen) {
			best = i;
			best_gen = gen;
		}
	}
	if (best == SIZE_MAX && bad != SIZE_MAX) {
		log_warnx("journal: reading the records of %s without its "
		    "header", fds->v[bad].name);
		rs->p->stats.bad_header = true;
		rs->p->stats.torn = true;
		best = bad;
		best_gen = bad_gen;
	}
	if (best == SIZE_MAX)
		return -ENOENT;
	rs->p->stats.generation = best_gen;
	rs->p->gen = best_gen;
	return (int)best;
}

static int
restore_journal(struct restore *rs, struct notify_fds *fds)
{
	const uint8_t	*buf = NULL;
	size_t		 len = 0;
	int		 i, r;

	if ((i = restore_pick_journal(rs, fds)) < 0)
		return i == -ENOENT ? 0 : i;
	if ((r = restore_map(fds->v[i].fd, &buf, &len)) < 0) {
		log_warnx("journal: cannot read %s: %s", fds->v[i].name,
		    strerror(-r));
		return 0;
	}
	log_info("journal: replaying %s (%zu bytes)", fds->v[i].name, len);
	r = restore_replay(rs, buf, len);
	munmap((void *)buf, len);
	return r;
}

/* ----------------------------------------------------------- segment fds */

static int
stored_seg_cmp(const void *a, const void *b)
{
	const struct stored_seg	*x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* "seg-<id>" with a decimal id > 0, or 0. */
static uint64_t
restore_parse_seg_name(const char *name)
{
	size_t		 plen = strlen(PERSIST_SEGMENT_PREFIX);
	const char	*s = name + plen;
	uint64_t	 id = 0;

	if (strncmp(name, PERSIST_SEGMENT_PREFIX, plen) != 0 || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || id > (UINT64_MAX - 9) / 10)
			return 0;
		id = id * 10 + (uint64_t)(*s - '0');
	}
	return id;
}

/* Take the seg-* fds out of fds; unknown names of ours go from the store. */
static int
restore_collect_fds(struct restore *rs, struct notify_fds *fds)
{
	size_t	plen = strlen(PERSIST_SEGMENT_PREFIX);

	if ((rs->fds = calloc(fds->n + 1, sizeof(*rs->fds))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < fds->n; i++) {
		struct notify_fd	*f = &fds->v[i];
		uint64_t		 id;

		if (f->fd < 0 || strncmp(f->name, PERSIST_SEGMENT_PREFIX, plen))
			continue;
		if ((id = restore_parse_seg_name(f->name)) == 0 ||
		    id >= REGISTRY_ID_MAX) {
			log_warnx("fd store: %s is no segment name: dropped",
			    f->name);
			(void)notify_fdstore_remove(f->name);
			close(f->fd);
		} else {
			rs->fds[rs->nfds].id = id;
			rs->fds[rs->nfds++].fd = f->fd;
			if (id >= rs->next_id)
				rs->next_id = id + 1;	/* never reuse an id */
		}
		f->fd = -1;
	}
	qsort(rs->fds, rs->nfds, sizeof(*rs->fds), stored_seg_cmp);
	return 0;
}

static struct stored_seg *
restore_fd_find(struct restore *rs, uint64_t id)
{
	struct stored_seg	key = { .id = id }, *f;

	f = bsearch(&key, rs->fds, rs->nfds, sizeof(*rs->fds), stored_seg_cmp);
	/* Duplicates (never made by us): the first one. */
	while (f != NULL && f > rs->fds && f[-1].id == id)
		f--;
	return f;
}

/* Is fd the memfd the journal describes? Fixes the frozen flag from seals. */
static int
restore_check_fd(int fd, struct segment_restore *p, struct errmsg *e)
{
	struct stat	st;
	int		seals;

	if ((seals = fcntl(fd, F_GET_SEALS)) < 0)
		return errmsg_set(e, -EINVAL, "not a sealable memfd (%s)",
		    strerror(errno));
	if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) !=
	    (F_SEAL_SHRINK | F_SEAL_GROW))
		return errmsg_set(e, -EINVAL, "not sealed against resizing "
		    "(seals %#x)", (unsigned)seals);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return errmsg_set(e, -EINVAL, "cannot stat it");
	if ((uint64_t)st.st_size != p->size)
		return errmsg_set(e, -EINVAL, "its size is %llu, the journal "
		    "says %llu", (unsigned long long)st.st_size,
		    (unsigned long long)p->size);
	if (seals & F_SEAL_FUTURE_WRITE)
		p->frozen = true;	/* frozen just before a crash */
	else if (p->frozen && segment_memfd_freeze(fd, e) < 0) {
		log_warnx("segment %llu: frozen in the journal, but %s: "
		    "not frozen now", (unsigned long long)p->id, e->text);
		p->frozen = false;
	}
	return 0;
}

/* ------------------------------------------------------------ adopting */

static int
staged_seg_cmp(const void *a, const void *b)
{
	const struct staged_seg	*x = *(struct staged_seg *const *)a;
	const struct staged_seg	*y = *(struct staged_seg *const *)b;

	return x->p.id < y->p.id ? -1 : x->p.id > y->p.id;
}

static void
restore_adopt_segment(struct restore *rs, struct staged_seg *s)
{
	struct persist_stats	*st = &rs->p->stats;
	struct stored_seg	*f = restore_fd_find(rs, s->p.id);
	struct errmsg		 e = { "" };
	struct segment		*seg;

	if (f == NULL)
		errmsg_set(&e, -ENOENT, "its memfd is not in the fd store");
	else if (restore_check_fd(f->fd, &s->p, &e) == 0 &&
	    registry_segment_adopt(rs->p->reg, &s->p, f->fd, &rs->p->grace,
	    &e, &seg) == 0) {
		f->adopted = true;
		st->segments++;
		st->bytes += s->p.size;
		if (s->p.lifetime == SEGMENT_SESSION)
			st->session_segments++;
		return;
	}
	log_warnx("restart: dropping segment %llu ('%s'): %s",
	    (unsigned long long)s->p.id, s->name ? s->name : "anonymous",
	    e.text);
	st->dropped_segments++;
}

static int
restore_adopt_segments(struct restore *rs)
{
	size_t			 n = hash_count(&rs->segs), i = 0;
	struct staged_seg	**v;
	struct hash_link	*l;

	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	while ((l = hash_pop(&rs->segs)) != NULL)
		v[i++] = container_of(l, struct staged_seg, link);
	qsort(v, n, sizeof(*v), staged_seg_cmp);
	for (i = 0; i < n; i++) {
		restore_adopt_segment(rs, v[i]);
		restore_seg_free(v[i]);
	}
	free(v);
	return 0;
}

static void
restore_adopt_view(struct restore *rs, struct staged_view *s)
{
	struct view		*v = s->v;
	struct registry		*reg = rs->p->reg;
	struct segment		*seg = registry_segment_find_id(reg, s->seg_id);
	struct errmsg		 e = { "" };
	struct view_desc	 d;

	views_desc(v, s->seg_id, &d);
	if (seg == NULL)
		errmsg_set(&e, -ENOENT, "segment %llu is gone",
		    (unsigned long long)s->seg_id);
	else if (registry_view_adopt(reg, views_name(v), &d, seg, v->uid,
	    v->ctime_ns, &e) == 0) {
		rs->p->stats.views++;
		return;
	}
	log_warnx("restart: dropping view '%s': %s", views_name(v), e.text);
	rs->p->stats.dropped_views++;
}

/*
 * A stored memfd whose journal record was lost (the journal had
 * unreadable records, and does not say it was deleted) is kept: unnamed,
 * owned by root, mode 0600, persistent, marked recovered.
 */
static void
restore_recover(struct restore *rs, struct stored_seg *f)
{
	struct segment_restore	 p = { .id = f->id, .mode = 0600,
	    .lifetime = SEGMENT_PERSISTENT, .recovered = true };
	struct persist_stats	*st = &rs->p->stats;
	struct errmsg		 e = { "" };
	struct segment		*seg;
	struct statfs		 sfs;
	struct stat		 sb;

	if (fstat(f->fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return;
	p.size = (uint64_t)sb.st_size;
	p.ctime_ns = (int64_t)sb.st_ctim.tv_sec * 1000000000 +
	    sb.st_ctim.tv_nsec;
	p.hugetlb = fstatfs(f->fd, &sfs) == 0 &&
	    (unsigned long)sfs.f_type == (unsigned long)HUGETLBFS_MAGIC;
	if (restore_check_fd(f->fd, &p, &e) < 0 ||
	    registry_segment_adopt(rs->p->reg, &p, f->fd, NULL, &e, &seg) < 0) {
		log_warnx("restart: segment %llu has no journal record and "
		    "cannot be kept: %s", (unsigned long long)f->id, e.text);
		return;
	}
	f->adopted = true;
	st->segments++;
	st->bytes += p.size;
	st->recovered_segments++;
	log_warnx("restart: segment %llu (%llu bytes) lost its journal "
	    "record: kept as recovered, unnamed, owned by root",
	    (unsigned long long)f->id, (unsigned long long)p.size);
}

static void
restore_recover_fds(struct restore *rs)
{
	size_t	i = 0, j;

	if (!rs->p->stats.torn)
		return;		/* an intact journal knows every segment */
	while (i < rs->nfds) {
		bool	taken = false;

		for (j = i; j < rs->nfds && rs->fds[j].id == rs->fds[i].id; j++)
			taken |= rs->fds[j].adopted || rs->fds[j].deleted;
		if (!taken)
			restore_recover(rs, &rs->fds[i]);
		i = j;
	}
}

/* The fds no segment took: out of the store, unless a duplicate's id was adopted. */
static void
restore_drop_fds(struct restore *rs)
{
	char	name[64];
	size_t	i = 0, j;

	while (i < rs->nfds) {
		bool	adopted = false;

		for (j = i; j < rs->nfds && rs->fds[j].id == rs->fds[i].id; j++)
			adopted |= rs->fds[j].adopted;
		if (!adopted) {
			persist_segment_fdname(rs->fds[i].id, name, sizeof(name));
			log_info("restart: %s is not in the journal or was "
			    "dropped: removed from the fd store", name);
			(void)notify_fdstore_remove(name);
		}
		for (; i < j; i++)
			if (!rs->fds[i].adopted)
				close(rs->fds[i].fd);
	}
}

static void
restore_fini(struct restore *rs)
{
	struct hash_link	*l;

	while ((l = hash_pop(&rs->segs)) != NULL)
		restore_seg_free(container_of(l, struct staged_seg, link));
	while ((l = hash_pop(&rs->views)) != NULL)
		restore_view_free(container_of(l, struct staged_view, link));
	while (rs->streams.buckets != NULL && (l = hash_pop(&rs->streams)) != NULL)
		free(l);	/* the link is first in a staged stream */
	hash_fini(&rs->segs);
	hash_fini(&rs->views);
	hash_fini(&rs->streams);
	free(rs->fds);
}

/* A start that found a journal or memfds of ours in the store is a restore. */
static void
restore_count(struct persist *p)
{
	const struct persist_stats	*st = &p->stats;

	p->created_ns = st->created_ns;
	if (p->nold > 0 || st->segments > 0 || st->streams > 0 ||
	    st->dropped_segments > 0 || st->dropped_streams > 0)
		p->restarts = st->restarts < UINT64_MAX ? st->restarts + 1 :
		    UINT64_MAX;
	if (p->created_ns <= 0)
		p->created_ns = util_now_realtime_ns();
}

int
persist_restore(struct persist *p, struct notify_fds *fds,
    struct persist_stats *ret_stats)
{
	struct restore		 rs = { .p = p, .next_id = 1 };
	struct hash_link	*l;
	int			 r;

	if ((r = hash_init(&rs.segs, 64)) < 0 ||
	    (r = hash_init(&rs.views, 64)) < 0 ||
	    (r = hash_init(&rs.streams, 16)) < 0 ||
	    (r = restore_collect_fds(&rs, fds)) < 0 ||
	    (r = restore_journal(&rs, fds)) < 0 ||
	    (r = restore_adopt_segments(&rs)) < 0)
		goto out;
	restore_recover_fds(&rs);
	while ((l = hash_pop(&rs.views)) != NULL) {
		struct staged_view *s = container_of(l, struct staged_view, link);

		restore_adopt_view(&rs, s);
		restore_view_free(s);
	}
	restore_drop_fds(&rs);
	rs.nfds = 0;
	persist_streams_adopt(p, &rs.streams, fds);
	if (p->reg->next_id < rs.next_id)
		p->reg->next_id = rs.next_id;
	/* The journals we read are dropped once a fresh one is stored. */
	for (size_t i = 0; i < fds->n; i++)
		if (fds->v[i].fd >= 0 && strncmp(fds->v[i].name,
		    PERSIST_JOURNAL_PREFIX, strlen(PERSIST_JOURNAL_PREFIX)) == 0) {
			close(fds->v[i].fd);
			fds->v[i].fd = -1;
		}
	p->stats.next_id = p->reg->next_id;
	restore_count(p);
	if (ret_stats != NULL)
		*ret_stats = p->stats;
out:
	if (r < 0)
		for (size_t i = 0; i < rs.nfds; i++)
			if (!rs.fds[i].adopted)
				close(rs.fds[i].fd);
	restore_fini(&rs);
	return r;
}
