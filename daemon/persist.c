/* SPDX-License-Identifier: MIT */
/* Surviving restarts: the journal writer, the fd store hooks, compaction, the session grace. */
#include <sys/mman.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "notify.h"
#include "persist-internal.h"
#include "registry-stream.h"
#include "segment.h"
#include "views.h"

#define PERSIST_FLUSH_BYTES	(1u << 20)	/* compaction write chunk */
#define PERSIST_COMPACT_MIN	4096		/* records before compacting */
#define PERSIST_RETRY_SEC	5		/* after a failed compaction */

static int	persist_compact(struct persist *p);

void
persist_segment_fdname(uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, PERSIST_SEGMENT_PREFIX "%" PRIu64, id);
}

static void
persist_journal_fdname(uint64_t gen, char *buf, size_t len)
{
	snprintf(buf, len, PERSIST_JOURNAL_PREFIX "%" PRIu64, gen);
}

void
persist_rec_segment(const struct segment *seg, struct journal_rec *r)
{
	memset(r, 0, offsetof(struct journal_rec, name));
	r->type = JOURNAL_SEGMENT;
	r->id = seg->id;
	r->size = seg->size;
	r->ctime_ns = seg->ctime_ns;
	r->uid = seg->uid;
	r->gid = seg->gid;
	r->mode = seg->mode;
	r->lifetime = seg->lifetime;
	r->frozen = seg->frozen;
	r->hugetlb = seg->hugetlb;
	r->recovered = seg->recovered;
	r->has_name = seg->name != NULL;
	snprintf(r->name, sizeof(r->name), "%s", seg->name ? seg->name : "");
}

void
persist_rec_view(const struct view *v, struct journal_rec *r)
{
	memset(r, 0, offsetof(struct journal_rec, name));
	r->type = JOURNAL_VIEW;
	r->ctime_ns = v->ctime_ns;
	r->uid = v->uid;
	snprintf(r->name, sizeof(r->name), "%s", views_name(v));
	views_desc(v, v->seg->id, &r->desc);
}

/* ---------------------------------------------------------------- writing */

static int
persist_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void
persist_schedule_compact(struct persist *p, int delay_sec)
{
	struct timeval	tv = { delay_sec, 0 };

	if (p->ev_compact != NULL && !evtimer_pending(p->ev_compact, NULL))
		evtimer_add(p->ev_compact, &tv);
}

/* One record at the end of the journal. A failure is repaired by compacting. */
int
persist_append(struct persist *p, const struct journal_rec *r)
{
	uint64_t	live = p->reg->total.segments + p->reg->total.views +
		    p->reg->total.streams;
	int		ret;

	if (p->jfd < 0)
		return -EBADF;
	p->buf.len = 0;
	if ((ret = journal_encode(&p->buf, r, p->seq + 1)) < 0 ||
	    (ret = persist_pwrite(p->jfd, p->buf.data, p->buf.len, p->off)) < 0) {
		if (!p->broken)
			log_warnx("journal: cannot append: %s; compacting",
			    strerror(-ret));
		p->broken = true;
		persist_schedule_compact(p, 0);
		return ret;
	}
	p->off += p->buf.len;
	p->seq++;
	if (++p->nrecords > PERSIST_COMPACT_MIN && p->nrecords > 3 * live)
		persist_schedule_compact(p, 0);
	return 0;
}

/* Append r to b, writing b out to fd at *off once it is large. */
static int
persist_snapshot_put(struct journal_buf *b, const struct journal_rec *r,
    uint64_t *seq, int fd, uint64_t *off)
{
	int	ret;

	if ((ret = journal_encode(b, r, ++*seq)) < 0)
		return ret;
	if (b->len < PERSIST_FLUSH_BYTES)
		return 0;
	if ((ret = persist_pwrite(fd, b->data, b->len, *off)) < 0)
		return ret;
	*off += b->len;
	b->len = 0;
	return 0;
}

/* The whole registry as records into fd, after its header. */
static int
persist_snapshot(struct persist *p, int fd, uint64_t gen, uint64_t *ret_seq,
    uint64_t *ret_off)
{
	struct journal_rec	*r = p->rec;
	struct segment		*seg;
	struct stream		*st;
	struct view		*v;
	uint64_t		 seq = 0, off = JOURNAL_HEADER_SIZE;
	uint8_t			 head[JOURNAL_HEADER_SIZE];
	int			 ret = 0;

	p->buf.len = 0;
	journal_header_encode(head, gen);
	if ((ret = persist_pwrite(fd, head, sizeof(head), 0)) < 0)
		goto out;
	TAILQ_FOREACH(seg, &p->reg->segs, order) {
		if (seg->deleted)
			continue;
		persist_rec_segment(seg, r);
		if ((ret = persist_snapshot_put(&p->buf, r, &seq, fd, &off)) < 0)
			goto out;
	}
	TAILQ_FOREACH(st, &p->reg->streams, order) {
		if (st->deleted)
			continue;
		persist_rec_stream(st, r);
		if ((ret = persist_snapshot_put(&p->buf, r, &seq, fd, &off)) < 0)
			goto out;
	}
	TAILQ_FOREACH(seg, &p->reg->segs, order) {
		LIST_FOREACH(v, &seg->views, seg_entry) {
			persist_rec_view(v, r);
			ret = persist_snapshot_put(&p->buf, r, &seq, fd, &off);
			if (ret < 0)
				goto out;
		}
	}
	memset(r, 0, offsetof(struct journal_rec, name));
	r->name[0] = '\0';
	r->type = JOURNAL_DAEMON;
	r->id = p->restarts;
	r->ctime_ns = p->created_ns;
	if ((ret = persist_snapshot_put(&p->buf, r, &seq, fd, &off)) < 0)
		goto out;
	r->type = JOURNAL_NEXT_ID;
	r->id = p->reg->next_id;
	r->ctime_ns = 0;
	if ((ret = persist_snapshot_put(&p->buf, r, &seq, fd, &off)) < 0 ||
	    (ret = persist_pwrite(fd, p->buf.data, p->buf.len, off)) < 0)
		goto out;
	*ret_off = off + p->buf.len;
	*ret_seq = seq;
out:
	p->buf.len = 0;
	return ret;
}

