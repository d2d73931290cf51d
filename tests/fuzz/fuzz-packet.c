/* SPDX-License-Identifier: MIT */
/* libFuzzer target: client packets through the daemon's decode, dispatch and validation. */
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/clients.h"
#include "daemon/dispatch.h"
#include "daemon/log.h"
#include "daemon/peer.h"
#include "daemon/registry.h"
#include "daemon/registry-stream.h"
#include "daemon/server.h"
#include "daemon/session.h"
#include "daemon/watch.h"
#include "fuzz.h"
#include "wire.h"

#define FUZZ_MAX_PACKETS	256	/* per input: a long input is not a deep one */
#define FUZZ_FLUSH_ROUNDS	64
#define FUZZ_RECV_CAP		(WIRE_PACKET_MAX_HARD + 1)

/* Invariant broken: say which and crash, so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz-packet: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

struct fuzz_packet {
	void	*buf;
	size_t	 len;
};

/* What each input starts from; made once. */
static struct {
	struct event_base	*base;
	struct limits		 limits;
	struct fuzz_packet	 hello;
	struct fuzz_packet	 fixtures[5];
	unsigned char		*rbuf;
} fz;

/* A client connection: the session and the peer's end of its socket. */
struct fuzz_client {
	struct session	*s;
	int		 peer;
	uint64_t	*want_ids;	/* reply ids expected, in order */
	size_t		 nwant, ngot;
};

/*
 * Between inputs no socket and no segment memfd may be open: the daemon
 * code must have closed all it made. (Other fds may come and go: libFuzzer
 * and the sanitizers have threads of their own.)
 */
static void
fuzz_check_no_fds(void)
{
	struct dirent	*de;
	DIR		*dp;
	char		 path[300], link[256];
	ssize_t		 n;

	FUZZ_CHECK((dp = opendir("/proc/self/fd")) != NULL);
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "socket:", 7) == 0 ||
		    strncmp(link, "/memfd:mview", 12) == 0) {
			fprintf(stderr, "fuzz-packet: fd %s (%s) leaked\n",
			    de->d_name, link);
			abort();
		}
	}
	closedir(dp);
}

static void
fuzz_pack(Mview__Request *req, uint64_t id, struct fuzz_packet *p)
{
	req->id = id;
	FUZZ_CHECK(wire_request_pack(req, WIRE_PACKET_MAX_HARD, &p->buf,
	    &p->len) == 0);
}

static void
fuzz_pack_hello(void)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Hello	h = MVIEW__HELLO__INIT;

	h.version_major = MVIEW_PROTOCOL_MAJOR;
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &h;
	fuzz_pack(&req, 1, &fz.hello);
}

static void
fuzz_pack_create(const char *name, uint64_t size, uint32_t mode, uint64_t id,
    struct fuzz_packet *p)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	c = MVIEW__SEGMENT_CREATE__INIT;

	c.name = (char *)name;
	c.size = size;
	c.has_mode = true;
	c.mode = mode;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &c;
	fuzz_pack(&req, id, p);
}

static void
fuzz_pack_publish(const char *name, uint64_t seg, const char *format,
    int64_t itemsize, int64_t n, uint64_t id, struct fuzz_packet *p)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish	pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		d = MVIEW__VIEW_DESC__INIT;
	int64_t			shape[1] = { n }, strides[1] = { itemsize };

	d.segment_id = seg;
	d.format = (char *)format;
	d.itemsize = itemsize;
	d.n_shape = d.n_strides = 1;
	d.shape = shape;
	d.strides = strides;
	pub.name = (char *)name;
	pub.desc = &d;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	fuzz_pack(&req, id, p);
}

/*
 * The fixtures, owned by uid 1000 gid 1000: segment 1 "fz/a" (4 KiB, 0644),
 * 2 "fz/b" (8 KiB, 0600), 3 anonymous (4 KiB, 0666); views "fz/v" (1024
 * ints over 1) and "fz/w" (8192 bytes over 2).
 */
