/* SPDX-License-Identifier: MIT */
/*
 * Two uids against one mviewd (root and nobody): what the daemon refuses,
 * what the kernel refuses to a read-only opener whatever it tries, and
 * per-uid quotas that stop one uid and not the other.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"
#include "raw-client.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif

#define NOBODY		((uid_t)65534)
#define NOGROUP		((gid_t)65534)
#define THIRD		((uid_t)65533)	/* a third uid for the global cap */
#define SEG_SIZE	4096

static struct harness_daemon mviewd;

/* Root's segments the other uid is tested against. */
static struct {
	struct mview_client	*c;
	struct mview_segment	*priv;		/* sec/private, 0600 */
	struct mview_segment	*shared;	/* sec/shared, 0644 */
	uint64_t		 priv_id, shared_id;
} root;

static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static bool
pattern_intact(const struct mview_segment *s)
{
	const uint8_t	*p = mview_segment_data(s);

	for (size_t i = 0; i < SEG_SIZE; i++)
		if (p[i] != pattern(i))
			return false;
	return true;
}

/* A raw request's error in a child: 0, the reply's errno, or 200+. */
static int
child_call(int sock, Mview__Request *req, int *ret_fd)
{
	Mview__Reply	*rep = NULL;
	int		 r;

	if ((r = raw_call(sock, req, &rep, ret_fd)) < 0)
		return 200;
	r = rep->error;
	wire_reply_free(rep);
	return r;
}

/* ------------------------------------------- what the daemon refuses */

/* As nobody: every operation on root's 0600 segment fails, each its way. */
static int
child_no_rights(void *arg)
{
	struct mview_client		*c = NULL;
	struct mview_segment		*s = NULL;
	struct mview_view		*v = NULL;
	struct mview_segment_info	*infos = NULL, *info = NULL;
	struct mview_view_info		*vinfos = NULL;
	Mview__Request			 req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish		 pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc			 d = MVIEW__VIEW_DESC__INIT;
	int64_t				 shape[1] = { SEG_SIZE };
	size_t				 n = 0;
	int				 sock;

	(void)arg;
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	CHILD_CHECK(mview_segment_open(c, "sec/private", 0, &s) == -EACCES);
	CHILD_CHECK(mview_segment_open(c, "sec/private", MVIEW_OPEN_WRITE,
	    &s) == -EACCES);
	CHILD_CHECK(mview_segment_open_id(c, root.priv_id, 0, &s) == -EACCES);
	CHILD_CHECK(mview_view_lookup(c, "sec/private/v", 0, &v) == -EACCES);
	CHILD_CHECK(mview_segment_stat(c, "sec/private", &info) == -EACCES);
	CHILD_CHECK(mview_segment_delete(c, "sec/private") == -EPERM);
	CHILD_CHECK(mview_segment_delete_id(c, root.priv_id) == -EPERM);
	CHILD_CHECK(mview_segment_freeze(c, "sec/private") == -EPERM);
	CHILD_CHECK(mview_view_unpublish(c, "sec/private/v") == -EPERM);
	/* Owner-only operations stay owner-only on a readable segment. */
	CHILD_CHECK(mview_segment_delete(c, "sec/shared") == -EPERM);
	CHILD_CHECK(mview_segment_freeze(c, "sec/shared") == -EPERM);
	CHILD_CHECK(mview_view_unpublish(c, "sec/shared/v") == -EPERM);
	/* Not listed either. */
	CHILD_OK(mview_segment_list(c, "sec/", &infos, &n));
	for (size_t i = 0; i < n; i++)
		CHILD_CHECK(infos[i].id != root.priv_id);
	free(infos);
	CHILD_OK(mview_view_list(c, "sec/", &vinfos, &n));
	for (size_t i = 0; i < n; i++)
		CHILD_CHECK(strcmp(vinfos[i].name, "sec/private/v") != 0);
	free(vinfos);
	mview_client_close(c);
	/* Publishing a view on it: the library cannot even map it; raw, by id. */
	CHILD_CHECK((sock = raw_open(mviewd.socket)) >= 0);
	d.segment_id = root.priv_id;
	d.format = (char *)"B";
	d.itemsize = 1;
	d.n_shape = 1;
	d.shape = shape;
	pub.name = (char *)"sec/mine-on-private";
	pub.desc = &d;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	CHILD_CHECK(child_call(sock, &req, NULL) == EACCES);
	/* Replacing root's view on it by name: refused too. */
	pub.name = (char *)"sec/shared/v";
	pub.has_replace = pub.replace = true;
	d.segment_id = root.shared_id;
	CHILD_CHECK(child_call(sock, &req, NULL) == EPERM);
	close(sock);
	return 0;
}

