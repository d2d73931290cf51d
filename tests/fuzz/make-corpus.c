/* SPDX-License-Identifier: MIT */
/* Write the fuzz target's seed corpus: valid requests of every kind, packed by protobuf-c. */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wire.h"

#define SEED_MAX	8192

/* One seed under construction: the flags byte and its packets. */
struct seed {
	unsigned char	buf[SEED_MAX];
	size_t		len;
	bool		multi;
};

static const char	*outdir;
static int		 nseeds;
static uint64_t		 next_id = 100;

static void
seed_begin(struct seed *sd, uint8_t flags)
{
	sd->buf[0] = flags;
	sd->len = 1;
	sd->multi = flags & FUZZ_MULTI;
}

static void
seed_add(struct seed *sd, Mview__Request *req)
{
	void	*buf;
	size_t	 len;

	if (req->id == 0)
		req->id = next_id++;
	if (wire_request_pack(req, SEED_MAX, &buf, &len) < 0 ||
	    sd->len + len + 2 > SEED_MAX) {
		fprintf(stderr, "make-corpus: a seed is too large\n");
		exit(1);
	}
	if (sd->multi) {
		sd->buf[sd->len++] = (unsigned char)(len & 0xff);
		sd->buf[sd->len++] = (unsigned char)(len >> 8);
	}
	memcpy(sd->buf + sd->len, buf, len);
	sd->len += len;
	free(buf);
	req->id = 0;
}

static void
seed_write(const struct seed *sd, const char *name)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%03d-%s", outdir, nseeds++, name);
	if ((f = fopen(path, "wbe")) == NULL ||
	    fwrite(sd->buf, 1, sd->len, f) != sd->len || fclose(f) != 0) {
		fprintf(stderr, "make-corpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* A seed of one request. */
static void
one(uint8_t flags, Mview__Request *req, const char *name)
{
	struct seed	sd;

	seed_begin(&sd, flags & ~FUZZ_MULTI);
	seed_add(&sd, req);
	seed_write(&sd, name);
}

#define REQ(field, BODY, val) do {					\
	req = (Mview__Request)MVIEW__REQUEST__INIT;			\
	req.body_case = MVIEW__REQUEST__BODY_##BODY;			\
	req.field = (val);						\
} while (0)

static const uint8_t std_flags = FUZZ_HELLO | FUZZ_FIXTURES;

static void
seeds_hello(void)
{
	Mview__Request	req;
	Mview__Hello	h = MVIEW__HELLO__INIT;

	h.version_major = MVIEW_PROTOCOL_MAJOR;
	h.has_version_minor = h.has_capabilities = true;
	h.capabilities = MVIEW_CAP_WATCH | MVIEW_CAP_PAGING;
	h.client_name = (char *)"seed";
	REQ(hello, HELLO, &h);
	one(0, &req, "hello");
	h.version_major = MVIEW_PROTOCOL_MAJOR + 1;
	one(0, &req, "hello-wrong-major");
}

static void
seeds_create(void)
{
	static const struct {
		const char	*name;
		uint64_t	 size;
		uint32_t	 mode;
		int		 lifetime;
		const char	*what;
	} c[] = {
		{ "new/seg", 4096, 0640, 0, "create-named" },
		{ NULL, 65536, 0600, 0, "create-anonymous" },
		{ "new/sess", 100, 0666, 1, "create-session" },
		{ "new/zero", 0, 0600, 0, "create-empty" },
		{ "fz/a", 4096, 0600, 0, "create-exists" },
	};
	Mview__Request		req;
	Mview__SegmentCreate	sc;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		sc = (Mview__SegmentCreate)MVIEW__SEGMENT_CREATE__INIT;
		sc.name = (char *)c[i].name;
		sc.size = c[i].size;
		sc.has_mode = sc.has_lifetime = true;
		sc.mode = c[i].mode;
		sc.lifetime = c[i].lifetime;
		REQ(segment_create, SEGMENT_CREATE, &sc);
		one(std_flags, &req, c[i].what);
	}
	sc = (Mview__SegmentCreate)MVIEW__SEGMENT_CREATE__INIT;
	sc.name = (char *)"new/huge";
	sc.size = 1ull << 60;
	REQ(segment_create, SEGMENT_CREATE, &sc);
	one(std_flags, &req, "create-1EiB");
	sc.size = 2u << 20;
	sc.has_hugetlb = sc.hugetlb = true;
	one(std_flags, &req, "create-hugetlb");
}

