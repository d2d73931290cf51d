/* SPDX-License-Identifier: MIT */
/* mviewctl output: errors, JSON with proper string escaping, aligned tables, humane units. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

/* ------------------------------------------------------------- errors */

/* Losing or never having the daemon is exit 3; anything it refused is 1. */
int
ctl_exit_code(int err)
{
	switch (err < 0 ? -err : err) {
	case ECONNRESET:
	case ECONNREFUSED:
	case ETIMEDOUT:
	case EPROTO:
	case EPROTONOSUPPORT:
	case ENOTCONN:
	case EPIPE:
	case EPROTOTYPE:	/* the socket is not mviewd's kind */
		return CTL_EXIT_UNREACHABLE;
	default:
		return CTL_EXIT_FAILED;
	}
}

/* Print an error: cls (a Python exception class) may be NULL. */
void
ctl_print_error(struct ctl *ctl, int err, const char *cls, const char *msg,
    const char *what)
{
	struct json	j;

	if (ctl->json) {
		json_begin(&j, stdout);
		json_object_open(&j, NULL);
		json_object_open(&j, "error");
		json_string(&j, "command", ctl->cmd);
		json_string(&j, "what", what);
		json_i64(&j, "errno", err < 0 ? -err : err);
		if (mview_strerrorname(err) != NULL)
			json_string(&j, "code", mview_strerrorname(err));
		else
			json_null(&j, "code");
		if (cls != NULL)
			json_string(&j, "class", cls);
		json_string(&j, "message", msg);
		json_object_close(&j);
		json_object_close(&j);
		json_end(&j);
		return;
	}
	if (cls != NULL)
		fprintf(stderr, "mviewctl: %s: %s: %s\n", what, cls, msg);
	else
		fprintf(stderr, "mviewctl: %s: %s\n", what, msg);
}

/* Report err for what (printf-style) with the daemon's message when it gave one. */
int
ctl_fail(struct ctl *ctl, int err, const char *fmt, ...)
{
	const char	*msg = mview_client_last_error(ctl->client);
	char		 what[512], text[768];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (msg != NULL && msg[0] != '\0')
		snprintf(text, sizeof(text), "%s (%s)", msg, mview_strerror(err));
	else
		snprintf(text, sizeof(text), "%s", mview_strerror(err));
	ctl_print_error(ctl, err, NULL, text, what);
	return ctl_exit_code(err);
}

static const char *
ctl_errclass_name(enum mview_errclass cls)
{
	switch (cls) {
	case MVIEW_ERR_TYPE:		return "TypeError";
	case MVIEW_ERR_VALUE:		return "ValueError";
	case MVIEW_ERR_INDEX:		return "IndexError";
	case MVIEW_ERR_BUFFER:		return "BufferError";
	case MVIEW_ERR_NOTIMPL:		return "NotImplementedError";
	case MVIEW_ERR_OVERFLOW:	return "OverflowError";
	case MVIEW_ERR_AXIS:		return "AxisError";
	case MVIEW_ERR_MEMORY:		return "MemoryError";
	default:			return NULL;
	}
}

/* Report a local view-algebra failure, with its Python exception class. */
int
ctl_fail_view(struct ctl *ctl, int err, const struct mview_error *e,
    const char *what)
{
	const char	*cls = e != NULL ? ctl_errclass_name(e->errclass) : NULL;

	if (cls == NULL || e->message[0] == '\0')
		return ctl_fail(ctl, err, "%s", what);
	ctl_print_error(ctl, err, cls, e->message, what);
	return CTL_EXIT_FAILED;
}