static void
test_other_uid_refused(void **state)
{
	struct mview_view	*v = NULL;

	(void)state;
	assert_int_equal(harness_run_as(NOBODY, NOGROUP, child_no_rights, NULL),
	    0);
	/* Nothing changed. */
	assert_int_equal(mview_view_lookup(root.c, "sec/private/v", 0, &v), 0);
	mview_view_release(v);
	assert_int_equal(mview_view_lookup(root.c, "sec/shared/v", 0, &v), 0);
	assert_int_equal(mview_view_desc(v)->segment_id, root.shared_id);
	mview_view_release(v);
	assert_true(pattern_intact(root.priv));
	assert_false(mview_segment_info(root.priv)->frozen);
}

struct watch_sync {
	int	ready[2];
};

/* As nobody: watch "sec/"; the first event must be the 0644 marker. */
static int
child_watch(void *arg)
{
	struct watch_sync	*w = arg;
	struct mview_client	*c = NULL;
	struct mview_event	 ev;
	int			 r;

	close(w->ready[0]);
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	CHILD_OK(mview_client_watch(c, "sec/"));
	CHILD_OK(mview_client_watch(c, ""));
	CHILD_CHECK(write(w->ready[1], "r", 1) == 1);
	close(w->ready[1]);
	CHILD_OK(mview_client_next_event(c, harness_timeout_ms(), &ev));
	if (strcmp(ev.name, "sec/marker") != 0) {
		fprintf(stderr, "nobody heard of %s (type %d)\n", ev.name,
		    (int)ev.type);
		return 1;
	}
	CHILD_CHECK(ev.type == MVIEW_EVENT_SEGMENT_CREATED);
	r = mview_client_next_event(c, 200, &ev);
	CHILD_CHECK(r == -EAGAIN);
	mview_client_close(c);
	return 0;
}

/* Names of a segment nobody may read never reach nobody's watch. */
static void
test_watch_hides_names(void **state)
{
	struct mview_segment	*s = NULL, *marker = NULL;
	struct mview_view	*v = NULL;
	struct watch_sync	 w;
	char			 b;
	pid_t			 pid;

	(void)state;
	assert_int_equal(pipe(w.ready), 0);
	assert_true((pid = harness_child_start(NOBODY, NOGROUP, child_watch,
	    &w)) > 0);
	close(w.ready[1]);
	assert_int_equal(read(w.ready[0], &b, 1), 1);
	close(w.ready[0]);
	/* Everything that happens to private names. */
	assert_int_equal(mview_segment_create(root.c, "sec/hidden", SEG_SIZE,
	    0600, MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	assert_int_equal(mview_view_publish(root.c, "sec/hidden/v", v, 0), 0);
	assert_int_equal(mview_view_publish(root.c, "sec/private/v2", v, 0), 0);
	assert_int_equal(mview_view_unpublish(root.c, "sec/hidden/v"), 0);
	assert_int_equal(mview_view_unpublish(root.c, "sec/private/v2"), 0);
	mview_view_release(v);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(root.c, "sec/hidden"), 0);
	/* Then one it may read. */
	assert_int_equal(mview_segment_create(root.c, "sec/marker", SEG_SIZE,
	    0644, MVIEW_LIFETIME_SESSION, 0, &marker), 0);
	assert_int_equal(harness_child_wait(pid), 0);
	mview_segment_close(marker);
}

/* ------------------------------------- what the kernel refuses a reader */

/* A read-only fd of sec/shared, straight from the daemon. */
static int
child_raw_open(const char *name, bool write, int *ret_fd)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__SegmentOpen	op = MVIEW__SEGMENT_OPEN__INIT;
	Mview__Ref		ref = MVIEW__REF__INIT;
	int			sock, r;

	if ((sock = raw_open(mviewd.socket)) < 0)
		return 200;
	ref.by_case = MVIEW__REF__BY_NAME;
	ref.name = (char *)name;
	op.ref = &ref;
	op.has_write = true;
	op.write = write;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &op;
	r = child_call(sock, &req, ret_fd);
	close(sock);
	return r;
}