static void
seeds_refs(void)
{
	static const struct {
		Mview__Request__BodyCase	 body;
		const char			*what;
	} ops[] = {
		{ MVIEW__REQUEST__BODY_SEGMENT_CLOSE, "close" },
		{ MVIEW__REQUEST__BODY_SEGMENT_DELETE, "delete" },
		{ MVIEW__REQUEST__BODY_SEGMENT_FREEZE, "freeze" },
		{ MVIEW__REQUEST__BODY_SEGMENT_STAT, "stat" },
	};
	static const uint8_t uids[] = { FUZZ_UID_OWNER, FUZZ_UID_OTHER,
	    FUZZ_UID_GROUP, FUZZ_UID_ROOT };
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Ref	byname = MVIEW__REF__INIT, byid = MVIEW__REF__INIT;
	char		what[64];

	byname.by_case = MVIEW__REF__BY_NAME;
	byname.name = (char *)"fz/a";
	byid.by_case = MVIEW__REF__BY_ID;
	byid.id = 2;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		req = (Mview__Request)MVIEW__REQUEST__INIT;
		req.body_case = ops[i].body;
		for (size_t u = 0; u < sizeof(uids); u++) {
			/* Every Ref body shares one union slot. */
			req.segment_close = u % 2 ? &byid : &byname;
			snprintf(what, sizeof(what), "%s-uid%zu", ops[i].what, u);
			one(std_flags | uids[u], &req, what);
		}
	}
}

static void
seeds_open(void)
{
	Mview__Request		req;
	Mview__SegmentOpen	op = MVIEW__SEGMENT_OPEN__INIT;
	Mview__Ref		ref = MVIEW__REF__INIT;

	ref.by_case = MVIEW__REF__BY_NAME;
	ref.name = (char *)"fz/a";
	op.ref = &ref;
	REQ(segment_open, SEGMENT_OPEN, &op);
	one(std_flags | FUZZ_UID_OTHER, &req, "open-read");
	op.has_write = op.write = true;
	one(std_flags, &req, "open-write");
	one(std_flags | FUZZ_UID_GROUP, &req, "open-write-denied");
	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = 3;
	one(std_flags | FUZZ_UID_OTHER, &req, "open-id-write");
}

static void
seeds_lists(void)
{
	Mview__Request		req;
	Mview__SegmentList	sl = MVIEW__SEGMENT_LIST__INIT;
	Mview__ViewList		vl = MVIEW__VIEW_LIST__INIT;
	Mview__Watch		w = MVIEW__WATCH__INIT;
	Mview__Status		st = MVIEW__STATUS__INIT;

	REQ(segment_list, SEGMENT_LIST, &sl);
	one(std_flags, &req, "segment-list");
	sl.prefix = (char *)"fz/";
	sl.has_after_id = true;
	sl.after_id = 1;
	one(std_flags | FUZZ_UID_OTHER, &req, "segment-list-page");
	REQ(view_list, VIEW_LIST, &vl);
	one(std_flags, &req, "view-list");
	vl.prefix = (char *)"fz/";
	vl.after_name = (char *)"fz/v";
	one(std_flags | FUZZ_UID_OTHER, &req, "view-list-page");
	w.prefix = (char *)"fz/";
	REQ(watch, WATCH, &w);
	one(std_flags, &req, "watch");
	REQ(unwatch, UNWATCH, &w);
	one(std_flags, &req, "unwatch");
	REQ(status, STATUS, &st);
	one(std_flags, &req, "status");
	one(0, &req, "status-before-hello");
}