static void
fuzz_pack_fixtures(void)
{
	fuzz_pack_create("fz/a", 4096, 0644, 2, &fz.fixtures[0]);
	fuzz_pack_create("fz/b", 8192, 0600, 3, &fz.fixtures[1]);
	fuzz_pack_create(NULL, 4096, 0666, 4, &fz.fixtures[2]);
	fuzz_pack_publish("fz/v", 1, "i", 4, 1024, 5, &fz.fixtures[3]);
	fuzz_pack_publish("fz/w", 2, "B", 1, 8192, 6, &fz.fixtures[4]);
}

/* Small limits: a fuzzer must not reserve real gigabytes. */
static void
fuzz_limits(struct limits *l)
{
	limits_init(l);
	l->max_segment_size = 1u << 20;
	l->max_total_bytes = 4u << 20;
	l->max_bytes_per_uid = 2u << 20;
	l->max_segments = 32;
	l->max_segments_per_uid = 16;
	l->max_views = 64;
	l->max_views_per_uid = 32;
	l->max_attachments = 16;
	l->max_watches = 4;
	l->max_watch_events = 16;
	l->max_unread_replies = 8;
	l->max_unread_fds = 4;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_ERR);
	signal(SIGPIPE, SIG_IGN);
	fuzz_limits(&fz.limits);
	FUZZ_CHECK((fz.base = event_base_new()) != NULL);
	FUZZ_CHECK((fz.rbuf = malloc(FUZZ_RECV_CAP)) != NULL);
	fuzz_pack_hello();
	fuzz_pack_fixtures();
	return 0;
}

static void
fuzz_closed_cb(void *arg)
{
	(void)arg;
}

static void
fuzz_client_new(struct server *srv, uid_t uid, gid_t gid, bool in_group,
    size_t npackets, struct fuzz_client *ret)
{
	struct cred	 c = { .pid = getpid(), .uid = uid, .gid = gid };
	struct errmsg	 e = { "" };
	int		 sv[2];

	memset(ret, 0, sizeof(*ret));
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sv) == 0);
	if (in_group) {
		FUZZ_CHECK((c.groups = malloc(sizeof(*c.groups))) != NULL);
		c.groups[0] = FUZZ_OWNER_UID;
		c.ngroups = 1;
	}
	FUZZ_CHECK(clients_add(srv, sv[0], &c, &e, &ret->s) == 0);
	/* The session stays ours to remove, failed or not. */
	ret->s->peer->cb.closed = fuzz_closed_cb;
	ret->peer = sv[1];
	FUZZ_CHECK((ret->want_ids = calloc(npackets + 1,
	    sizeof(*ret->want_ids))) != NULL);
}

/* The session is torn down as its closed callback would; the peer's end closed. */
static void
fuzz_client_free(struct fuzz_client *fc)
{
	clients_remove(fc->s);
	close(fc->peer);
	free(fc->want_ids);
	fc->s = NULL;
	fc->peer = -1;
}

/* Check one reply the peer received (nfds descriptors came with it). */
static void
fuzz_check_reply(struct fuzz_client *fc, const Mview__Reply *rep, size_t nfds)
{
	if (rep->body_case == MVIEW__REPLY__BODY_EVENT) {
		FUZZ_CHECK(rep->id == 0 && nfds == 0);
		return;
	}
	FUZZ_CHECK(fc->ngot < fc->nwant);
	FUZZ_CHECK(rep->id == fc->want_ids[fc->ngot]);
	fc->ngot++;
	FUZZ_CHECK(nfds == (rep->has_nfds ? rep->nfds : 0));
	if (rep->has_error && rep->error != 0) {
		FUZZ_CHECK(rep->error > 0 && rep->error < 4096);
		FUZZ_CHECK(rep->body_case == MVIEW__REPLY__BODY__NOT_SET);
		FUZZ_CHECK(rep->message != NULL && rep->message[0] != '\0');
		FUZZ_CHECK(nfds == 0);
	}
}