/* Every write route through the fd itself. */
static int
reader_fd_routes(int fd)
{
	char	path[64];
	int	fd2;

	CHILD_CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
	CHILD_CHECK(write(fd, "x", 1) < 0 && errno == EBADF);
	CHILD_CHECK(pwrite(fd, "x", 1, 0) < 0 && errno == EBADF);
	CHILD_CHECK(ftruncate(fd, 0) < 0 && (errno == EINVAL ||
	    errno == EBADF || errno == EPERM));
	CHILD_CHECK(ftruncate(fd, 2 * SEG_SIZE) < 0);
	CHILD_CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    0, SEG_SIZE) < 0 && errno == EBADF);
	CHILD_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) < 0 && errno == EPERM);
	CHILD_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) < 0 && errno == EPERM);
	CHILD_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) < 0 &&
	    errno == EPERM);
	CHILD_CHECK(fchmod(fd, 0666) < 0 && errno == EPERM);
	CHILD_CHECK(fchown(fd, NOBODY, NOGROUP) < 0 && errno == EPERM);
	/* The inode is 0600 and root's: no reopening for writing. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd2 = open(path, O_RDWR | O_CLOEXEC);
	CHILD_CHECK(fd2 < 0 && errno == EACCES);
	fd2 = open(path, O_WRONLY | O_CLOEXEC);
	CHILD_CHECK(fd2 < 0 && errno == EACCES);
	return 0;
}

/* Every write route through a mapping. */
static int
reader_map_routes(int fd)
{
	uint8_t	*p;
	void	*w;

	w = mmap(NULL, SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHILD_CHECK(w == MAP_FAILED && errno == EACCES);
	w = mmap(NULL, SEG_SIZE, PROT_WRITE, MAP_SHARED, fd, 0);
	CHILD_CHECK(w == MAP_FAILED && errno == EACCES);
	p = mmap(NULL, SEG_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	CHILD_CHECK(p != MAP_FAILED);
	CHILD_CHECK(p[1] == pattern(1));
	CHILD_CHECK(mprotect(p, SEG_SIZE, PROT_READ | PROT_WRITE) < 0 &&
	    errno == EACCES);
	CHILD_CHECK(madvise(p, SEG_SIZE, MADV_REMOVE) < 0);
	munmap(p, SEG_SIZE);
	/* A private mapping may be written: the copy, never the segment. */
	p = mmap(NULL, SEG_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHILD_CHECK(p != MAP_FAILED);
	memset(p, 'X', SEG_SIZE);
	munmap(p, SEG_SIZE);
	return 0;
}

/* The daemon's own fd of the segment, through /proc: not for nobody. */
static int
reader_proc_routes(pid_t daemon, int daemon_fd)
{
	char		path[64];
	char		buf[1];
	struct iovec	local = { .iov_base = buf, .iov_len = 1 };
	struct iovec	remote = { .iov_base = (void *)4096, .iov_len = 1 };

	snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)daemon,
	    daemon_fd);
	CHILD_CHECK(open(path, O_RDWR | O_CLOEXEC) < 0 && errno == EACCES);
	CHILD_CHECK(open(path, O_RDONLY | O_CLOEXEC) < 0 && errno == EACCES);
	CHILD_CHECK(process_vm_writev(daemon, &local, 1, &remote, 1, 0) < 0 &&
	    errno == EPERM);
	return 0;
}

struct reader_arg {
	pid_t	daemon;
	int	daemon_fd;	/* the daemon's memfd of sec/shared */
};

static int
child_reader(void *arg)
{
	struct reader_arg	*a = arg;
	struct mview_client	*c = NULL;
	struct mview_view	*v = NULL;
	struct mview_segment	*s = NULL;
	int			 fd = -1, r;

	/* /proc/self stays ours after the uid change. */
	prctl(PR_SET_DUMPABLE, 1);
	CHILD_CHECK(child_raw_open("sec/shared", true, &fd) == EACCES);
	CHILD_CHECK(child_raw_open("sec/shared", false, &fd) == 0);
	CHILD_CHECK(fd >= 0);
	if ((r = reader_fd_routes(fd)) != 0 || (r = reader_map_routes(fd)) != 0 ||
	    (r = reader_proc_routes(a->daemon, a->daemon_fd)) != 0)
		return r;
	close(fd);
	/* Through the library: write access is never granted. */
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	CHILD_CHECK(mview_segment_open(c, "sec/shared", MVIEW_OPEN_WRITE, &s) ==
	    -EACCES);
	CHILD_OK(mview_view_lookup(c, "sec/shared/v", MVIEW_OPEN_WRITE, &v));
	CHILD_CHECK(mview_view_desc(v)->readonly);
	mview_view_release(v);
	mview_client_close(c);
	return 0;
}

/* The daemon's fd number for the memfd labelled mview:name, or -1. */
static int
daemon_memfd(pid_t pid, const char *name)
{
	char		 dir[64], path[PATH_MAX], link[PATH_MAX], want[256];
	struct dirent	*de;
	DIR		*dp;
	ssize_t		 n;
	int		 fd = -1;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	snprintf(want, sizeof(want), "/memfd:mview:%s ", name);
	if ((dp = opendir(dir)) == NULL)
		return -1;
	while (fd < 0 && (de = readdir(dp)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 2)) <= 0)
			continue;
		link[n] = '\0';
		strcat(link, " ");
		if (strncmp(link, want, strlen(want)) == 0)
			fd = atoi(de->d_name);
	}
	closedir(dp);
	return fd;
}