static void
seeds_views(void)
{
	Mview__Request		req;
	Mview__ViewPublish	pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		d = MVIEW__VIEW_DESC__INIT;
	Mview__ViewLookup	lk = MVIEW__VIEW_LOOKUP__INIT;
	int64_t			shape[2] = { 32, 32 }, strides[2] = { 128, 4 };

	d.segment_id = 1;
	d.format = (char *)"<i";
	d.itemsize = 4;
	d.n_shape = d.n_strides = 2;
	d.shape = shape;
	d.strides = strides;
	pub.name = (char *)"new/v2d";
	pub.desc = &d;
	REQ(view_publish, VIEW_PUBLISH, &pub);
	one(std_flags, &req, "publish-2d");
	one(std_flags | FUZZ_UID_OTHER, &req, "publish-reader");
	strides[0] = -128;
	d.offset = 31 * 128;
	one(std_flags, &req, "publish-negative-stride");
	pub.name = (char *)"fz/v";
	pub.has_replace = pub.replace = true;
	one(std_flags | FUZZ_UID_OTHER, &req, "publish-replace");
	lk.name = (char *)"fz/v";
	REQ(view_lookup, VIEW_LOOKUP, &lk);
	one(std_flags | FUZZ_UID_OTHER, &req, "lookup");
	lk.has_want_fd = true;
	lk.want_fd = false;
	one(std_flags, &req, "lookup-no-fd");
	lk.want_fd = true;
	lk.has_fd_once = lk.fd_once = true;
	one(std_flags, &req, "lookup-fd-once");
	lk.has_fd_once = lk.fd_once = false;
	lk.has_write = lk.write = true;
	lk.name = (char *)"fz/w";
	one(std_flags, &req, "lookup-write");
	REQ(view_unpublish, VIEW_UNPUBLISH, (char *)"fz/w");
	one(std_flags, &req, "unpublish");
	one(std_flags | FUZZ_UID_OTHER, &req, "unpublish-denied");
}

/* Into sd: a watch on prefix, a segment of size bytes (session lifetime or
 * not), and a "B" view of all of it published as view (segment id 4: the
 * one the fixtures leave next). */
static void
seed_add_watch_segment_view(struct seed *sd, const char *prefix,
    const char *seg, const char *view, int64_t size, bool session)
{
	Mview__Request		req;
	Mview__SegmentCreate	sc = MVIEW__SEGMENT_CREATE__INIT;
	Mview__ViewPublish	pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		d = MVIEW__VIEW_DESC__INIT;
	Mview__Watch		w = MVIEW__WATCH__INIT;
	int64_t			shape[1] = { size };

	w.prefix = (char *)prefix;
	REQ(watch, WATCH, &w);
	seed_add(sd, &req);
	sc.name = (char *)seg;
	sc.size = (uint64_t)size;
	sc.has_lifetime = session;
	sc.lifetime = MVIEW__LIFETIME__LIFETIME_SESSION;
	REQ(segment_create, SEGMENT_CREATE, &sc);
	seed_add(sd, &req);
	d.segment_id = 4;
	d.format = (char *)"B";
	d.itemsize = 1;
	d.n_shape = 1;
	d.shape = shape;
	pub.name = (char *)view;
	pub.desc = &d;
	REQ(view_publish, VIEW_PUBLISH, &pub);
	seed_add(sd, &req);
}

/* A lookup twice with fd_once (the second sends no fd), then unwatch twice
 * (the second is ENOENT). */
static void
seeds_fd_once(void)
{
	Mview__Request		req;
	Mview__Watch		w = MVIEW__WATCH__INIT;
	Mview__ViewLookup	lk = MVIEW__VIEW_LOOKUP__INIT;
	struct seed		sd;

	seed_begin(&sd, std_flags | FUZZ_MULTI);
	seed_add_watch_segment_view(&sd, "once/", "once/s", "once/v", 64, false);
	lk.name = (char *)"once/v";
	lk.has_fd_once = lk.fd_once = true;
	REQ(view_lookup, VIEW_LOOKUP, &lk);
	seed_add(&sd, &req);
	seed_add(&sd, &req);
	w.prefix = (char *)"once/";
	REQ(unwatch, UNWATCH, &w);
	seed_add(&sd, &req);
	seed_add(&sd, &req);
	seed_write(&sd, "seq-fd-once-unwatch");
}

