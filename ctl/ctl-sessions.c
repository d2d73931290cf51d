/* SPDX-License-Identifier: MIT */
/* mviewctl sessions (segments held, stream roles, frames held), and the deleted segments still held that ls --all shows. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static void
sessions_json(const struct mview_session_info *s, size_t n)
{
	struct json	j;

	json_begin(&j, stdout);
	json_array_open(&j, NULL);
	for (size_t i = 0; i < n; i++) {
		json_object_open(&j, NULL);
		json_u64(&j, "id", s[i].id);
		json_u64(&j, "pid", s[i].pid);
		json_u64(&j, "uid", s[i].uid);
		json_u64(&j, "gid", s[i].gid);
		if (s[i].client_name != NULL)
			json_string(&j, "client_name", s[i].client_name);
		else
			json_null(&j, "client_name");
		json_i64(&j, "since_ns", s[i].since_ns);
		json_u64(&j, "segments", s[i].nsegments);
		json_u64(&j, "bytes", s[i].bytes);
		json_u64(&j, "views_published", s[i].views_published);
		json_bool(&j, "self", s[i].self);
		json_u64(&j, "stream_roles", s[i].nstreams_total);
		json_u64(&j, "frames_held", s[i].frames_held);
		json_array_open(&j, "streams");
		for (size_t k = 0; k < s[i].nstreams; k++) {
			const struct mview_session_stream *r = &s[i].streams[k];

			json_object_open(&j, NULL);
			json_u64(&j, "id", r->id);
			json_string(&j, "name", r->name != NULL ? r->name : "");
			json_string(&j, "role", r->producer ? "producer" :
			    "consumer");
			if (!r->producer) {
				json_u64(&j, "position", r->position);
				json_string(&j, "policy", r->lossless ?
				    "lossless" : "latest");
				json_u64(&j, "holds", r->holds);
			}
			json_bool(&j, "deleted", r->deleted);
			json_object_close(&j);
		}
		json_array_close(&j);
		json_array_open(&j, "held");
		for (size_t k = 0; k < s[i].nheld; k++) {
			const struct mview_held_segment *h = &s[i].held[k];

			json_object_open(&j, NULL);
			json_u64(&j, "id", h->id);
			if (h->name != NULL)
				json_string(&j, "name", h->name);
			else
				json_null(&j, "name");
			json_u64(&j, "size", h->size);
			json_bool(&j, "deleted", h->deleted);
			json_object_close(&j);
		}
		json_array_close(&j);
		json_object_close(&j);
	}
	json_array_close(&j);
	json_end(&j);
}

/* The roles sessions play on streams, one line each; none: nothing. */
static void
sessions_streams_table(const struct mview_session_info *s, size_t n)
{
	static const char *const headers[] = { "SESSION", "PID", "STREAM",
	    "ROLE", "POSITION", "POLICY", "HOLDS" };
	struct table	t;
	size_t		rows = 0;
	char		id[24], pid[16], pos[16], holds[16];

	if (table_init(&t, 7, 1u << 0 | 1u << 1 | 1u << 4 | 1u << 6,
	    headers) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < s[i].nstreams; k++, rows++) {
			const struct mview_session_stream *r = &s[i].streams[k];
			char	name[300];

			snprintf(id, sizeof(id), "%" PRIu64, s[i].id);
			snprintf(pid, sizeof(pid), "%" PRIu32, s[i].pid);
			snprintf(pos, sizeof(pos), r->producer ? "-" :
			    "%" PRIu32, r->position);
			snprintf(holds, sizeof(holds), r->producer ? "-" :
			    "%" PRIu32, r->holds);
			snprintf(name, sizeof(name), "%s%s", r->name != NULL ?
			    r->name : "?", r->deleted ? " (deleted)" : "");
			table_add(&t, (const char *const[]){ id, pid, name,
			    r->producer ? "producer" : "consumer", pos,
			    r->producer ? "-" : r->lossless ? "lossless" :
			    "latest", holds });
		}
	if (rows > 0) {
		printf("\nstreams:\n");
		table_print(&t, stdout);
	}
	table_free(&t);
}