static void
test_reader_cannot_write(void **state)
{
	struct reader_arg	a = { .daemon = mviewd.pid };
	struct stat		st;
	char			path[64];

	(void)state;
	a.daemon_fd = daemon_memfd(mviewd.pid, "sec/shared");
	assert_true(a.daemon_fd >= 0);
	/* The premise: a 0600 inode of the daemon's uid. */
	snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)mviewd.pid,
	    a.daemon_fd);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(harness_run_as(NOBODY, NOGROUP, child_reader, &a), 0);
	assert_true(pattern_intact(root.shared));
}

/* Frozen: even the owner's writable fd cannot map it writable again. */
static void
test_freeze_is_kernel_enforced(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	 cr = MVIEW__SEGMENT_CREATE__INIT;
	Mview__Reply		*rep = NULL;
	uint8_t			*old;
	void			*w;
	int			 sock = raw_open(mviewd.socket), fd = -1;

	(void)state;
	assert_true(sock >= 0);
	cr.name = (char *)"sec/frozen";
	cr.size = SEG_SIZE;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	assert_int_equal(raw_call(sock, &req, &rep, &fd), 0);
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
	assert_true((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	old = mmap(NULL, SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(old != MAP_FAILED);
	assert_int_equal(mview_segment_freeze(root.c, "sec/frozen"), 0);
	w = mmap(NULL, SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(w == MAP_FAILED && errno == EPERM);
	assert_true(write(fd, "x", 1) < 0 && errno == EPERM);
	assert_true(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) < 0 && errno == EPERM);
	old[0] = 'K';	/* a mapping made before the freeze keeps working */
	munmap(old, SEG_SIZE);
	close(fd);
	close(sock);
	assert_int_equal(mview_segment_delete(root.c, "sec/frozen"), 0);
}

/* SO_PEERCRED: the daemon sees who connects, whatever the client says. */
static int
child_hello_uid(void *arg)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Hello	 h = MVIEW__HELLO__INIT;
	Mview__Reply	*rep = NULL;
	int		 sock;

	(void)arg;
	CHILD_CHECK((sock = raw_connect(mviewd.socket)) >= 0);
	h.version_major = MVIEW_PROTOCOL_MAJOR;
	h.client_name = (char *)"uid=0";
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &h;
	CHILD_OK(raw_call(sock, &req, &rep, NULL));
	CHILD_CHECK(rep->body_case == MVIEW__REPLY__BODY_HELLO);
	CHILD_CHECK(rep->hello->uid == NOBODY && rep->hello->gid == NOGROUP);
	wire_reply_free(rep);
	close(sock);
	return 0;
}

static void
test_peer_credentials(void **state)
{
	(void)state;
	assert_int_equal(harness_run_as(NOBODY, NOGROUP, child_hello_uid, NULL),
	    0);
}

/* ---------------------------------------------------------------- quotas */

static const char *const quota_argv[] = {
	"--max-segment-size=1M",
	"--max-bytes-per-uid=1M",
	"--max-segments-per-uid=4",
	"--max-total-bytes=2M",
	"--max-segments=64",
	"--max-views-per-uid=3",
	NULL,
};

static struct harness_daemon quotad;

struct quota_req {
	const char	*what;		/* "segments", "bytes", "views", "cap" */
	int		 hold[2];	/* the child waits for a byte here */
	int		 ready[2];	/* and says it did its part here */
};

/* As another uid: do what that uid may still do while root is over quota. */
static int
child_quota(void *arg)
{
	struct quota_req	*q = arg;
	struct mview_client	*c = NULL;
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	struct mview_status	 st;
	char			 b;
	int			 r = 0;

	close(q->hold[1]);
	close(q->ready[0]);
	CHILD_OK(mview_client_connect(quotad.socket, &c));
	if (strcmp(q->what, "views") == 0) {
		CHILD_OK(mview_segment_create(c, NULL, SEG_SIZE, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &s));
		CHILD_OK(mview_view_from_segment(s, &v));
		CHILD_OK(mview_view_publish(c, "q/nobody/v", v, 0));
		CHILD_OK(mview_view_unpublish(c, "q/nobody/v"));
		mview_view_release(v);
	} else if (strcmp(q->what, "fill") == 0) {
		/* Half of the global cap, held until told. */
		CHILD_OK(mview_segment_create(c, NULL, 1u << 20, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &s));
	} else if (strcmp(q->what, "cap") == 0) {
		r = mview_segment_create(c, NULL, SEG_SIZE, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &s);
		CHILD_CHECK(r == -ENOSPC);
		CHILD_CHECK(strstr(mview_client_last_error(c),
		    "max-total-bytes") != NULL);
		CHILD_OK(mview_client_status(c, &st));
	} else {
		CHILD_OK(mview_segment_create(c, NULL, 512u << 10, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &s));
		CHILD_OK(mview_client_status(c, &st));
		CHILD_CHECK(st.uid_segments == 1 && st.uid_bytes == 512u << 10);
	}
	CHILD_CHECK(write(q->ready[1], "r", 1) == 1);
	CHILD_CHECK(read(q->hold[0], &b, 1) >= 0);
	mview_segment_close(s);
	mview_client_close(c);
	return 0;
}

/* Run child_quota(what) as uid and wait for its part to be done. */
static pid_t
quota_child(uid_t uid, const char *what, struct quota_req *q)
{
	char	b;
	pid_t	pid;

	q->what = what;
	assert_int_equal(pipe(q->hold), 0);
	assert_int_equal(pipe(q->ready), 0);
	pid = harness_child_start(uid, (gid_t)uid, child_quota, q);
	assert_true(pid > 0);
	close(q->hold[0]);
	close(q->ready[1]);
	if (read(q->ready[0], &b, 1) != 1) {
		assert_int_equal(harness_child_wait(pid), 0);
		fail_msg("quota child '%s' did not get there", what);
	}
	close(q->ready[0]);
	return pid;
}

static void
quota_child_end(pid_t pid, struct quota_req *q)
{
	close(q->hold[1]);
	assert_int_equal(harness_child_wait(pid), 0);
}

static void
assert_status_limits(struct mview_client *c)
{
	struct mview_status	st;

	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(st.max_bytes_per_uid, 1u << 20);
	assert_int_equal(st.max_segments_per_uid, 4);
	assert_int_equal(st.max_total_bytes, 2u << 20);
	assert_int_equal(st.max_segments, 64);
	assert_int_equal(st.max_segment_size, 1u << 20);
}

/* mviewctl status --json shows the same limits and the caller's use. */
static void
assert_mviewctl_status(uint64_t uid_segments)
{
	const char	*top = getenv("MVIEW_TOP_BUILDDIR");
	char		 cmd[1024], out[8192], want[64];
	size_t		 n;
	FILE		*f;

	snprintf(cmd, sizeof(cmd), "%s/ctl/mviewctl -S %s --json status",
	    top ? top : ".", quotad.socket);
	assert_non_null(f = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
	assert_non_null(strstr(out, "\"max_bytes_per_uid\":1048576"));
	assert_non_null(strstr(out, "\"max_segments_per_uid\":4"));
	assert_non_null(strstr(out, "\"max_total_bytes\":2097152"));
	snprintf(want, sizeof(want), "\"uid_segments\":%llu",
	    (unsigned long long)uid_segments);
	assert_non_null(strstr(out, want));
}

static void
test_quota_segments(void **state)
{
	struct mview_client	*c = NULL;
	struct mview_segment	*s[5] = { NULL };
	struct mview_status	 st;
	struct quota_req	 q;
	pid_t			 pid;

	(void)state;
	assert_int_equal(mview_client_connect(quotad.socket, &c), 0);
	assert_status_limits(c);
	for (int i = 0; i < 4; i++)
		assert_int_equal(mview_segment_create(c, NULL, SEG_SIZE, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &s[i]), 0);
	assert_int_equal(mview_segment_create(c, NULL, SEG_SIZE, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s[4]), -EDQUOT);
	print_message("# root, 5th segment: %s\n", mview_client_last_error(c));
	assert_non_null(strstr(mview_client_last_error(c),
	    "max-segments-per-uid"));
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(st.uid_segments, 4);
	assert_int_equal(st.uid_bytes, 4 * SEG_SIZE);
	assert_mviewctl_status(4);	/* per uid, not per connection */
	/* nobody is not affected. */
	pid = quota_child(NOBODY, "segments", &q);
	quota_child_end(pid, &q);
	for (int i = 0; i < 4; i++)
		mview_segment_close(s[i]);
	mview_client_close(c);
}

static void
test_quota_bytes(void **state)
{
	struct mview_client	*c = NULL;
	struct mview_segment	*s[3] = { NULL };
	struct quota_req	 q;
	pid_t			 pid;

	(void)state;
	assert_int_equal(mview_client_connect(quotad.socket, &c), 0);
	assert_int_equal(mview_segment_create(c, NULL, 512u << 10, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s[0]), 0);
	assert_int_equal(mview_segment_create(c, NULL, 512u << 10, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s[1]), 0);
	assert_int_equal(mview_segment_create(c, NULL, SEG_SIZE, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s[2]), -EDQUOT);
	print_message("# root, 1 MiB + 4 KiB: %s\n", mview_client_last_error(c));
	assert_non_null(strstr(mview_client_last_error(c), "max-bytes-per-uid"));
	pid = quota_child(NOBODY, "bytes", &q);
	/* Still over quota, still served. */
	assert_int_equal(mview_segment_create(c, NULL, SEG_SIZE, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s[2]), -EDQUOT);
	assert_status_limits(c);
	quota_child_end(pid, &q);
	for (int i = 0; i < 2; i++)
		mview_segment_close(s[i]);
	mview_client_close(c);
}

static void
test_quota_views(void **state)
{
	struct mview_client	*c = NULL;
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	struct mview_status	 st;
	struct quota_req	 q;
	char			 name[32];
	pid_t			 pid;

	(void)state;
	assert_int_equal(mview_client_connect(quotad.socket, &c), 0);
	assert_int_equal(mview_segment_create(c, NULL, SEG_SIZE, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s), 0);
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "q/root/v%d", i);
		assert_int_equal(mview_view_publish(c, name, v, 0), 0);
	}
	assert_int_equal(mview_view_publish(c, "q/root/v3", v, 0), -EDQUOT);
	print_message("# root, 4th view: %s\n", mview_client_last_error(c));
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(st.uid_views, 3);
	assert_int_equal(st.max_views_per_uid, 3);
	pid = quota_child(NOBODY, "views", &q);
	quota_child_end(pid, &q);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "q/root/v%d", i);
		assert_int_equal(mview_view_unpublish(c, name), 0);
	}
	mview_view_release(v);
	mview_segment_close(s);
	mview_client_close(c);
}