/* Sequences: state across requests. */
static void
seeds_sessions(void)
{
	Mview__Request		req;
	Mview__Ref		ref = MVIEW__REF__INIT;
	Mview__ViewLookup	lk = MVIEW__VIEW_LOOKUP__INIT;
	struct seed		sd;

	seed_begin(&sd, std_flags | FUZZ_MULTI);
	seed_add_watch_segment_view(&sd, "", "seq/s", "seq/v", 100, true);
	lk.name = (char *)"seq/v";
	REQ(view_lookup, VIEW_LOOKUP, &lk);
	seed_add(&sd, &req);
	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = 4;
	REQ(segment_delete, SEGMENT_DELETE, &ref);
	seed_add(&sd, &req);
	REQ(segment_stat, SEGMENT_STAT, &ref);
	seed_add(&sd, &req);
	REQ(segment_close, SEGMENT_CLOSE, &ref);
	seed_add(&sd, &req);
	seed_write(&sd, "seq-create-publish-delete");

	/* The same again without reading: replies queue up. */
	sd.buf[0] |= FUZZ_NO_READ | FUZZ_LOOP;
	seed_write(&sd, "seq-no-read");
	sd.buf[0] = (sd.buf[0] & ~(FUZZ_NO_READ | FUZZ_LOOP)) | FUZZ_WITH_FD;
	seed_write(&sd, "seq-with-fds");
	seeds_fd_once();
}

/* Streams: create (with and without a layout), open as producer and as
 * consumers of both policies, stat, list, close and delete, and a
 * sequence that plays every role and gives it back. */
static void
seeds_streams(void)
{
	Mview__Request		req;
	Mview__StreamCreate	sc = MVIEW__STREAM_CREATE__INIT;
	Mview__StreamOpen	so = MVIEW__STREAM_OPEN__INIT;
	Mview__StreamClose	cl = MVIEW__STREAM_CLOSE__INIT;
	Mview__StreamList	sl = MVIEW__STREAM_LIST__INIT;
	Mview__ViewDesc		d = MVIEW__VIEW_DESC__INIT;
	Mview__Ref		ref = MVIEW__REF__INIT;
	int64_t			shape[2] = { 8, 16 };
	struct seed		sd;

	sc.name = (char *)"st/a";
	sc.slots = 4;
	sc.has_capacity = true;
	sc.capacity = 256;
	REQ(stream_create, STREAM_CREATE, &sc);
	one(std_flags, &req, "stream-create");
	d.format = (char *)"<H";
	d.n_shape = 2;
	d.shape = shape;
	sc.layout = &d;
	sc.has_capacity = false;
	sc.has_max_consumers = sc.has_max_holds = true;
	sc.max_consumers = 2;
	sc.max_holds = 1;
	sc.has_mode = true;
	sc.mode = 0644;
	sc.has_lifetime = true;
	sc.lifetime = MVIEW__LIFETIME__LIFETIME_SESSION;
	one(std_flags, &req, "stream-create-layout");

	ref.by_case = MVIEW__REF__BY_NAME;
	ref.name = (char *)"st/a";
	so.ref = &ref;
	so.role = MVIEW__STREAM_ROLE__STREAM_PRODUCER;
	REQ(stream_open, STREAM_OPEN, &so);
	one(std_flags, &req, "stream-open-producer");
	so.role = MVIEW__STREAM_ROLE__STREAM_CONSUMER;
	so.has_policy = so.has_write = true;
	so.policy = MVIEW__STREAM_POLICY__STREAM_LOSSLESS;
	so.write = true;
	one(std_flags | FUZZ_UID_OTHER, &req, "stream-open-consumer");
	so.has_reattach = so.reattach = so.has_position = true;
	so.position = 1;
	one(std_flags, &req, "stream-open-reattach");

	REQ(stream_stat, STREAM_STAT, &ref);
	one(std_flags, &req, "stream-stat");
	REQ(stream_delete, STREAM_DELETE, &ref);
	one(std_flags, &req, "stream-delete");
	sl.prefix = (char *)"st/";
	sl.after_name = (char *)"st/";
	REQ(stream_list, STREAM_LIST, &sl);
	one(std_flags, &req, "stream-list");
	cl.id = 1;
	cl.role = MVIEW__STREAM_ROLE__STREAM_CONSUMER;
	REQ(stream_close, STREAM_CLOSE, &cl);
	one(std_flags, &req, "stream-close");

	seed_begin(&sd, std_flags | FUZZ_MULTI);
	sc.name = (char *)"st/seq";
	sc.layout = NULL;
	sc.has_capacity = true;
	sc.capacity = 64;
	REQ(stream_create, STREAM_CREATE, &sc);
	seed_add(&sd, &req);
	ref.name = (char *)"st/seq";
	so.has_reattach = so.has_position = false;
	so.role = MVIEW__STREAM_ROLE__STREAM_PRODUCER;
	REQ(stream_open, STREAM_OPEN, &so);
	seed_add(&sd, &req);
	so.role = MVIEW__STREAM_ROLE__STREAM_CONSUMER;
	seed_add(&sd, &req);
	seed_add(&sd, &req);
	seed_add(&sd, &req);
	cl.id = 1;
	cl.role = MVIEW__STREAM_ROLE__STREAM_PRODUCER;
	REQ(stream_close, STREAM_CLOSE, &cl);
	seed_add(&sd, &req);
	REQ(stream_delete, STREAM_DELETE, &ref);
	seed_add(&sd, &req);
	REQ(stream_stat, STREAM_STAT, &ref);
	seed_add(&sd, &req);
	seed_write(&sd, "seq-stream-roles");
}

