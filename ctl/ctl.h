/* SPDX-License-Identifier: MIT */
/* mviewctl internals: the command context, the commands, and output helpers. */
#ifndef MVIEW_CTL_H
#define MVIEW_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mview.h"

/* Exit codes (documented in --help and mviewctl(1)). */
#define CTL_EXIT_OK		0
#define CTL_EXIT_FAILED		1	/* the operation failed: the daemon said no */
#define CTL_EXIT_USAGE		2	/* bad command line */
#define CTL_EXIT_UNREACHABLE	3	/* cannot reach the daemon */

struct ctl {
	const char		*socket;	/* --socket, else the library's default */
	bool			 json;		/* --json */
	int			 timeout_ms;	/* --timeout */
	const char		*cmd;		/* the command's name */
	struct mview_client	*client;	/* after ctl_connect() */
};

/* One command: fn gets argv from the command's name on. */
struct ctl_command {
	const char	*name;
	int		(*fn)(struct ctl *ctl, int argc, char **argv);
	const char	*args;
	const char	*summary;
	const char	*help;		/* options and details */
};

/* mviewctl.c */
int	ctl_connect(struct ctl *ctl);
int	ctl_usage(struct ctl *ctl, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	ctl_simple_args(struct ctl *ctl, int argc, char **argv, int min,
	    int max);
int	ctl_check_args(struct ctl *ctl, int argc, int min, int max);
int	ctl_help_command(struct ctl *ctl);
int	ctl_bad_option(struct ctl *ctl, char **argv);

/* The commands. */
int	cmd_status(struct ctl *ctl, int argc, char **argv);
int	cmd_ls(struct ctl *ctl, int argc, char **argv);
int	cmd_stat(struct ctl *ctl, int argc, char **argv);
int	cmd_create(struct ctl *ctl, int argc, char **argv);
int	cmd_rm(struct ctl *ctl, int argc, char **argv);
int	cmd_freeze(struct ctl *ctl, int argc, char **argv);
int	cmd_publish(struct ctl *ctl, int argc, char **argv);
int	cmd_unpublish(struct ctl *ctl, int argc, char **argv);
int	cmd_views(struct ctl *ctl, int argc, char **argv);
int	cmd_dump(struct ctl *ctl, int argc, char **argv);
int	cmd_set(struct ctl *ctl, int argc, char **argv);
int	cmd_watch(struct ctl *ctl, int argc, char **argv);
int	cmd_drain(struct ctl *ctl, int argc, char **argv);
int	cmd_metrics(struct ctl *ctl, int argc, char **argv);
int	cmd_sessions(struct ctl *ctl, int argc, char **argv);

/* ctl-sessions.c: ls --all's deleted segments still held, with their
 * holders, as a table or into j. 0 or -errno. */
struct json;
int	ctl_deleted_held(struct ctl *ctl, struct json *j);
int	cmd_stream(struct ctl *ctl, int argc, char **argv);

/* ctl-stream.c: streams in ls and stat. */
void	ctl_table_streams(const struct mview_stream_info *s, size_t n);
int	ctl_print_stream(struct ctl *ctl, const struct mview_stream_info *s);

/* ctl-view.c: a published view NAME, else segment NAME as bytes (errors
 * reported, exit code returned); v[key] in place of *v. */
int	ctl_open_view(struct ctl *ctl, const char *name, bool write,
	    struct mview_view **ret_view);
int	ctl_apply_slice(struct ctl *ctl, struct mview_view **v, const char *key,
	    void **ret_item);

/* ctl-segment.c / ctl-view.c: listings, shared by ls. */
void	ctl_table_segments(const struct mview_segment_info *s, size_t n);
void	ctl_table_views(const struct mview_view_info *v, size_t n);

/* ctl-output.c: errors. err is a -errno from the library. */
int	ctl_fail(struct ctl *ctl, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	ctl_fail_view(struct ctl *ctl, int err, const struct mview_error *e,
	    const char *what);
int	ctl_exit_code(int err);
void	ctl_print_error(struct ctl *ctl, int err, const char *cls,
	    const char *msg, const char *what);
int	ctl_done(struct ctl *ctl, const char *verb, const char *name,
	    uint64_t id);

/* ctl-output.c: a streaming JSON writer (compact, one document per line). */
struct json {
	FILE		*f;
	int		 depth;
	bool		 comma[32];	/* an item was written at this depth */
};

void	json_begin(struct json *j, FILE *f);
void	json_end(struct json *j);
void	json_object_open(struct json *j, const char *key);
void	json_object_close(struct json *j);
void	json_array_open(struct json *j, const char *key);
void	json_array_close(struct json *j);
void	json_string(struct json *j, const char *key, const char *value);
void	json_u64(struct json *j, const char *key, uint64_t value);
void	json_i64(struct json *j, const char *key, int64_t value);
void	json_bool(struct json *j, const char *key, bool value);
void	json_null(struct json *j, const char *key);
void	json_raw(struct json *j, const char *key, const char *text);
void	json_i64_array(struct json *j, const char *key, const int64_t *v,
	    int n);
void	json_escape(FILE *f, const char *s);
void	json_access(struct json *j, uint32_t uid, uint32_t gid, uint32_t mode,
	    enum mview_lifetime lifetime);
void	json_segment(struct json *j, const char *key,
	    const struct mview_segment_info *s);
void	json_view(struct json *j, const char *key,
	    const struct mview_view_info *v);
void	json_stream(struct json *j, const char *key,
	    const struct mview_stream_info *s);

/* ctl-output.c: aligned text tables (cells are copied). */
struct table {
	size_t		  ncols;
	unsigned	  right;	/* bit i: column i is right-aligned */
	char		**cells;	/* row-major, headers first */
	size_t		  nrows, cap;
};

int	table_init(struct table *t, size_t ncols, unsigned right,
	    const char *const *headers);
int	table_add(struct table *t, const char *const *row);
void	table_print(const struct table *t, FILE *f);
void	table_free(struct table *t);

/* ctl-output.c: humane formats into caller buffers. */
const char *fmt_size(uint64_t n, char *buf, size_t len);
const char *fmt_time(int64_t ns, char *buf, size_t len);
const char *fmt_duration(int64_t ns, char *buf, size_t len);
const char *fmt_tuple(const int64_t *v, int n, char *buf, size_t len);
const char *fmt_user(uint32_t uid, char *buf, size_t len);
const char *fmt_lifetime(enum mview_lifetime l);
/* "s" after a count other than 1: "1 frame", "2 frames". */
const char *fmt_s(uint64_t n);

/* ctl-output.c: "3,4" or "" into up to max int64s. */
int	parse_i64_list(const char *s, int64_t *v, int max, int *ret_n);

#endif /* MVIEW_CTL_H */