/* The global cap: root and nobody fill it; a third uid gets ENOSPC. */
static void
test_global_cap(void **state)
{
	struct mview_client	*c = NULL;
	struct mview_segment	*s = NULL, *t = NULL;
	struct quota_req	 fill, cap;
	pid_t			 pf, pc;

	(void)state;
	assert_int_equal(mview_client_connect(quotad.socket, &c), 0);
	assert_int_equal(mview_segment_create(c, NULL, 1u << 20, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s), 0);
	pf = quota_child(NOBODY, "fill", &fill);
	pc = quota_child(THIRD, "cap", &cap);
	quota_child_end(pc, &cap);
	/* Root, at its own quota, hears EDQUOT first, and is served. */
	assert_int_equal(mview_segment_create(c, NULL, SEG_SIZE, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &t), -EDQUOT);
	assert_status_limits(c);
	/* Once both let go (session segments: their connections end), room. */
	quota_child_end(pf, &fill);
	mview_segment_close(s);
	mview_client_close(c);
	assert_int_equal(mview_client_connect(quotad.socket, &c), 0);
	{
		long long deadline = harness_now_ms() + harness_timeout_ms();
		int r;

		while ((r = mview_segment_create(c, NULL, 1u << 20, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &t)) < 0 &&
		    harness_now_ms() < deadline)
			poll(NULL, 0, 10);
		assert_int_equal(r, 0);
	}
	mview_segment_close(t);
	mview_client_close(c);
}