/* Minor 3: a hello that follows resume tokens, then lists that send
 * tokens back (none, one the session never had, the largest). */
static void
seeds_resume(void)
{
	Mview__Request		req;
	Mview__Hello		h = MVIEW__HELLO__INIT;
	Mview__SegmentList	sl = MVIEW__SEGMENT_LIST__INIT;
	Mview__ViewList		vl = MVIEW__VIEW_LIST__INIT;
	Mview__StreamList	stl = MVIEW__STREAM_LIST__INIT;
	struct seed		sd;

	seed_begin(&sd, FUZZ_FIXTURES | FUZZ_UID_OTHER | FUZZ_MULTI);
	h.version_major = MVIEW_PROTOCOL_MAJOR;
	h.has_version_minor = h.has_capabilities = true;
	h.version_minor = 3;
	h.capabilities = MVIEW_CAP_PAGING | MVIEW_CAP_RESUME;
	REQ(hello, HELLO, &h);
	seed_add(&sd, &req);
	vl.prefix = (char *)"fz/";
	REQ(view_list, VIEW_LIST, &vl);
	seed_add(&sd, &req);
	vl.has_resume = true;
	vl.resume = 1;
	vl.after_name = (char *)"fz/v";
	seed_add(&sd, &req);
	sl.has_resume = true;
	sl.resume = UINT64_MAX;
	sl.has_after_id = true;
	sl.after_id = 2;
	REQ(segment_list, SEGMENT_LIST, &sl);
	seed_add(&sd, &req);
	stl.has_resume = true;
	stl.resume = 2;
	REQ(stream_list, STREAM_LIST, &stl);
	seed_add(&sd, &req);
	seed_write(&sd, "seq-list-resume");
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make-corpus DIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "make-corpus: %s: %s\n", outdir, strerror(errno));
		return 1;
	}
	seeds_hello();
	seeds_create();
	seeds_refs();
	seeds_open();
	seeds_lists();
	seeds_views();
	seeds_sessions();
	seeds_streams();
	seeds_resume();
	printf("make-corpus: %d seeds in %s\n", nseeds, outdir);
	return 0;
}