/* Read and check every reply waiting at the peer; close what came with them. */
static void
fuzz_drain(struct fuzz_client *fc)
{
	int		 fds[WIRE_MAX_FDS];
	size_t		 nfds;
	ssize_t		 n;
	Mview__Reply	*rep;

	for (;;) {
		nfds = 0;
		n = wire_recv(fc->peer, fz.rbuf, FUZZ_RECV_CAP, fds,
		    WIRE_MAX_FDS, &nfds);
		if (n == -EAGAIN)
			return;
		FUZZ_CHECK(n > 0);	/* never an empty reply: it reads as EOF */
		rep = wire_reply_unpack(fz.rbuf, (size_t)n, 16u << 20);
		FUZZ_CHECK(rep != NULL);
		fuzz_check_reply(fc, rep, nfds);
		wire_reply_free(rep);
		wire_close_fds(fds, nfds);
	}
}

/* One packet in, as peer_read_one() hands it over. */
static void
fuzz_feed(struct fuzz_client *fc, const void *buf, size_t len, size_t nfds)
{
	Mview__Request	*req;

	if (session_dead(fc->s) || fc->s->closing)
		return;
	req = wire_request_unpack(buf, len, fc->s->srv->unpack_cap);
	fc->want_ids[fc->nwant++] = req != NULL ? req->id : 0;
	wire_request_free(req);
	dispatch_packet(fc->s, buf, len, nfds);
}

/*
 * Run the loop once; the session stays ours to remove (its closed
 * callback does nothing). A dead session has nothing left to run.
 */