/* Print the outcome of a command that only changes state. */
int
ctl_done(struct ctl *ctl, const char *verb, const char *name, uint64_t id)
{
	struct json	j;

	if (!ctl->json) {
		if (name != NULL)
			printf("%s %s\n", verb, name);
		else
			printf("%s segment %" PRIu64 "\n", verb, id);
		return CTL_EXIT_OK;
	}
	json_begin(&j, stdout);
	json_object_open(&j, NULL);
	json_string(&j, "done", verb);
	if (name != NULL)
		json_string(&j, "name", name);
	else
		json_u64(&j, "id", id);
	json_object_close(&j);
	json_end(&j);
	return CTL_EXIT_OK;
}

/* --------------------------------------------------------------- JSON */

/* Length of the valid UTF-8 sequence at p, 0 when it is not one. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t		n;
	uint32_t	cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* s as a JSON string: escapes per RFC 8259, invalid UTF-8 as U+FFFD. */
void
json_escape(FILE *f, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	fputc('"', f);
	while (*p != '\0') {
		switch (*p) {
		case '"':	fputs("\\\"", f); break;
		case '\\':	fputs("\\\\", f); break;
		case '\b':	fputs("\\b", f); break;
		case '\f':	fputs("\\f", f); break;
		case '\n':	fputs("\\n", f); break;
		case '\r':	fputs("\\r", f); break;
		case '\t':	fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else if (*p < 0x80)
				fputc(*p, f);
			else if ((n = utf8_len(p)) > 0) {
				fwrite(p, 1, n, f);
				p += n;
				continue;
			} else
				fputs("\\ufffd", f);
		}
		p++;
	}
	fputc('"', f);
}

void
json_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

void
json_end(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}

/* Separator and key before a value at the current depth. */
static void
json_item(struct json *j, const char *key)
{
	if (j->comma[j->depth])
		fputc(',', j->f);
	j->comma[j->depth] = true;
	if (key != NULL) {
		json_escape(j->f, key);
		fputc(':', j->f);
	}
}

static void
json_open(struct json *j, const char *key, char c)
{
	json_item(j, key);
	fputc(c, j->f);
	if (j->depth < (int)(sizeof(j->comma) / sizeof(j->comma[0])) - 1)
		j->depth++;
	j->comma[j->depth] = false;
}

static void
json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_object_open(struct json *j, const char *key) { json_open(j, key, '{'); }
void json_object_close(struct json *j) { json_close(j, '}'); }
void json_array_open(struct json *j, const char *key) { json_open(j, key, '['); }
void json_array_close(struct json *j) { json_close(j, ']'); }

void
json_string(struct json *j, const char *key, const char *value)
{
	json_item(j, key);
	if (value == NULL)
		fputs("null", j->f);
	else
		json_escape(j->f, value);
}

void
json_u64(struct json *j, const char *key, uint64_t value)
{
	json_item(j, key);
	fprintf(j->f, "%" PRIu64, value);
}

void
json_i64(struct json *j, const char *key, int64_t value)
{
	json_item(j, key);
	fprintf(j->f, "%" PRId64, value);
}

void
json_bool(struct json *j, const char *key, bool value)
{
	json_item(j, key);
	fputs(value ? "true" : "false", j->f);
}

void
json_null(struct json *j, const char *key)
{
	json_item(j, key);
	fputs("null", j->f);
}

/* text must already be valid JSON. */
void
json_raw(struct json *j, const char *key, const char *text)
{
	json_item(j, key);
	fputs(text, j->f);
}

void
json_i64_array(struct json *j, const char *key, const int64_t *v, int n)
{
	json_array_open(j, key);
	for (int i = 0; i < n; i++)
		json_i64(j, NULL, v[i]);
	json_array_close(j);
}

/* Who may use a segment or a stream: owner, group, mode ("0640"), lifetime. */
void
json_access(struct json *j, uint32_t uid, uint32_t gid, uint32_t mode,
    enum mview_lifetime lifetime)
{
	char	text[8];

	snprintf(text, sizeof(text), "%04o", (unsigned)mode);
	json_u64(j, "uid", uid);
	json_u64(j, "gid", gid);
	json_string(j, "mode", text);
	json_string(j, "lifetime", fmt_lifetime(lifetime));
}

