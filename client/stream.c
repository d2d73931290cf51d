/* SPDX-License-Identifier: MIT */
/* Stream handles: create, open, close, the producer's loans and the consumer's frames as views. */
#include <sys/eventfd.h>
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-wire.h"
#include "desc-wire.h"
#include "stream-ring.h"
#include "util.h"

#define stream_hold_of(m) \
	((struct stream_hold *)(void *)((char *)(m) - \
	    offsetof(struct stream_hold, map)))

#define STREAM_SPIN_DEFAULT_NS	20000
#define STREAM_POLL_TICK_NS	100000000	/* the poll helper checks for close */

/*
 * A frame a consumer holds (one per hold index of its lease), or the
 * producer's loan: views of it point at map, whose last unref gives the
 * hold back (map.release).
 */
struct stream_hold {
	struct mview_mapping	 map;
	struct mview_stream	*st;
	struct stream_frame	 f;
};

struct mview_stream {
	struct mview_client	*client;	/* NULL once it is gone */
	struct mview_stream	*next;		/* in client->streams */
	char			*name;
	uint64_t		 id;
	bool			 producer;
	bool			 writable;	/* data mapped read-write */
	bool			 lossless;
	bool			 detached;	/* closed: holds no longer count */
	bool			 lost;		/* a restart did not keep the role */
	uint32_t		 pos;
	uint32_t		 spin_ns;
	struct stream_geometry	 geo;
	void			*data;
	uint64_t		 data_size;
	struct stream_control	*ctl;
	size_t			 ctl_size;
	struct stream_lease	*leases[STREAM_MAX_CONSUMERS];
	union {
		struct stream_producer	p;
		struct stream_consumer	c;
	} ring;
	struct stream_hold	*holds;		/* consumer: [max_holds] */
	struct stream_hold	 loan;		/* producer: views of loans */
	bool			 loaned;
	_Atomic unsigned	 refs;		/* the handle, held frames, loan views */
	int64_t			 open_ns;
	uint64_t		 open_published;
	/* mview_stream_fd(): an eventfd a helper thread writes. */
	int			 evfd;
	pthread_t		 poller;
	bool			 polling;
	_Atomic bool		 poll_stop;
	_Atomic uint64_t	 poll_after;	/* the thread waits past this */
};

static void
stream_unmap_all(struct mview_stream *st)
{
	stream_unmap(st->data, st->data_size);
	stream_unmap(st->ctl, st->ctl_size);
	for (uint32_t i = 0; i < STREAM_MAX_CONSUMERS; i++)
		stream_unmap(st->leases[i], STREAM_LEASE_SIZE);
}

static void
stream_ref(struct mview_stream *st)
{
	atomic_fetch_add_explicit(&st->refs, 1, memory_order_relaxed);
}

/* The last reference: the memory goes (the role was given back at close). */
static void
stream_unref(struct mview_stream *st)
{
	if (atomic_fetch_sub_explicit(&st->refs, 1, memory_order_acq_rel) != 1)
		return;
	stream_unmap_all(st);
	client_mapping_free_spare(&st->loan.map);
	for (uint32_t i = 0; st->holds != NULL && i < st->geo.max_holds; i++)
		client_mapping_free_spare(&st->holds[i].map);
	free(st->holds);
	free(st->name);
	free(st);
}

/* The last view of a held frame went: give the hold back. */
static void
stream_hold_release_cb(struct mview_mapping *m)
{
	struct stream_hold	*h = stream_hold_of(m);
	struct mview_stream	*st = h->st;

	if (!st->detached)
		stream_consumer_release(&st->ring.c, &h->f);
	stream_unref(st);
}

/* The last view of the producer's loans went (the handle's own too). */
static void
stream_loan_release_cb(struct mview_mapping *m)
{
	stream_unref(stream_hold_of(m)->st);
}

static void
stream_hold_init(struct mview_stream *st, struct stream_hold *h,
    void (*release)(struct mview_mapping *))
{
	memset(&h->map, 0, sizeof(h->map));
	h->map.segment_id = st->id;
	h->map.base = st->data;
	h->map.size = st->data_size;
	h->map.writable = st->producer || st->writable;
	h->map.release = release;
	h->map.spare_ndim = STREAM_MAX_NDIM;
	h->st = st;
}

