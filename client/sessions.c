/* SPDX-License-Identifier: MIT */
/* Who holds what: the daemon's sessions, one malloc'd block out. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client-wire.h"

/* Bytes of the block for the reply's sessions; 0 on overflow. */
static size_t
sessions_block_size(const Mview__SessionListReply *l)
{
	size_t	total = l->n_sessions * sizeof(struct mview_session_info);

	for (size_t i = 0; i < l->n_sessions; i++) {
		const Mview__SessionInfo *w = l->sessions[i];

		total += w->n_held * sizeof(struct mview_held_segment);
		total += w->n_streams * sizeof(struct mview_session_stream);
		if (w->client_name != NULL)
			total += strlen(w->client_name) + 1;
		for (size_t j = 0; j < w->n_held; j++)
			if (w->held[j]->name != NULL)
				total += strlen(w->held[j]->name) + 1;
		for (size_t j = 0; j < w->n_streams; j++)
			if (w->streams[j]->name != NULL)
				total += strlen(w->streams[j]->name) + 1;
	}
	return total > 0 ? total : 1;
}

/* s into the block at *p: its copy, moving *p past what it used. */
static const char *
sessions_str(const char *s, char **p)
{
	char	*out = *p;
	size_t	 len;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	memcpy(out, s, len);
	*p += len;
	return out;
}

static void
sessions_pack(const Mview__SessionListReply *l,
    struct mview_session_info *infos)
{
	struct mview_held_segment	*held;
	struct mview_session_stream	*roles;
	char				*p;
	size_t				 nheld = 0, nroles = 0;

	for (size_t i = 0; i < l->n_sessions; i++) {
		nheld += l->sessions[i]->n_held;
		nroles += l->sessions[i]->n_streams;
	}
	held = (struct mview_held_segment *)(infos + l->n_sessions);
	roles = (struct mview_session_stream *)(held + nheld);
	p = (char *)(roles + nroles);
	for (size_t i = 0; i < l->n_sessions; i++) {
		const Mview__SessionInfo *w = l->sessions[i];

		infos[i] = (struct mview_session_info){
			.id = w->id, .pid = w->pid, .uid = w->uid,
			.gid = w->gid, .since_ns = w->since_ns,
			.nsegments = w->nsegments, .bytes = w->bytes,
			.views_published = w->views_published,
			.self = w->has_self && w->self,
			.nheld = w->n_held, .held = held,
			.nstreams_total = w->nstreams,
			.frames_held = w->frames_held,
			.nstreams = w->n_streams,
			.streams = w->n_streams > 0 ? roles : NULL,
		};
		infos[i].client_name = sessions_str(w->client_name, &p);
		for (size_t j = 0; j < w->n_held; j++, held++)
			*held = (struct mview_held_segment){
				.id = w->held[j]->id,
				.size = w->held[j]->size,
				.deleted = w->held[j]->has_deleted &&
				    w->held[j]->deleted,
				.name = sessions_str(w->held[j]->name, &p),
			};
		for (size_t j = 0; j < w->n_streams; j++, roles++)
			*roles = (struct mview_session_stream){
				.id = w->streams[j]->id,
				.name = sessions_str(w->streams[j]->name, &p),
				.producer = w->streams[j]->role ==
				    MVIEW__STREAM_ROLE__STREAM_PRODUCER,
				.lossless = w->streams[j]->policy ==
				    MVIEW__STREAM_POLICY__STREAM_LOSSLESS,
				.deleted = w->streams[j]->deleted,
				.position = w->streams[j]->position,
				.holds = w->streams[j]->holds,
			};
	}
}

MVIEW_EXPORT int
mview_session_list(struct mview_client *c,
    struct mview_session_info **ret_infos, size_t *ret_n)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SessionList	 sl = MVIEW__SESSION_LIST__INIT;
	Mview__Reply		*rep;
	struct mview_session_info *infos;
	size_t			 size;
	int			 r;

	if (c == NULL || ret_infos == NULL || ret_n == NULL)
		return -EINVAL;
	req.body_case = MVIEW__REQUEST__BODY_SESSION_LIST;
	req.session_list = &sl;
	if ((r = client_call_reply(c, &req, CLIENT_CALL_RETRY,
	    MVIEW__REPLY__BODY_SESSION_LIST, &rep, NULL)) < 0)
		return r;
	size = sessions_block_size(rep->session_list);
	if ((infos = malloc(size)) == NULL) {
		wire_reply_free(rep);
		return -ENOMEM;
	}
	sessions_pack(rep->session_list, infos);
	*ret_n = rep->session_list->n_sessions;
	*ret_infos = infos;
	wire_reply_free(rep);
	return 0;
}