static void
fuzz_loop_once(struct fuzz_client *fc)
{
	if (session_dead(fc->s))
		return;
	event_base_loop(fc->s->srv->base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
}

/* Let the queued replies out and read them all. */
static void
fuzz_flush(struct fuzz_client *fc)
{
	for (int i = 0; i < FUZZ_FLUSH_ROUNDS; i++) {
		fuzz_drain(fc);
		if (session_dead(fc->s) || STAILQ_EMPTY(&fc->s->peer->outq))
			break;
		fuzz_loop_once(fc);
	}
	fuzz_drain(fc);
	/* A live session answered every packet, in order. */
	if (!session_dead(fc->s) && STAILQ_EMPTY(&fc->s->peer->outq))
		FUZZ_CHECK(fc->ngot == fc->nwant);
}

static void
fuzz_fixtures(struct server *srv)
{
	struct fuzz_client	fc;
	size_t			n = sizeof(fz.fixtures) / sizeof(fz.fixtures[0]);

	fuzz_client_new(srv, FUZZ_OWNER_UID, FUZZ_OWNER_UID, false, n + 1, &fc);
	fuzz_feed(&fc, fz.hello.buf, fz.hello.len, 0);
	for (size_t i = 0; i < n; i++)
		fuzz_feed(&fc, fz.fixtures[i].buf, fz.fixtures[i].len, 0);
	fuzz_drain(&fc);
	FUZZ_CHECK(fc.ngot == fc.nwant);
	fuzz_client_free(&fc);
	FUZZ_CHECK(srv->reg.total.segments == 3 && srv->reg.total.views == 2);
}

static struct segment *
fuzz_first_live(struct registry *reg)
{
	struct segment	*seg;

	TAILQ_FOREACH(seg, &reg->segs, order)
		if (!seg->deleted)
			return seg;
	return NULL;
}

/* With every session gone, deleting what is left must free everything. */
static void
fuzz_check_empty(struct server *srv)
{
	struct registry	*reg = &srv->reg;
	struct segment	*seg;
	struct stream	*st;

	FUZZ_CHECK(srv->nsessions == 0 && LIST_EMPTY(&srv->watchers));
	TAILQ_FOREACH(seg, &reg->segs, order)
		FUZZ_CHECK(seg->nattached == 0 && seg->creator == NULL);
	TAILQ_FOREACH(st, &reg->streams, order)
		FUZZ_CHECK(st->nusers == 0 && st->producer == NULL &&
		    st->nconsumers == 0 && st->creator == NULL &&
		    !st->deleted);
	while ((seg = fuzz_first_live(reg)) != NULL)
		registry_segment_delete(reg, seg);
	while ((st = TAILQ_FIRST(&reg->streams)) != NULL)
		registry_stream_delete(reg, st);
	FUZZ_CHECK(TAILQ_EMPTY(&reg->segs));
	FUZZ_CHECK(reg->total.bytes == 0 && reg->total.segments == 0 &&
	    reg->total.views == 0 && reg->total.conns == 0 &&
	    reg->total.streams == 0 && reg->total.stream_slots == 0);
	FUZZ_CHECK(hash_count(&reg->stream_ids) == 0 &&
	    reg->stream_order.n == 0);
	FUZZ_CHECK(hash_count(&reg->seg_ids) == 0 &&
	    hash_count(&reg->seg_names) == 0 &&
	    hash_count(&reg->view_names) == 0 && hash_count(&reg->uids) == 0);
}

static size_t
fuzz_count_packets(const uint8_t *p, size_t len, bool multi)
{
	size_t	n = 0;

	if (!multi)
		return 1;
	while (len > 0 && n < FUZZ_MAX_PACKETS) {
		size_t plen = len < 2 ? len : (size_t)(p[0] | p[1] << 8);

		if (len >= 2) {
			p += 2;
			len -= 2;
		}
		plen = plen < len ? plen : len;
		p += plen;
		len -= plen;
		n++;
	}
	return n;
}

static void
fuzz_run_packets(struct fuzz_client *fc, const uint8_t *p, size_t len,
    uint8_t flags)
{
	size_t	nfds = (flags & FUZZ_WITH_FD) ? 1 : 0;
	size_t	npackets = fuzz_count_packets(p, len, flags & FUZZ_MULTI);

	for (size_t i = 0; i < npackets; i++) {
		size_t plen = len;

		if (flags & FUZZ_MULTI) {
			plen = len < 2 ? len : (size_t)(p[0] | p[1] << 8);
			if (len >= 2) {
				p += 2;
				len -= 2;
			}
			plen = plen < len ? plen : len;
		}
		fuzz_feed(fc, p, plen, nfds);
		p += plen;
		len -= plen;
		if (!(flags & FUZZ_NO_READ))
			fuzz_drain(fc);
		if (flags & FUZZ_LOOP)
			fuzz_loop_once(fc);
	}
}

static void
fuzz_peer_cred(uint8_t flags, uid_t *uid, gid_t *gid, bool *in_group)
{
	*in_group = false;
	switch (flags & FUZZ_UID_MASK) {
	case FUZZ_UID_OWNER:
		*uid = FUZZ_OWNER_UID;
		*gid = FUZZ_OWNER_UID;
		break;
	case FUZZ_UID_OTHER:
		*uid = FUZZ_OTHER_UID;
		*gid = FUZZ_OTHER_UID;
		break;
	case FUZZ_UID_GROUP:
		*uid = FUZZ_OTHER_UID;
		*gid = FUZZ_OTHER_UID;
		*in_group = true;
		break;
	default:
		*uid = 0;
		*gid = 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server		srv;
	struct fuzz_client	fc;
	uint8_t			flags;
	uid_t			uid;
	gid_t			gid;
	bool			in_group;

	if (size < 1)
		return 0;
	flags = data[0];
	FUZZ_CHECK(server_init(&srv, fz.base, &fz.limits) == 0);
	srv.reg.hooks.event = watch_event_cb;	/* as clients_start() does */
	srv.reg.hooks.arg = &srv;
	if (flags & FUZZ_FIXTURES)
		fuzz_fixtures(&srv);
	fuzz_peer_cred(flags, &uid, &gid, &in_group);
	fuzz_client_new(&srv, uid, gid, in_group, fuzz_count_packets(data + 1,
	    size - 1, flags & FUZZ_MULTI) + 1, &fc);
	if (flags & FUZZ_HELLO)
		fuzz_feed(&fc, fz.hello.buf, fz.hello.len, 0);
	fuzz_run_packets(&fc, data + 1, size - 1, flags);
	fuzz_flush(&fc);
	fuzz_client_free(&fc);
	fuzz_check_empty(&srv);
	server_fini(&srv);
	fuzz_check_no_fds();
	return 0;
}