/* ---------------------------------------------------------- requests */

static void
stream_info_from_wire(const Mview__StreamInfo *w, struct mview_stream_info *ret)
{
	struct view_desc	d;

	memset(ret, 0, sizeof(*ret));
	ret->id = w->id;
	ret->uid = w->uid;
	ret->gid = w->gid;
	ret->mode = w->mode;
	ret->lifetime = w->lifetime == MVIEW__LIFETIME__LIFETIME_SESSION ?
	    MVIEW_LIFETIME_SESSION : MVIEW_LIFETIME_PERSISTENT;
	ret->slots = w->slots;
	ret->capacity = w->capacity;
	ret->max_consumers = w->max_consumers;
	ret->max_holds = w->max_holds;
	ret->ctime_ns = w->ctime_ns;
	ret->has_producer = w->has_producer;
	ret->deleted = w->deleted;
	ret->consumers = w->consumers;
	ret->head = w->head;
	ret->published = w->published;
	ret->holds = w->holds;
	ret->dropped = w->dropped;
	if (w->layout != NULL && desc_from_wire(w->layout, &d, NULL) == 0)
		memcpy(&ret->layout, &d, sizeof(d));
}

/* One malloc'd block: n infos, then their names. */
static int
stream_pack_infos(Mview__StreamInfo *const *v, size_t n,
    struct mview_stream_info **ret_infos)
{
	struct mview_stream_info	*infos;
	size_t				 size = n * sizeof(*infos) + 1;
	char				*p;

	for (size_t i = 0; i < n; i++)
		size += (v[i]->name != NULL ? strlen(v[i]->name) : 0) + 1;
	if ((infos = malloc(size)) == NULL)
		return -ENOMEM;
	p = (char *)(infos + n);
	for (size_t i = 0; i < n; i++) {
		size_t len = (v[i]->name != NULL ? strlen(v[i]->name) : 0) + 1;

		stream_info_from_wire(v[i], &infos[i]);
		infos[i].name = memcpy(p, v[i]->name != NULL ? v[i]->name : "",
		    len);
		p += len;
	}
	*ret_infos = infos;
	return 0;
}

static void
stream_ref_name(Mview__Ref *ref, const char *name)
{
	ref->by_case = MVIEW__REF__BY_NAME;
	ref->name = (char *)name;
}

static int
stream_check_client(struct mview_client *c, const char *name)
{
	if (c == NULL || name == NULL)
		return -EINVAL;
	return conn_check_name(&c->conn, name);
}

/* The layout of p into d (segment_id 0, offset in the slot). */
static int
stream_params_layout(const struct mview_stream_params *p, struct view_desc *d)
{
	struct view_error	verr = { 0 };

	return view_init(d, 0, p->offset, p->format, 0, p->ndim, p->shape,
	    p->strides, false, &verr);
}

MVIEW_EXPORT int
mview_stream_create(struct mview_client *c, const char *name,
    const struct mview_stream_params *p, struct mview_stream **ret_producer)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__StreamCreate	 sc = MVIEW__STREAM_CREATE__INIT;
	Mview__ViewDesc		 w = MVIEW__VIEW_DESC__INIT;
	struct view_desc	 d;
	int			 r;

	if (p == NULL || (r = stream_check_client(c, name)) < 0)
		return p == NULL ? -EINVAL : r;
	for (size_t i = 0; i < sizeof(p->reserved) / sizeof(p->reserved[0]); i++)
		if (p->reserved[i] != 0) {
			conn_set_error(&c->conn, "stream parameters: the "
			    "reserved words must be zero");
			return -EINVAL;
		}
	sc.name = (char *)name;
	sc.slots = p->slots;
	sc.has_capacity = p->capacity > 0;
	sc.capacity = p->capacity;
	sc.has_mode = true;
	sc.mode = p->mode != 0 ? p->mode : 0600;
	sc.has_lifetime = true;
	sc.lifetime = p->lifetime == MVIEW_LIFETIME_SESSION ?
	    MVIEW__LIFETIME__LIFETIME_SESSION :
	    MVIEW__LIFETIME__LIFETIME_PERSISTENT;
	sc.has_max_consumers = p->max_consumers > 0;
	sc.max_consumers = p->max_consumers;
	sc.has_max_holds = p->max_holds > 0;
	sc.max_holds = p->max_holds;
	if (p->format != NULL) {
		if ((r = stream_params_layout(p, &d)) < 0)
			return r;
		w.offset = d.offset;
		w.format = d.format;
		w.itemsize = d.itemsize;
		w.n_shape = w.n_strides = (size_t)d.ndim;
		w.shape = d.shape;
		w.strides = d.strides;
		sc.layout = &w;
	}
	req.body_case = MVIEW__REQUEST__BODY_STREAM_CREATE;
	req.stream_create = &sc;
	if ((r = client_call_reply(c, &req, 0, MVIEW__REPLY__BODY_STREAM, NULL,
	    NULL)) < 0)
		return r;
	if (ret_producer == NULL)
		return 0;
	return mview_stream_open(c, name, MVIEW_STREAM_PRODUCE, ret_producer);
}

