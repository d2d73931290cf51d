/* SPDX-License-Identifier: MIT */
/* Raw-protocol steps with cmocka checks, shared by the bad-input tests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon-harness.h"
#include "raw-client.h"
#include "raw-expect.h"

int
raw_open_ok(const char *path)
{
	int	sock = raw_open(path);

	if (sock < 0)
		fail_msg("raw connect/hello: %s", strerror(-sock));
	return sock;
}

int
raw_expect_error(int sock, int want, bool allow_close)
{
	Mview__Reply	*rep = NULL;
	int		 r, err;

	r = raw_recv(sock, harness_timeout_ms(), &rep, NULL);
	if (r == -ECONNRESET && allow_close)
		return r;
	if (r < 0)
		fail_msg("no reply (want error %d): %s", want, strerror(-r));
	err = rep->error;
	if (err == 0 || (want != 0 && err != want))
		fail_msg("reply error %d (%s), want %d (%s)", err,
		    rep->message ? rep->message : "", want, strerror(want));
	if (rep->message == NULL || rep->message[0] == '\0')
		fail_msg("error %d without a message", err);
	wire_reply_free(rep);
	return err;
}

int
raw_call_error(int sock, Mview__Request *req, int want, const char *what)
{
	Mview__Reply	*rep = NULL;
	int		 fd = -1, r, err;

	if ((r = raw_call(sock, req, &rep, &fd)) < 0)
		fail_msg("%s: no reply: %s", what, strerror(-r));
	err = rep->error;
	if (err == 0 || (want != 0 && err != want))
		fail_msg("%s: error %d (%s), want %d (%s)", what, err,
		    rep->message ? rep->message : "", want, strerror(want));
	if (rep->message == NULL || rep->message[0] == '\0')
		fail_msg("%s: error %d without a message", what, err);
	print_message("# %-28s -> %s: %s\n", what, strerror(err), rep->message);
	assert_int_equal(fd, -1);
	wire_reply_free(rep);
	return err;
}

uint64_t
raw_create_ok(int sock, const char *name, uint64_t size, uint32_t lifetime)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	 cr = MVIEW__SEGMENT_CREATE__INIT;
	Mview__Reply		*rep = NULL;
	uint64_t		 id;
	int			 fd = -1;

	cr.name = (char *)name;
	cr.size = size;
	cr.has_lifetime = true;
	cr.lifetime = (Mview__Lifetime)lifetime;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	assert_int_equal(raw_call(sock, &req, &rep, &fd), 0);
	if (rep->error != 0)
		fail_msg("create %s: %s", name ? name : "(anonymous)",
		    rep->message);
	assert_true(fd >= 0);
	close(fd);
	id = rep->segment->id;
	wire_reply_free(rep);
	return id;
}

void
raw_publish_refused(int sock, const char *name, uint64_t seg,
    const struct raw_desc *b)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish	 pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		 d = MVIEW__VIEW_DESC__INIT;
	Mview__Reply		*rep = NULL;
	int			 fd = -1, r;

	d.segment_id = seg;
	d.offset = b->offset;
	d.format = (char *)b->format;
	d.itemsize = b->itemsize;
	d.n_shape = b->ndim;
	d.shape = (int64_t *)b->shape;
	d.n_strides = b->nstrides;
	d.strides = (int64_t *)b->strides;
	pub.name = (char *)name;
	pub.desc = &d;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	if ((r = raw_call(sock, &req, &rep, &fd)) < 0)
		fail_msg("%s: no reply: %s", b->what, strerror(-r));
	if (rep->error != EINVAL)
		fail_msg("%s: error %d (%s), want EINVAL", b->what, rep->error,
		    rep->message ? rep->message : "");
	if (rep->message == NULL || rep->message[0] == '\0')
		fail_msg("%s: EINVAL without a message", b->what);
	print_message("# %-28s -> %s\n", b->what, rep->message);
	assert_int_equal(fd, -1);
	wire_reply_free(rep);
}