static void
sessions_table(const struct mview_session_info *s, size_t n)
{
	static const char *const headers[] = { "ID", "PID", "USER", "GID",
	    "COMMAND", "SINCE", "SEGMENTS", "BYTES", "VIEWS", "STREAMS",
	    "FRAMES" };
	struct table	t;
	char		id[24], pid[16], user[64], gid[16], since[32], nseg[16],
			size[32], nv[24], cmd[48], nst[16], frames[16];

	if (table_init(&t, 11, 1u << 0 | 1u << 1 | 1u << 6 | 1u << 7 |
	    1u << 8 | 1u << 9 | 1u << 10, headers) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%" PRIu64 "%s", s[i].id,
		    s[i].self ? "*" : "");
		snprintf(pid, sizeof(pid), "%" PRIu32, s[i].pid);
		snprintf(gid, sizeof(gid), "%" PRIu32, s[i].gid);
		snprintf(nseg, sizeof(nseg), "%" PRIu32, s[i].nsegments);
		snprintf(nv, sizeof(nv), "%" PRIu64, s[i].views_published);
		snprintf(nst, sizeof(nst), "%" PRIu32, s[i].nstreams_total);
		snprintf(frames, sizeof(frames), "%" PRIu32, s[i].frames_held);
		snprintf(cmd, sizeof(cmd), "%s", s[i].client_name != NULL ?
		    s[i].client_name : "-");
		table_add(&t, (const char *const[]){ id, pid,
		    fmt_user(s[i].uid, user, sizeof(user)), gid, cmd,
		    fmt_time(s[i].since_ns, since, sizeof(since)), nseg,
		    fmt_size(s[i].bytes, size, sizeof(size)), nv, nst,
		    frames });
	}
	table_print(&t, stdout);
	table_free(&t);
	sessions_streams_table(s, n);
}

int
cmd_sessions(struct ctl *ctl, int argc, char **argv)
{
	struct mview_session_info	*s;
	size_t				 n;
	int				 r;

	if ((r = ctl_simple_args(ctl, argc, argv, 0, 0)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_session_list(ctl->client, &s, &n)) < 0)
		return ctl_fail(ctl, r, "sessions");
	if (ctl->json)
		sessions_json(s, n);
	else
		sessions_table(s, n);
	free(s);
	return CTL_EXIT_OK;
}

/* Deleted segments some session still holds, each with its holders. */
int
ctl_deleted_held(struct ctl *ctl, struct json *j)
{
	struct mview_session_info	*s;
	struct table			 t;
	static const char *const	 headers[] = { "ID", "NAME", "SIZE",
	    "HELD BY" };
	size_t				 n;
	int				 r;

	if ((r = mview_session_list(ctl->client, &s, &n)) < 0)
		return r;
	if (j != NULL)
		json_array_open(j, "deleted_held");
	else if (table_init(&t, 4, 1u << 0 | 1u << 2, headers) < 0) {
		free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < s[i].nheld; k++) {
			const struct mview_held_segment *h = &s[i].held[k];
			char	id[24], size[32], by[96];

			if (!h->deleted)
				continue;
			snprintf(by, sizeof(by), "pid %" PRIu32 " (%s, session "
			    "%" PRIu64 ")", s[i].pid, s[i].client_name != NULL ?
			    s[i].client_name : "?", s[i].id);
			if (j != NULL) {
				json_object_open(j, NULL);
				json_u64(j, "id", h->id);
				json_string(j, "name", h->name != NULL ?
				    h->name : "");
				json_u64(j, "size", h->size);
				json_u64(j, "session", s[i].id);
				json_u64(j, "pid", s[i].pid);
				json_u64(j, "uid", s[i].uid);
				json_object_close(j);
				continue;
			}
			snprintf(id, sizeof(id), "%" PRIu64, h->id);
			table_add(&t, (const char *const[]){ id,
			    h->name != NULL ? h->name : "(anonymous)",
			    fmt_size(h->size, size, sizeof(size)), by });
		}
	}
	if (j != NULL)
		json_array_close(j);
	else {
		printf("\ndeleted, still held:\n");
		table_print(&t, stdout);
		table_free(&t);
	}
	free(s);
	return 0;
}