/* Page tables for every slot now rather than at each slot's first frame
 * (the daemon reserved the pages at create): a 1080p frame is 1,519
 * pages, a fault each. Best effort; older kernels fault as they go. */
static void
stream_populate(void *addr, size_t size, bool writable)
{
#if defined(MADV_POPULATE_WRITE) && defined(MADV_POPULATE_READ)
	(void)madvise(addr, size, writable ? MADV_POPULATE_WRITE :
	    MADV_POPULATE_READ);
#else
	(void)addr;
	(void)size;
	(void)writable;
#endif
}

/* Check the reply's geometry and sizes, then map the fds (all closed). */
static int
stream_map_fds(struct mview_stream *st, const Mview__StreamInfo *w, int *fds,
    size_t nfds)
{
	int	r;

	if (stream_geometry_init(&st->geo, w->slots, w->capacity,
	    w->max_consumers, w->max_holds) < 0 ||
	    st->geo.capacity != w->capacity ||
	    nfds != (st->producer ? 2 + st->geo.max_consumers : 3) ||
	    w->position >= st->geo.max_consumers)
		return -EPROTO;
	st->data_size = stream_data_size(&st->geo);
	st->ctl_size = stream_control_size(&st->geo);
	if ((r = stream_map(fds[0], st->data_size,
	    st->producer || st->writable, &st->data)) < 0 ||
	    (r = stream_map(fds[1], st->ctl_size, st->producer,
	    (void **)&st->ctl)) < 0)
		return r;
	if ((r = stream_control_check(st->ctl, st->ctl_size, &st->geo)) < 0)
		return -EPROTO;
	stream_populate(st->data, st->data_size, st->producer || st->writable);
	if (!st->producer)
		return stream_map(fds[2], STREAM_LEASE_SIZE, true,
		    (void **)&st->leases[st->pos]);
	for (uint32_t i = 0; i < st->geo.max_consumers; i++)
		if ((r = stream_map(fds[2 + i], STREAM_LEASE_SIZE, false,
		    (void **)&st->leases[i])) < 0)
			return r;
	return 0;
}

/* Take the role over the mappings. */
static int
stream_attach(struct mview_stream *st)
{
	int	r;

	if (st->producer)
		return stream_producer_attach(&st->ring.p, &st->geo, st->ctl,
		    st->data, (const struct stream_lease *const *)st->leases);
	st->holds = calloc(st->geo.max_holds, sizeof(*st->holds));
	if (st->holds == NULL)
		return -ENOMEM;
	r = stream_consumer_attach(&st->ring.c, &st->geo, st->ctl, st->data,
	    st->writable, st->leases[st->pos], st->pos);
	for (uint32_t i = 0; r == 0 && i < st->geo.max_holds; i++)
		stream_hold_init(st, &st->holds[i], stream_hold_release_cb);
	return r;
}

static void
stream_send_close(struct mview_client *c, const struct mview_stream *st)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__StreamClose	sc = MVIEW__STREAM_CLOSE__INIT;

	sc.id = st->id;
	sc.role = st->producer ? MVIEW__STREAM_ROLE__STREAM_PRODUCER :
	    MVIEW__STREAM_ROLE__STREAM_CONSUMER;
	sc.has_position = !st->producer;
	sc.position = st->pos;
	req.body_case = MVIEW__REQUEST__BODY_STREAM_CLOSE;
	req.stream_close = &sc;
	if (c->conn.fd >= 0)	/* a new connection plays no role of ours */
		conn_call(&c->conn, &req, CONN_QUIET,
		    MVIEW__REPLY__BODY__NOT_SET, NULL, NULL, NULL);
}