/* Forget the journals that were replaced, in the fd store too. */
static void
persist_drop_old(struct persist *p)
{
	for (size_t i = 0; i < p->nold; i++) {
		int r = notify_fdstore_remove(p->old_names[i]);

		if (r < 0)
			log_warnx("fd store: cannot remove %s: %s",
			    p->old_names[i], strerror(-r));
		free(p->old_names[i]);
	}
	p->nold = 0;
}

int
persist_add_old(struct persist *p, const char *name)
{
	char	**n = realloc(p->old_names, (p->nold + 1) * sizeof(*n));

	if (n == NULL)
		return -ENOMEM;
	p->old_names = n;
	if ((n[p->nold] = strdup(name)) == NULL)
		return -ENOMEM;
	p->nold++;
	return 0;
}

/* A fresh journal of the registry as it is, stored before the old goes. */
static int
persist_compact(struct persist *p)
{
	char		name[64];
	uint64_t	gen = p->gen + 1, seq, off;
	int		fd, r;

	if ((fd = memfd_create("mview:journal", MFD_CLOEXEC)) < 0)
		return -errno;
	if ((r = persist_snapshot(p, fd, gen, &seq, &off)) < 0)
		goto fail;
	persist_journal_fdname(gen, name, sizeof(name));
	if ((r = notify_fdstore_add(fd, name)) < 0)
		goto fail;
	if (p->jfd >= 0) {
		persist_journal_fdname(p->gen, name, sizeof(name));
		if (persist_add_old(p, name) < 0)
			log_warnx("journal: out of memory: %s stays stored", name);
		close(p->jfd);
	}
	persist_drop_old(p);
	p->jfd = fd;
	p->gen = gen;
	p->seq = seq;
	p->off = off;
	p->nrecords = seq;
	if (p->broken)
		log_notice("journal: repaired (generation %" PRIu64 ")", gen);
	p->broken = false;
	log_debug("journal: compacted into generation %" PRIu64 ", %" PRIu64
	    " records, %" PRIu64 " bytes", gen, seq, off);
	return 0;

fail:
	close(fd);
	return r;
}

static void
persist_compact_cb(evutil_socket_t fd, short what, void *arg)
{
	struct persist	*p = arg;
	int		 r;

	if ((r = persist_compact(p)) == 0)
		return;
	log_errorx("journal: compaction failed: %s; a crash now may lose "
	    "recent changes (retrying in %d s)", strerror(-r),
	    PERSIST_RETRY_SEC);
	p->broken = true;
	persist_schedule_compact(p, PERSIST_RETRY_SEC);
}

/* ------------------------------------------------------------------ hooks */

/* Journal seg (or its deletion) through the scratch record. */
static int
persist_append_segment(struct persist *p, const struct segment *seg,
    enum journal_type type)
{
	persist_rec_segment(seg, p->rec);
	p->rec->type = type;
	return persist_append(p, p->rec);
}

static int
persist_append_view(struct persist *p, const struct view *v,
    enum journal_type type)
{
	persist_rec_view(v, p->rec);
	p->rec->type = type;
	return persist_append(p, p->rec);
}

static int
persist_segment_add_cb(void *arg, const struct segment *seg)
{
	struct persist	*p = arg;
	char		 name[64];
	int		 ret;

	persist_segment_fdname(seg->id, name, sizeof(name));
	if ((ret = notify_fdstore_add(seg->fd, name)) < 0)
		return ret;
	if ((ret = persist_append_segment(p, seg, JOURNAL_SEGMENT)) < 0)
		(void)notify_fdstore_remove(name);
	return ret;
}

static void
persist_segment_change_cb(void *arg, const struct segment *seg)
{
	(void)persist_append_segment(arg, seg, JOURNAL_SEGMENT);
}

static void
persist_segment_remove_cb(void *arg, const struct segment *seg)
{
	(void)persist_append_segment(arg, seg, JOURNAL_SEGMENT_DEL);
}