/* -------------------------------------------------------------- tables */

int
table_init(struct table *t, size_t ncols, unsigned right,
    const char *const *headers)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->right = right;
	return table_add(t, headers);
}

int
table_add(struct table *t, const char *const *row)
{
	char	**cells;
	size_t	  cap;

	if ((t->nrows + 1) * t->ncols > t->cap) {
		cap = t->cap ? t->cap * 2 : t->ncols * 16;
		if ((cells = realloc(t->cells, sizeof(*cells) * cap)) == NULL)
			return -ENOMEM;
		t->cells = cells;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		cells = &t->cells[t->nrows * t->ncols + i];
		if ((*cells = strdup(row[i] != NULL ? row[i] : "")) == NULL) {
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

void
table_print(const struct table *t, FILE *f)
{
	size_t	width[32] = { 0 };
	size_t	ncols = t->ncols < 32 ? t->ncols : 32;

	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			size_t	len = strlen(t->cells[r * t->ncols + c]);

			if (len > width[c])
				width[c] = len;
		}
	}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char	*cell = t->cells[r * t->ncols + c];
			bool		 last = c + 1 == ncols;

			if (t->right & (1u << c))
				fprintf(f, "%*s", (int)width[c], cell);
			else
				fprintf(f, "%-*s", last ? 0 : (int)width[c], cell);
			fputs(last ? "\n" : "  ", f);
		}
	}
}

void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------- formats */

const char *
fmt_s(uint64_t n)
{
	return n == 1 ? "" : "s";
}

const char *
fmt_size(uint64_t n, char *buf, size_t len)
{
	return mview_size_format(n, buf, len);
}

const char *
fmt_time(int64_t ns, char *buf, size_t len)
{
	time_t		t = (time_t)(ns / 1000000000);
	struct tm	tm;

	if (ns <= 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}

const char *
fmt_duration(int64_t ns, char *buf, size_t len)
{
	int64_t	s = ns / 1000000000;

	if (s >= 86400)
		snprintf(buf, len, "%" PRId64 "d %" PRId64 "h", s / 86400,
		    s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRId64 "h %" PRId64 "m", s / 3600,
		    s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRId64 "m %" PRId64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRId64 "s", s < 0 ? 0 : s);
	return buf;
}

/* Python's tuple repr: "()", "(5,)", "(3, 4)". */
const char *
fmt_tuple(const int64_t *v, int n, char *buf, size_t len)
{
	size_t	off = 0;

	snprintf(buf, len, "(");
	for (int i = 0; i < n && (off = strlen(buf)) + 1 < len; i++)
		snprintf(buf + off, len - off, "%s%" PRId64, i ? ", " : "", v[i]);
	off = strlen(buf);
	snprintf(buf + off, len - off, n == 1 ? ",)" : ")");
	return buf;
}

const char *
fmt_user(uint32_t uid, char *buf, size_t len)
{
	struct passwd	pw, *res = NULL;
	char		tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
		snprintf(buf, len, "%s", res->pw_name);
	else
		snprintf(buf, len, "%" PRIu32, uid);
	return buf;
}

const char *
fmt_lifetime(enum mview_lifetime l)
{
	return l == MVIEW_LIFETIME_SESSION ? "session" : "persistent";
}

int
parse_i64_list(const char *s, int64_t *v, int max, int *ret_n)
{
	int	n = 0;
	char	*end;

	if (*s == '\0') {
		*ret_n = 0;
		return 0;
	}
	for (;;) {
		long long	x;

		if (n >= max)
			return -E2BIG;
		errno = 0;
		x = strtoll(s, &end, 10);
		if (end == s || errno != 0)
			return -EINVAL;
		v[n++] = x;
		while (*end == ' ')
			end++;
		if (*end == '\0')
			break;
		if (*end != ',')
			return -EINVAL;
		s = end + 1;
	}
	*ret_n = n;
	return 0;
}