void
stream_abandon(struct mview_client *c, const Mview__StreamInfo *w,
    bool producer)
{
	struct mview_stream	tmp = {
		.id = w->id, .pos = w->position, .producer = producer,
	};

	stream_send_close(c, &tmp);
}

static struct mview_stream *
stream_new(const char *name, unsigned flags)
{
	struct mview_stream	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	if ((st->name = strdup(name)) == NULL) {
		free(st);
		return NULL;
	}
	st->producer = flags & MVIEW_STREAM_PRODUCE;
	st->writable = flags & MVIEW_STREAM_WRITE;
	st->lossless = flags & MVIEW_STREAM_LOSSLESS;
	st->spin_ns = STREAM_SPIN_DEFAULT_NS;
	st->evfd = -1;
	atomic_init(&st->refs, 1);
	return st;
}

/* Build the handle from an open reply (fds all closed here). */
static int
stream_from_reply(struct mview_client *c, struct mview_stream *st,
    const Mview__StreamInfo *w, int *fds, size_t nfds)
{
	struct stream_stat	sst;
	int			r;

	st->id = w->id;
	st->pos = w->position;
	st->writable = st->producer || (w->has_writable && w->writable);
	r = stream_map_fds(st, w, fds, nfds);
	wire_close_fds(fds, nfds);
	if (r < 0 || (r = stream_attach(st)) < 0)
		return r;
	if (st->producer) {
		stream_hold_init(st, &st->loan, stream_loan_release_cb);
		st->loan.map.refs = 1;		/* the handle's */
		stream_ref(st);
	}
	stream_control_stat(st->ctl, &st->geo,
	    (const struct stream_lease *const *)st->leases, &sst);
	st->open_published = sst.published;
	st->open_ns = util_now_monotonic_ns();
	st->client = c;
	st->next = c->streams;
	c->streams = st;
	return 0;
}

MVIEW_EXPORT int
mview_stream_open(struct mview_client *c, const char *name, unsigned flags,
    struct mview_stream **ret_stream)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__StreamOpen	 so = MVIEW__STREAM_OPEN__INIT;
	Mview__Ref		 ref = MVIEW__REF__INIT;
	Mview__Reply		*rep;
	struct mview_stream	*st;
	int			 fds[WIRE_MAX_FDS];
	size_t			 nfds = 0;
	int			 r;

	if ((r = stream_check_client(c, name)) < 0)
		return r;
	if (ret_stream == NULL || (flags & ~(MVIEW_STREAM_PRODUCE |
	    MVIEW_STREAM_LOSSLESS | MVIEW_STREAM_WRITE)) ||
	    ((flags & MVIEW_STREAM_PRODUCE) && flags != MVIEW_STREAM_PRODUCE))
		return -EINVAL;
	stream_ref_name(&ref, name);
	so.ref = &ref;
	so.role = (flags & MVIEW_STREAM_PRODUCE) ?
	    MVIEW__STREAM_ROLE__STREAM_PRODUCER :
	    MVIEW__STREAM_ROLE__STREAM_CONSUMER;
	so.has_policy = so.has_write = true;
	so.policy = (flags & MVIEW_STREAM_LOSSLESS) ?
	    MVIEW__STREAM_POLICY__STREAM_LOSSLESS :
	    MVIEW__STREAM_POLICY__STREAM_LATEST;
	so.write = flags & MVIEW_STREAM_WRITE;
	req.body_case = MVIEW__REQUEST__BODY_STREAM_OPEN;
	req.stream_open = &so;
	if ((r = client_call_fds(c, &req, 0, MVIEW__REPLY__BODY_STREAM, &rep,
	    fds, &nfds)) < 0)
		return r;
	if ((st = stream_new(name, flags)) == NULL) {
		r = -ENOMEM;
		wire_close_fds(fds, nfds);
		goto fail;
	}
	if ((r = stream_from_reply(c, st, rep->stream, fds, nfds)) < 0) {
		st->detached = true;
		stream_unref(st);
		goto fail;
	}
	wire_reply_free(rep);
	*ret_stream = st;
	return 0;