static int
quota_setup(void **state)
{
	(void)state;
	return harness_daemon_start(&quotad, quota_argv) < 0 ? -1 : 0;
}

static int
quota_teardown(void **state)
{
	(void)state;
	return harness_daemon_stop(&quotad) != 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- setup */

static struct mview_segment *
root_segment(const char *name, uint32_t mode, uint64_t *ret_id)
{
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	uint8_t			*p;
	char			 vname[64];

	if (mview_segment_create(root.c, name, SEG_SIZE, mode,
	    MVIEW_LIFETIME_SESSION, 0, &s) < 0)
		return NULL;
	p = mview_segment_data(s);
	for (size_t i = 0; i < SEG_SIZE; i++)
		p[i] = pattern(i);
	snprintf(vname, sizeof(vname), "%s/v", name);
	if (mview_view_from_segment(s, &v) < 0 ||
	    mview_view_publish(root.c, vname, v, 0) < 0)
		return NULL;
	mview_view_release(v);
	*ret_id = mview_segment_info(s)->id;
	return s;
}

static int
group_setup(void **state)
{
	(void)state;
	/* $MVIEW_TEST_TIMEOUT (slow builds) wins over our own budget. */
	harness_watchdog(getenv("MVIEW_TEST_TIMEOUT") ? 0 : 90);
	if (harness_daemon_start(&mviewd, NULL) < 0 ||
	    mview_client_connect(mviewd.socket, &root.c) < 0)
		return -1;
	root.priv = root_segment("sec/private", 0600, &root.priv_id);
	root.shared = root_segment("sec/shared", 0644, &root.shared_id);
	return root.priv != NULL && root.shared != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	mview_segment_close(root.priv);
	mview_segment_close(root.shared);
	mview_client_close(root.c);
	return harness_daemon_stop(&mviewd) != 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_uid_refused),
		cmocka_unit_test(test_watch_hides_names),
		cmocka_unit_test(test_reader_cannot_write),
		cmocka_unit_test(test_freeze_is_kernel_enforced),
		cmocka_unit_test(test_peer_credentials),
		cmocka_unit_test_setup_teardown(test_quota_segments,
		    quota_setup, quota_teardown),
		cmocka_unit_test_setup_teardown(test_quota_bytes,
		    quota_setup, quota_teardown),
		cmocka_unit_test_setup_teardown(test_quota_views,
		    quota_setup, quota_teardown),
		cmocka_unit_test_setup_teardown(test_global_cap,
		    quota_setup, quota_teardown),
	};

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root to run a second uid\n");
		return 77;
	}
	return cmocka_run_group_tests_name("security", tests, group_setup,
	    group_teardown);
}
