/* SPDX-License-Identifier: MIT */
/* mview-bench: what the sections share (options, samples, rows, processes). */
#ifndef MVIEW_BENCH_H
#define MVIEW_BENCH_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "daemon-harness.h"

#define KIB		(1024ULL)
#define MIB		(1024ULL * KIB)
#define GIB		(1024ULL * MIB)

#define BENCH_SMALL	4096		/* the "small" segment of the control plane */
#define BENCH_MSG	64		/* bytes of a raw ping-pong message */

enum bench_unit {
	UNIT_NS = 0,		/* latency, nanoseconds */
	UNIT_RATE,		/* requests per second */
	UNIT_BYTES,		/* bytes (per view) */
};

/* One line of the table. Values are NAN when they do not apply. */
struct bench_row {
	char		 section[16];
	char		 key[64];	/* stable, for JSON, floors and plots */
	char		 name[64];	/* what the table shows */
	enum bench_unit	 unit;
	double		 median;
	double		 p99;
	double		 lat_p50;	/* throughput rows: per-request latency */
	double		 lat_p99;
	long		 n;		/* samples (or requests) behind it */
	char		 floor[40];	/* the key (or text) of its floor */
	double		 ratio;		/* median / its floor (rates: ours / the floor's) */
	uint64_t	 size;		/* data plane: bytes shared */
	int		 clients;	/* throughput: concurrent clients */
	char		 note[120];
};


struct bench {
	/* options */
	bool		 quick;
	bool		 hugetlb;
	bool		 populate;
	bool		 json_stdout;
	bool		 idle;		/* let CPUs idle (no PM QoS hold) */
	bool		 no_pin;	/* let the scheduler place processes */
	bool		 pinned;	/* client and servers on two CPUs */
	const char	*json_path;
	const char	*mviewd;	/* start our own from this binary */
	const char	*socket;	/* or use this running daemon */
	const char	*python;
	const char	*pythonpath;	/* where the mview module was built */
	const char	*scripts;	/* where bench_py.py lives */
	const char	*only;		/* comma-separated sections, NULL: all */
	/* state */
	struct harness_daemon daemon;	/* pid -1: none of ours */
	char		 tmpdir[64];	/* ours: echo socket etc. */
	pid_t		 echo_pid;
	char		 echo_sock[108];	/* sun_path */
	struct bench_row *rows;
	size_t		 nrows, caprows;
	const char	*cur_section;
	bool		 header_done;
	double		 load_start[3], load_end[3];
	int		 pm_qos_fd;	/* /dev/cpu_dma_latency held at 0, or -1 */
	char		 pm_qos[96];	/* what the header says about it */
	int64_t		 t_start;
	/* the stream section's seccomp proofs of publish: 1 proven */
	int		 stream_proof_api, stream_proof_ring;
	char		 stream_why_api[80], stream_why_ring[80];
};

/* A growing array of samples in nanoseconds (or any unit). */
struct samples {
	double	*v;
	size_t	 n, cap;
};

static inline int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* bench-stats.c */
void	samples_init(struct samples *s);
void	samples_free(struct samples *s);
void	samples_add(struct samples *s, double v);
double	samples_quantile(struct samples *s, double q);	/* sorts s */

struct bench_row *bench_row_add(struct bench *b, const char *key,
	    const char *name, enum bench_unit unit, double median, double p99,
	    long n);
struct bench_row *bench_row_samples(struct bench *b, const char *key,
	    const char *name, struct samples *s);
const struct bench_row *bench_row_find(const struct bench *b, const char *key);
double	bench_median(const struct bench *b, const char *key);
void	bench_row_floor(struct bench *b, struct bench_row *r,
	    const char *floor_key);
void	bench_row_floor_value(struct bench_row *r, const char *label,
	    double value);
