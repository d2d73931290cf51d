/* SPDX-License-Identifier: MIT */
/* The stream rows' own parts: a ring over memfds, and the iceoryx peer when it was found. */
#ifndef MVIEW_BENCH_STREAM_H
#define MVIEW_BENCH_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stream-ring.h"

/* A stream's memfds made by hand (what mviewd does at create). */
struct stream_test_ring {
	struct stream_geometry	 geo;
	int			 control_fd, data_fd;
	int			 lease_fd[STREAM_MAX_CONSUMERS];
	struct stream_control	*control;
	uint8_t			*data;
	struct stream_lease	*leases[STREAM_MAX_CONSUMERS];
	size_t			 control_size;
	uint64_t		 data_size;
};

int	bench_ring_create(struct stream_test_ring *r, uint32_t nslots,
	    uint64_t capacity, uint32_t nconsumers, uint32_t holds);
void	bench_ring_destroy(struct stream_test_ring *r);

/* iceoryx over its C binding (bench-iceoryx.c; without it, each
 * returns -ENOSYS). RouDi runs from dir's config while the rows run. */
bool	bench_iox_available(const char **why);
int	bench_iox_roudi_start(const char *dir, pid_t *ret_pid);
void	bench_iox_roudi_stop(pid_t pid);
int	bench_iox_pub_open(uint64_t nbytes);	/* in the sending process */
int	bench_iox_send(uint64_t nbytes, uint64_t seq);
int	bench_iox_sub_open(bool waitset);	/* in the receiving process */
int64_t	bench_iox_receive(uint64_t nbytes, uint64_t seq);	/* send time */
void	bench_iox_close(void);

/* Frames per second through a ring, paired with plain memory: rounds of
 * FPS_CHUNK frames sent by send(arg, k), then as many written by memset
 * into a plain two-frame memfd, in turn; medians over the rounds. */
#define FPS_CHUNK	10
struct fps_result {
	double	ring;		/* frames/s through the ring */
	double	plain;		/* frames/s into plain memory, same rounds */
	double	ratio;		/* median of the rounds' ring / plain */
};
int	bench_fps_paired(uint64_t nbytes, long frames,
	    int (*send)(void *arg, long k), void *arg, struct fps_result *ret);

/* The same through libmviewclient (bench-stream-api.c) against the
 * daemon on sock: the producer creates a session stream and opens it,
 * consumers (forked after) open it by bench_api_name(). */
struct samples;
int	bench_api_pub_open(const char *sock, uint64_t nbytes,
	    unsigned nconsumers);
const char *bench_api_name(void);
int	bench_api_sub_open(const char *sock, const char *name, bool busy);
int	bench_api_send(uint64_t nbytes, uint64_t seq);
int64_t	bench_api_receive(uint64_t nbytes, uint64_t seq);	/* send time */
void	bench_api_close(void);
struct fps_result;
int	bench_api_fps(const char *sock, uint64_t nbytes, unsigned nrecv,
	    long frames, struct fps_result *ret);
int	bench_api_publish_time(const char *sock, struct samples *s,
	    long batches);
int	bench_api_publish_proof(const char *sock, long n, char *why,
	    size_t len);

#endif /* MVIEW_BENCH_STREAM_H */