fail:
	stream_abandon(c, rep->stream, flags & MVIEW_STREAM_PRODUCE);
	wire_reply_free(rep);
	return r;
}

static void
stream_unlink(struct mview_stream *st)
{
	struct mview_stream	**pp;

	if (st->client == NULL)
		return;
	for (pp = &st->client->streams; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	}
	st->client = NULL;
}

static void
stream_poll_stop(struct mview_stream *st)
{
	if (!st->polling)
		return;
	atomic_store(&st->poll_stop, true);
	pthread_join(st->poller, NULL);
	st->polling = false;
	close(st->evfd);
	st->evfd = -1;
}

MVIEW_EXPORT void
mview_stream_close(struct mview_stream *st)
{
	struct mview_client	*c;

	if (st == NULL)
		return;
	stream_poll_stop(st);
	if (st->producer)
		stream_producer_detach(&st->ring.p);
	else
		stream_consumer_detach(&st->ring.c);
	st->detached = true;
	if ((c = st->client) != NULL) {
		stream_unlink(st);
		if (!st->lost)
			stream_send_close(c, st);
	}
	if (st->producer)
		mapping_unref(&st->loan.map);
	stream_unref(st);
}

/* Reattach one stream on the new connection; -ENOENT marks it lost. */
static int
stream_reattach(struct mview_client *c, struct mview_stream *st)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__StreamOpen	 so = MVIEW__STREAM_OPEN__INIT;
	Mview__Ref		 ref = MVIEW__REF__INIT;
	int			 fds[WIRE_MAX_FDS];
	size_t			 nfds = 0;
	int			 r;

	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = st->id;
	so.ref = &ref;
	so.role = st->producer ? MVIEW__STREAM_ROLE__STREAM_PRODUCER :
	    MVIEW__STREAM_ROLE__STREAM_CONSUMER;
	so.has_reattach = so.reattach = true;
	so.has_position = !st->producer;
	so.position = st->pos;
	so.has_policy = so.has_write = true;
	so.policy = st->lossless ? MVIEW__STREAM_POLICY__STREAM_LOSSLESS :
	    MVIEW__STREAM_POLICY__STREAM_LATEST;
	so.write = st->writable && !st->producer;
	req.body_case = MVIEW__REQUEST__BODY_STREAM_OPEN;
	req.stream_open = &so;
	r = conn_call_fds(&c->conn, &req, CONN_QUIET, MVIEW__REPLY__BODY_STREAM,
	    NULL, fds, &nfds, NULL);
	if (r == 0)
		wire_close_fds(fds, nfds);
	if (r == -ECONNRESET || r == -ETIMEDOUT)
		return r;
	if (r == -EMFILE && c->conn.fds_lost)	/* the role came back: give it up */
		stream_send_close(c, st);
	st->lost = r < 0;
	return 0;
}

int
streams_reattach(struct mview_client *c)
{
	int	r;

	for (struct mview_stream *st = c->streams; st != NULL; st = st->next)
		if (!st->lost && (r = stream_reattach(c, st)) < 0)
			return r;
	return 0;
}

void
streams_client_gone(struct mview_client *c)
{
	struct mview_stream	*st, *next;

	for (st = c->streams; st != NULL; st = next) {
		next = st->next;
		st->client = NULL;
		st->next = NULL;
	}
	c->streams = NULL;
}

MVIEW_EXPORT int
mview_stream_delete(struct mview_client *c, const char *name)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Ref	ref = MVIEW__REF__INIT;
	int		r;

	if ((r = stream_check_client(c, name)) < 0)
		return r;
	stream_ref_name(&ref, name);
	req.body_case = MVIEW__REQUEST__BODY_STREAM_DELETE;
	req.stream_delete = &ref;
	return client_call(c, &req, 0, NULL, NULL);
}

MVIEW_EXPORT int
mview_stream_stat(struct mview_client *c, const char *name,
    struct mview_stream_info **ret_info)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Ref	 ref = MVIEW__REF__INIT;
	Mview__Reply	*rep;
	int		 r;

	if ((r = stream_check_client(c, name)) < 0)
		return r;
	if (ret_info == NULL)
		return -EINVAL;
	stream_ref_name(&ref, name);
	req.body_case = MVIEW__REQUEST__BODY_STREAM_STAT;
	req.stream_stat = &ref;
	if ((r = client_call_reply(c, &req, CLIENT_CALL_RETRY,
	    MVIEW__REPLY__BODY_STREAM, &rep, NULL)) < 0)
		return r;
	r = stream_pack_infos(&rep->stream, 1, ret_info);
	wire_reply_free(rep);
	return r;
}

