/* SPDX-License-Identifier: MIT */
/* The peer of the stream rows: iceoryx publish/subscribe over its C binding, with its RouDi started and stopped here. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <iceoryx_binding_c/chunk.h>
#include <iceoryx_binding_c/enums.h>
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/notification_info.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/types.h>
#include <iceoryx_binding_c/wait_set.h>

#include "bench.h"
#include "bench-stream.h"

#define IOX_ROUDI	"iox-roudi"
#define IOX_WAIT_US	5000000		/* for discovery, at most */
#define IOX_READY	"RouDi is ready for clients"

static char		 roudi_dir[200];

static iox_pub_storage_t	 pub_storage;
static iox_sub_storage_t	 sub_storage;
static iox_ws_storage_t		 ws_storage;
static iox_pub_t		 pub;
static iox_sub_t		 sub;
static iox_ws_t			 ws;

bool
bench_iox_available(const char **why)
{
	if (access("/usr/bin/" IOX_ROUDI, X_OK) < 0) {
		*why = "iox-roudi not found (Debian package iceoryx)";
		return false;
	}
	return true;
}

/* A config with pools for 64-byte and 1080p chunks (plus headers). */
static int
roudi_config(const char *dir, char *path, size_t len)
{
	FILE	*f;

	snprintf(path, len, "%s/roudi.toml", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -errno;
	fprintf(f, "[general]\nversion = 1\n\n[[segment]]\n\n"
	    "[[segment.mempool]]\nsize = 256\ncount = 1024\n\n"
	    "[[segment.mempool]]\nsize = 6291456\ncount = 12\n");
	return fclose(f) == 0 ? 0 : -errno;
}

/* Has RouDi said it is ready in its log? */
static bool
roudi_ready(const char *log)
{
	char	 line[256];
	bool	 ready = false;
	FILE	*f;

	if ((f = fopen(log, "re")) == NULL)
		return false;
	while (!ready && fgets(line, sizeof(line), f) != NULL)
		ready = strstr(line, IOX_READY) != NULL;
	fclose(f);
	return ready;
}

/* Wait until RouDi is ready; -EADDRINUSE when it exits first (iceoryx
 * allows one RouDi per machine: another one runs). */
static int
roudi_wait(pid_t pid, const char *log)
{
	int	status;

	for (int ms = 0; ms < 10000; ms += 10) {
		if (roudi_ready(log))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -EADDRINUSE;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}

int
bench_iox_roudi_start(const char *dir, pid_t *ret_pid)
{
	char	cfg[256], log[256];
	pid_t	pid;
	int	r, fd;

	snprintf(roudi_dir, sizeof(roudi_dir), "%s", dir);
	snprintf(log, sizeof(log), "%s/roudi.log", dir);
	if ((r = roudi_config(dir, cfg, sizeof(cfg))) < 0)
		return r;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/usr/bin/" IOX_ROUDI, IOX_ROUDI, "-c", cfg, "-m", "off",
		    "-l", "off", (char *)NULL);
		_exit(127);
	}
	if ((r = roudi_wait(pid, log)) < 0) {
		bench_iox_roudi_stop(-1);
		return r;
	}
	*ret_pid = pid;
	return 0;
}

/* SIGTERM, once every publisher and subscriber has left (exit(), see
 * hs_exit): RouDi then stops cleanly; its files go. */
void
bench_iox_roudi_stop(pid_t pid)
{
	char	path[256];

	if (pid > 0) {
		kill(pid, SIGTERM);
		proc_wait(pid, "iox-roudi");
	}
	if (roudi_dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/roudi.log", roudi_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/roudi.toml", roudi_dir);
	unlink(path);
}

int
bench_iox_pub_open(uint64_t nbytes)
{
	iox_pub_options_t	opts;
	long			us;

	(void)nbytes;
	iox_set_loglevel(Iceoryx_LogLevel_Fatal);
	iox_runtime_init("mview-bench-pub");
	iox_pub_options_init(&opts);
	opts.historyCapacity = 0;
	pub = iox_pub_init(&pub_storage, "mview", "bench", "frames", &opts);
	for (us = 0; !iox_pub_has_subscribers(pub); us += 1000) {
		if (us > IOX_WAIT_US)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

int
bench_iox_send(uint64_t nbytes, uint64_t seq)
{
	void	*payload;
	int64_t	 t0;

	if (iox_pub_loan_chunk(pub, &payload, (uint32_t)nbytes) !=
	    AllocationResult_SUCCESS)
		return -ENOBUFS;
	memset(payload, (int)seq, nbytes);
	memcpy((char *)payload + 8, &seq, sizeof(seq));
	t0 = now_ns();
	memcpy(payload, &t0, sizeof(t0));
	iox_pub_publish_chunk(pub, payload);
	return 0;
}

int
bench_iox_sub_open(bool waitset)
{
	iox_sub_options_t	opts;
	long			us;

	iox_set_loglevel(Iceoryx_LogLevel_Fatal);
	iox_runtime_init("mview-bench-sub");
	iox_sub_options_init(&opts);
	opts.queueCapacity = 4;
	opts.historyRequest = 0;
	sub = iox_sub_init(&sub_storage, "mview", "bench", "frames", &opts);
	for (us = 0; iox_sub_get_subscription_state(sub) !=
	    SubscribeState_SUBSCRIBED; us += 1000) {
		if (us > IOX_WAIT_US)
			return -ETIMEDOUT;
		usleep(1000);
	}
	if (waitset) {
		ws = iox_ws_init(&ws_storage);
		if (iox_ws_attach_subscriber_state(ws, sub,
		    SubscriberState_HAS_DATA, 0, NULL) != WaitSetResult_SUCCESS)
			return -EIO;
	}
	return 0;
}

int64_t
bench_iox_receive(uint64_t nbytes, uint64_t seq)
{
	iox_notification_info_t	 info[4];
	const void		*payload;
	volatile uint8_t	 sink;
	uint64_t		 missed, got;
	int64_t			 t0;

	for (;;) {
		if (iox_sub_take_chunk(sub, &payload) ==
		    ChunkReceiveResult_SUCCESS)
			break;
		if (ws != NULL)
			iox_ws_wait(ws, info, 4, &missed);
	}
	memcpy(&t0, payload, sizeof(t0));
	memcpy(&got, (const char *)payload + 8, sizeof(got));
	sink = ((const uint8_t *)payload)[nbytes - 1];
	(void)sink;
	iox_sub_release_chunk(sub, payload);
	return got == seq ? t0 : -EPROTO;
}

void
bench_iox_close(void)
{
	if (ws != NULL)
		iox_ws_deinit(ws);
	if (sub != NULL)
		iox_sub_deinit(sub);
	if (pub != NULL)
		iox_pub_deinit(pub);
	iox_runtime_shutdown();
}