void	bench_row_note(struct bench_row *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	bench_row_print(struct bench *b, struct bench_row *r);
void	bench_section(struct bench *b, const char *section, const char *title);
void	bench_skip(struct bench *b, const char *what, const char *why);
void	bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	bench_write_json(struct bench *b, const char *path);
void	bench_print_targets(struct bench *b, FILE *f);
void	bench_print_machine(struct bench *b, FILE *f);
void	bench_format_value(char *buf, size_t len, enum bench_unit unit,
	    double v);

/* bench-proc.c: processes, sockets, the private daemon */
int	proc_mkdtemp(char *dir, size_t len);
int	daemon_start(struct bench *b, struct harness_daemon *d,
	    const char *const *extra);
void	daemon_stop(struct harness_daemon *d);
const char *bench_socket(const struct bench *b);
long	proc_rss_kb(pid_t pid);
int	proc_wait(pid_t pid, const char *what);
ssize_t	proc_read_full(int fd, void *buf, size_t len);
/* Prove body makes no system call: in a forked child prepare(arg) (NULL:
 * none) may make any, then only write and exit are allowed (seccomp strict
 * mode, or when !strict a filter that leaves RDTSC on) while body(arg)
 * returns its error count. 1 when the child came back with 0 errors, why
 * "0 syscalls in <what> (...)"; 0 otherwise, why saying what happened. */
int	proc_syscall_proof(int (*prepare)(void *), long (*body)(void *),
	    void *arg, bool strict, const char *what, char *why, size_t len);
int	proc_write_full(int fd, const void *buf, size_t len);
int	proc_send_fd(int sock, const void *buf, size_t len, int fd);
ssize_t	proc_recv_fd(int sock, void *buf, size_t len, int *ret_fd);
int	proc_memfd(uint64_t size, bool hugetlb, int *ret_fd);
void	proc_cleanup_register(struct bench *b);
enum proc_pin_side { PIN_CLIENT, PIN_SERVER, PIN_NONE };
int	proc_pin_setup(bool enable);
void	proc_pin(pid_t pid, enum proc_pin_side side);
int	proc_server_cpu(void);
int	proc_pm_qos_hold(int *ret_fd);

/* Throughput: n child processes each running their share of ops. */
struct tput_slot;
struct tput_ctx {
	struct tput_slot *slot;
	int		  idx;		/* 0 .. n-1 */
	int		  nclients;
	long		  nops;		/* this child's share */
	int		  ready_fd, go_fd;
};
typedef int tput_child_fn(struct bench *b, void *arg, struct tput_ctx *t);
struct tput_result {
	double	rate;			/* ops per second, all children */
	double	lat_p50, lat_p99;	/* per op, ns */
	long	ops;
	int	failed;			/* children that failed */
};
int	tput_run(struct bench *b, int nclients, long total, tput_child_fn *fn,
	    void *arg, struct tput_result *ret);
void	tput_go(struct tput_ctx *t);		/* ready, wait for the start */
void	tput_record(struct tput_ctx *t, int64_t t0, int64_t t1);
void	tput_done(struct tput_ctx *t);

/* bench-floor.c: floors to sample next to what they are the floor of. */
struct floor_pair {
	int		sock;
	int		fd;		/* the memfd passed back, -1: none */
	pid_t		pid;		/* the responder */
	uint64_t	mapsize;
};
int	floor_pair_open(struct floor_pair *fp, uint64_t mapsize);
int	floor_pair_sample(struct floor_pair *fp, int64_t *ret_ns);
void	floor_pair_close(struct floor_pair *fp);
int	floor_memfd_sample(uint64_t size, int64_t *ret_ns);
int	floor_connect_sample(struct bench *b, int64_t *ret_ns);

/* The sections. */
int	bench_floors(struct bench *b);
int	bench_echo_start(struct bench *b);
void	bench_echo_stop(struct bench *b);
tput_child_fn bench_echo_client_cb;
int	bench_control(struct bench *b);
int	bench_throughput(struct bench *b, const int *clients, size_t n);
int	bench_data(struct bench *b);
int	bench_algebra(struct bench *b);
int	bench_scale(struct bench *b);
int	bench_stream(struct bench *b);
int	bench_python_lookup(struct bench *b);
int	bench_python_share(struct bench *b);
bool	bench_python_has(struct bench *b, const char *module);

/* How many samples, scaled for --quick. */
long	bench_iters(const struct bench *b, long normal, long quick);
bool	bench_want(const struct bench *b, const char *section);

#endif /* MVIEW_BENCH_H */