MVIEW_EXPORT int
mview_stream_list(struct mview_client *c, const char *prefix,
    struct mview_stream_info **ret_infos, size_t *ret_n)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__StreamList	 sl = MVIEW__STREAM_LIST__INIT;
	Mview__Reply		**pages = NULL, *rep;
	Mview__StreamInfo	**all = NULL;
	size_t			 npages = 0, n = 0;
	int			 r = 0;

	if (c == NULL || ret_infos == NULL || ret_n == NULL)
		return -EINVAL;
	sl.prefix = prefix != NULL && prefix[0] != '\0' ? (char *)prefix : NULL;
	req.body_case = MVIEW__REQUEST__BODY_STREAM_LIST;
	req.stream_list = &sl;
	for (;;) {
		Mview__Reply **np = realloc(pages, (npages + 1) * sizeof(*np));

		if (np == NULL) {
			r = -ENOMEM;
			break;
		}
		pages = np;
		if ((r = client_call_reply(c, &req, CLIENT_CALL_RETRY,
		    MVIEW__REPLY__BODY_STREAM_LIST, &rep, NULL)) < 0)
			break;
		pages[npages++] = rep;
		Mview__StreamListReply *lr = rep->stream_list;
		Mview__StreamInfo **na = realloc(all, (n + lr->n_streams + 1) *
		    sizeof(*na));
		if (na == NULL) {
			r = -ENOMEM;
			break;
		}
		all = na;
		for (size_t i = 0; i < lr->n_streams; i++)
			all[n++] = lr->streams[i];
		/* An empty page goes on only with a token to resume from. */
		if (!lr->more || (lr->n_streams == 0 && !lr->has_resume))
			break;
		if (lr->n_streams > 0)
			sl.after_name = lr->streams[lr->n_streams - 1]->name;
		sl.has_resume = lr->has_resume;
		sl.resume = lr->resume;
	}
	if (r == 0 && (r = stream_pack_infos(all, n, ret_infos)) == 0)
		*ret_n = n;
	for (size_t i = 0; i < npages; i++)
		wire_reply_free(pages[i]);
	free(pages);
	free(all);
	return r;
}

/* The control block's default layout as a public descriptor (copied field
 * by field: the block is the producer's to write). */
static void
stream_layout_public(const struct stream_frame_desc *fd, struct mview_desc *d)
{
	int	n = fd->ndim >= 0 && fd->ndim <= STREAM_MAX_NDIM ? fd->ndim : 0;

	memset(d, 0, sizeof(*d));
	d->offset = fd->offset;
	d->itemsize = fd->itemsize;
	d->ndim = n;
	memcpy(d->format, fd->format, sizeof(d->format));
	d->format[sizeof(d->format) - 1] = '\0';
	for (int i = 0; i < n; i++) {
		d->shape[i] = fd->shape[i];
		d->strides[i] = fd->strides[i];
	}
}

MVIEW_EXPORT int
mview_stream_info(struct mview_stream *st, struct mview_stream_info *ret)
{
	struct stream_stat	sst;
	const struct stream_lease *own;
	int64_t			elapsed;

	if (st == NULL || ret == NULL)
		return -EINVAL;
	stream_control_stat(st->ctl, &st->geo,
	    (const struct stream_lease *const *)st->leases, &sst);
	memset(ret, 0, sizeof(*ret));
	ret->id = st->id;
	ret->name = st->name;
	ret->slots = st->geo.nslots;
	ret->capacity = st->geo.capacity;
	ret->max_consumers = st->geo.max_consumers;
	ret->max_holds = st->geo.max_holds;
	ret->has_producer = st->producer;
	ret->consumers = sst.consumers;
	stream_layout_public(&st->ctl->layout, &ret->layout);
	ret->head = sst.head;
	ret->published = sst.published;
	ret->holds = sst.holds;
	ret->dropped = sst.dropped;
	if (!st->producer) {
		own = st->leases[st->pos];
		ret->seen = atomic_load_explicit(&own->seen,
		    memory_order_relaxed);
	}
	elapsed = util_now_monotonic_ns() - st->open_ns;
	if (elapsed > 0)
		ret->rate_hz = (double)(sst.published - st->open_published) *
		    1e9 / (double)elapsed;
	return 0;
}