static void
persist_segment_free_cb(void *arg, const struct segment *seg)
{
	char	name[64];
	int	r;

	persist_segment_fdname(seg->id, name, sizeof(name));
	if ((r = notify_fdstore_remove(name)) < 0)
		log_warnx("fd store: cannot remove %s: %s", name, strerror(-r));
}

static int
persist_view_add_cb(void *arg, const struct view *v)
{
	return persist_append_view(arg, v, JOURNAL_VIEW);
}

static void
persist_view_remove_cb(void *arg, const struct view *v)
{
	(void)persist_append_view(arg, v, JOURNAL_VIEW_DEL);
}

/* ------------------------------------------------------------ grace, life */

static void
persist_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct persist	*p = arg;
	uint64_t	 before = p->reg->total.segments;

	p->grace_armed = false;
	registry_holder_release(p->reg, &p->grace);
	log_info("session grace over: freed %" PRIu64 " restored session "
	    "segments nobody held", before - p->reg->total.segments);
}

int
persist_new(struct registry *reg, struct event_base *base, unsigned grace_sec,
    struct persist **ret)
{
	struct persist	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->reg = reg;
	p->base = base;
	p->grace_sec = grace_sec;
	p->jfd = -1;
	p->hooks = (struct registry_persist){
		.segment_add = persist_segment_add_cb,
		.segment_change = persist_segment_change_cb,
		.segment_remove = persist_segment_remove_cb,
		.segment_free = persist_segment_free_cb,
		.view_add = persist_view_add_cb,
		.view_remove = persist_view_remove_cb,
		.stream_add = persist_stream_add_cb,
		.stream_change = persist_stream_change_cb,
		.stream_remove = persist_stream_remove_cb,
		.stream_free = persist_stream_free_cb,
		.arg = p,
	};
	p->rec = malloc(sizeof(*p->rec));
	p->ev_compact = evtimer_new(base, persist_compact_cb, p);
	p->ev_grace = evtimer_new(base, persist_grace_cb, p);
	if (p->rec == NULL || p->ev_compact == NULL || p->ev_grace == NULL ||
	    registry_holder_init(&p->grace) < 0) {
		persist_free(p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

/* Restored SESSION segments: freed unless re-attached within the grace. */
static void
persist_arm_grace(struct persist *p)
{
	struct timeval	tv = { (time_t)p->grace_sec, 0 };

	if (LIST_EMPTY(&p->grace.created) &&
	    LIST_EMPTY(&p->grace.created_streams) &&
	    LIST_EMPTY(&p->grace.stream_users))
		return;
	p->grace_armed = true;
	if (p->grace_sec == 0) {
		persist_grace_cb(-1, 0, p);
		return;
	}
	log_info("restored session segments wait %u s to be re-attached",
	    p->grace_sec);
	evtimer_add(p->ev_grace, &tv);
}

int
persist_start(struct persist *p)
{
	int	r;

	if (!notify_fdstore_enabled()) {
		log_notice("no service manager ($NOTIFY_SOCKET unset): restart "
		    "persistence is off, segments live as long as mviewd");
		persist_arm_grace(p);
		return -ENOTCONN;
	}
	if ((r = persist_compact(p)) < 0) {
		log_errorx("journal: cannot store a journal in the fd store: "
		    "%s; restart persistence is off", strerror(-r));
		persist_arm_grace(p);
		return r;
	}
	p->enabled = true;
	p->reg->persist = &p->hooks;
	persist_arm_grace(p);
	log_info("restart persistence on: journal generation %" PRIu64, p->gen);
	return 0;
}

bool
persist_enabled(const struct persist *p)
{
	return p != NULL && p->enabled;
}

void
persist_get_info(const struct persist *p, struct persist_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (p == NULL)
		return;
	ret->enabled = p->enabled;
	ret->restarts = p->restarts;
	ret->created_ns = p->created_ns;
	ret->last = p->stats;
	if (p->jfd >= 0) {
		ret->generation = p->gen;
		ret->journal_bytes = p->off;
		ret->journal_records = p->nrecords;
	}
}

struct holder *
persist_grace_holder(struct persist *p)
{
	return p != NULL ? &p->grace : NULL;
}

void
persist_free(struct persist *p)
{
	struct segment	*seg;

	if (p == NULL)
		return;
	if (p->reg->persist == &p->hooks)
		p->reg->persist = NULL;
	/* The next start finds the streams as their clients left them. */
	if (p->enabled)
		p->reg->keep_stream_memory = true;
	registry_stream_holder_forget(&p->grace);
	/* Restored session segments outlive us: orphan them, free nothing. */
	while ((seg = LIST_FIRST(&p->grace.created)) != NULL) {
		LIST_REMOVE(seg, created);
		seg->creator = NULL;
	}
	hash_fini(&p->grace.attached);
	if (p->ev_compact != NULL)
		event_free(p->ev_compact);
	if (p->ev_grace != NULL)
		event_free(p->ev_grace);
	if (p->jfd >= 0)
		close(p->jfd);
	for (size_t i = 0; i < p->nold; i++)
		free(p->old_names[i]);
	free(p->old_names);
	journal_buf_free(&p->buf);
	free(p->rec);
	free(p);
}