/* ----------------------------------------------------------- frames */

static void
stream_wait_init(const struct mview_stream *st, int timeout_ms,
    struct stream_wait *w)
{
	w->timeout_ns = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000;
	w->spin_ns = timeout_ms == 0 ? 0 : st->spin_ns;
}

/* A view of frame f over map (one reference on it). */
static int
stream_frame_wrap(struct mview_stream *st, struct mview_mapping *m,
    const struct stream_frame *f, struct mview_view **ret_view)
{
	struct view_desc	d;

	stream_frame_view(f, &st->geo, st->id, !m->writable, &d);
	return client_view_wrap(m, &d, ret_view);
}

MVIEW_EXPORT int
mview_stream_loan(struct mview_stream *st, int timeout_ms,
    struct mview_view **ret_frame)
{
	struct stream_wait	w;
	int			r;

	if (st == NULL || ret_frame == NULL || !st->producer || st->detached)
		return -EINVAL;
	stream_wait_init(st, timeout_ms, &w);
	/* Into the handle's frame directly (no loan before this one is
	 * outstanding: the ring says -EALREADY first). */
	if ((r = stream_producer_loan(&st->ring.p, &w, &st->loan.f)) < 0)
		return r;
	if ((r = stream_frame_wrap(st, &st->loan.map, &st->loan.f,
	    ret_frame)) < 0) {
		stream_producer_cancel(&st->ring.p);
		return r;
	}
	st->loaned = true;
	return 0;
}

/* The frame descriptor of view v over the loaned slot. */
static int
stream_desc_from_view(const struct mview_stream *st, const struct mview_view *v,
    struct stream_frame_desc *ret)
{
	struct view_desc	d;
	int64_t			slot_off;

	if (v->map != &st->loan.map || v->desc.ndim > STREAM_MAX_NDIM)
		return -EINVAL;
	client_view_expand(v, &d);
	slot_off = (int64_t)(st->loan.f.slot * st->geo.capacity);
	if (d.offset < slot_off ||
	    (uint64_t)(d.offset - slot_off) >= st->geo.capacity)
		return -EINVAL;
	d.offset -= slot_off;
	return stream_frame_desc_from_view(ret, &d);
}

MVIEW_EXPORT int
mview_stream_publish(struct mview_stream *st, const struct mview_view *layout,
    uint64_t *ret_seq)
{
	struct stream_frame	*f;
	int			 r;

	if (st == NULL || !st->producer || st->detached)
		return -EINVAL;
	if (!st->loaned)
		return -ENOENT;
	f = &st->loan.f;
	if (layout != NULL &&
	    (r = stream_desc_from_view(st, layout, &f->desc)) < 0)
		return r;
	f->timestamp_ns = 0;
	if ((r = stream_producer_publish(&st->ring.p, f)) < 0)
		return r;
	st->loaned = false;
	if (ret_seq != NULL)
		*ret_seq = f->seq;
	return 0;
}

MVIEW_EXPORT int
mview_stream_cancel(struct mview_stream *st)
{
	if (st == NULL || !st->producer || st->detached)
		return -EINVAL;
	if (!st->loaned)
		return -ENOENT;
	stream_producer_cancel(&st->ring.p);
	st->loaned = false;
	return 0;
}

/* Hand frame f out as a view: its hold's mapping gets the view's reference. */
static int
stream_hand_out(struct mview_stream *st, const struct stream_frame *f,
    struct mview_view **ret_frame, struct mview_frame_info *ret_info)
{
	struct stream_hold	*h;
	int			 r;

	if (f->hold >= st->geo.max_holds) {
		stream_consumer_release(&st->ring.c, f);
		return -EPROTO;
	}
	h = &st->holds[f->hold];
	h->f = *f;
	h->map.refs = 0;
	if ((r = stream_frame_wrap(st, &h->map, f, ret_frame)) < 0) {
		stream_consumer_release(&st->ring.c, f);
		return r;
	}
	stream_ref(st);
	if (ret_info != NULL)
		*ret_info = (struct mview_frame_info){
			.seq = f->seq, .timestamp_ns = f->timestamp_ns,
			.dropped = f->dropped, .slot = f->slot,
		};
	return 0;
}

/* Nothing new: read the poll fd empty, then make it readable again if a
 * frame came meanwhile (the helper saw it before the read). */
static void
stream_poll_rearm(struct mview_stream *st, uint64_t after_seq)
{
	uint64_t	v;

	if (st->evfd < 0)
		return;
	atomic_store(&st->poll_after, after_seq);
	while (read(st->evfd, &v, sizeof(v)) < 0 && errno == EINTR)
		continue;
	if (stream_consumer_head(&st->ring.c) > after_seq) {
		v = 1;
		(void)!write(st->evfd, &v, sizeof(v));
	}
}

MVIEW_EXPORT int
mview_stream_next(struct mview_stream *st, uint64_t after_seq, int timeout_ms,
    struct mview_view **ret_frame, struct mview_frame_info *ret_info)
{
	struct stream_wait	w;
	struct stream_frame	f;
	int			r;

	if (st == NULL || ret_frame == NULL || st->producer || st->detached)
		return -EINVAL;
	stream_wait_init(st, timeout_ms, &w);
	r = stream_consumer_next(&st->ring.c, after_seq, &w, &f);
	if (r == -EAGAIN)
		stream_poll_rearm(st, after_seq > st->ring.c.last_seq ?
		    after_seq : st->ring.c.last_seq);
	if (r < 0)
		return r;
	return stream_hand_out(st, &f, ret_frame, ret_info);
}

MVIEW_EXPORT int
mview_stream_latest(struct mview_stream *st, struct mview_view **ret_frame,
    struct mview_frame_info *ret_info)
{
	struct stream_frame	f;
	int			r;

	if (st == NULL || ret_frame == NULL || st->producer || st->detached)
		return -EINVAL;
	if ((r = stream_consumer_latest(&st->ring.c, &f)) < 0)
		return r;
	return stream_hand_out(st, &f, ret_frame, ret_info);
}

MVIEW_EXPORT int
mview_frame_info(const struct mview_view *v, struct mview_frame_info *ret)
{
	const struct stream_hold	*h;

	if (v == NULL || ret == NULL || (v->map->release !=
	    stream_hold_release_cb && v->map->release != stream_loan_release_cb))
		return -EINVAL;
	h = stream_hold_of(v->map);
	*ret = (struct mview_frame_info){
		.seq = h->f.seq, .timestamp_ns = h->f.timestamp_ns,
		.dropped = h->f.dropped, .slot = h->f.slot,
	};
	return 0;
}

MVIEW_EXPORT int
mview_stream_set_spin(struct mview_stream *st, uint32_t spin_ns)
{
	if (st == NULL)
		return -EINVAL;
	st->spin_ns = spin_ns;
	return 0;
}

/* The helper behind mview_stream_fd(): wake the fd when the head passes
 * what the consumer has taken. */
static void *
stream_poll_main(void *arg)
{
	struct mview_stream	*st = arg;
	struct stream_wait	 w = { .timeout_ns = STREAM_POLL_TICK_NS };
	uint64_t		 head, one = 1, signalled = 0;

	while (!atomic_load(&st->poll_stop)) {
		uint64_t after = atomic_load(&st->poll_after);

		if (signalled > after)
			after = signalled;
		if (stream_consumer_wait_head(&st->ring.c, after, &w,
		    &head) < 0)
			continue;
		(void)!write(st->evfd, &one, sizeof(one));
		signalled = head;
	}
	return NULL;
}

MVIEW_EXPORT int
mview_stream_fd(struct mview_stream *st)
{
	int	r;

	if (st == NULL || st->producer || st->detached)
		return -EINVAL;
	if (st->polling)
		return st->evfd;
	st->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (st->evfd < 0)
		return -errno;
	atomic_store(&st->poll_stop, false);
	atomic_store(&st->poll_after, st->ring.c.last_seq);
	if ((r = pthread_create(&st->poller, NULL, stream_poll_main, st)) != 0) {
		close(st->evfd);
		st->evfd = -1;
		return -r;
	}
	st->polling = true;
	return st->evfd;
}
