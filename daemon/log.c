/* SPDX-License-Identifier: MIT */
/* The daemon's logging: levels to stderr, or to the journal with structured fields. */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

#include "log.h"

#define LOG_NFIELDS	9

static int	log_level = LOG_INFO;
static int	log_journal;	/* stderr is a journald stream */
static log_journal_sink *log_sink;	/* how fields reach the journal */

/* Who and what the messages of the moment are about. */
static struct {
	uint64_t	 session;	/* 0: none */
	long		 pid;
	unsigned	 uid;
	uint64_t	 segment;	/* 0: none */
	char		 name[256];	/* "": none */
} log_ctx;

static const char *const log_names[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* True when $JOURNAL_STREAM names the device:inode stderr is connected to. */
static int
log_stderr_is_journal(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

#ifdef HAVE_LIBSYSTEMD
static int
log_sd_journal_sink(const struct iovec *iov, int n)
{
	return sd_journal_sendv(iov, n);
}
#endif

void
log_init(int level)
{
	log_level = level;
	log_journal = log_stderr_is_journal();
#ifdef HAVE_LIBSYSTEMD
	if (log_sink == NULL)
		log_sink = log_sd_journal_sink;
#endif
}

void
log_set_journal_sink(log_journal_sink *sink)
{
	log_sink = sink;
	log_journal = sink != NULL;
}

bool
log_to_journal(void)
{
	return log_journal && log_sink != NULL;
}

void
log_context_session(uint64_t id, long pid, unsigned uid)
{
	log_ctx.session = id;
	log_ctx.pid = pid;
	log_ctx.uid = uid;
}

void
log_context_segment(uint64_t id, const char *name)
{
	log_ctx.segment = id;
	snprintf(log_ctx.name, sizeof(log_ctx.name), "%s",
	    name != NULL ? name : "");
}

void
log_context_clear(void)
{
	log_ctx.session = log_ctx.segment = 0;
	log_ctx.name[0] = '\0';
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

const char *
log_level_name(int level)
{
	if (level < LOG_ERR)
		level = LOG_ERR;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	return log_names[level];
}

int
log_parse_level(const char *s, int *ret_level)
{
	char	*end;
	long	 v;

	for (int l = LOG_ERR; l <= LOG_DEBUG; l++) {
		if (strcasecmp(s, log_names[l]) == 0) {
			*ret_level = l;
			return 0;
		}
	}
	if (strcasecmp(s, "warn") == 0 || strcasecmp(s, "err") == 0) {
		*ret_level = s[0] == 'w' || s[0] == 'W' ? LOG_WARNING : LOG_ERR;
		return 0;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < LOG_ERR || v > LOG_DEBUG)
		return -EINVAL;
	*ret_level = (int)v;
	return 0;
}

/* One "NAME=value" field into iov[*n], formatted into its own slot of buf. */
static void
log_field(struct iovec *iov, int *n, char (*buf)[320], const char *fmt, ...)
{
	va_list	ap;
	int	len;

	va_start(ap, fmt);
	len = vsnprintf(buf[*n], sizeof(buf[*n]), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(buf[*n]))
		len = sizeof(buf[*n]) - 1;
	iov[*n].iov_base = buf[*n];
	iov[*n].iov_len = (size_t)len;
	(*n)++;
}

/* The message and what the context knows, as journal fields. */
static int
log_send_journal(int level, int err, const char *text)
{
	struct iovec	iov[LOG_NFIELDS];
	char		fields[LOG_NFIELDS][320];
	char		message[1400];
	int		n = 0;

	snprintf(message, sizeof(message), "MESSAGE=%s%s%s", text,
	    err ? ": " : "", err ? strerror(err) : "");
	iov[n].iov_base = message;
	iov[n++].iov_len = strlen(message);
	log_field(iov, &n, fields, "PRIORITY=%d", level);
	log_field(iov, &n, fields, "SYSLOG_IDENTIFIER=mviewd");
	if (err)
		log_field(iov, &n, fields, "ERRNO=%d", err);
	if (log_ctx.session != 0) {
		log_field(iov, &n, fields, "SESSION=%llu",
		    (unsigned long long)log_ctx.session);
		log_field(iov, &n, fields, "PEER_PID=%ld", log_ctx.pid);
		log_field(iov, &n, fields, "PEER_UID=%u", log_ctx.uid);
	}
	if (log_ctx.segment != 0)
		log_field(iov, &n, fields, "SEGMENT_ID=%llu",
		    (unsigned long long)log_ctx.segment);
	if (log_ctx.name[0] != '\0')
		log_field(iov, &n, fields, "SEGMENT_NAME=%s", log_ctx.name);
	return log_sink(iov, n);
}

void
log_vmsg(int level, int err, const char *fmt, va_list ap)
{
	char	buf[1024];
	int	saved = errno;

	if (level > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_to_journal() && log_send_journal(level, err, buf) >= 0)
		;	/* sent */
	else if (log_journal)
		fprintf(stderr, "<%d>%s%s%s\n", level, buf, err ? ": " : "",
		    err ? strerror(err) : "");
	else
		fprintf(stderr, "mviewd: %s: %s%s%s\n", log_level_name(level),
		    buf, err ? ": " : "", err ? strerror(err) : "");
	errno = saved;
}

#define LOG_BODY(level, err) do {			\
	va_list	ap;					\
							\
	va_start(ap, fmt);				\
	log_vmsg((level), (err), fmt, ap);		\
	va_end(ap);					\
} while (0)

void
log_warn(const char *fmt, ...)
{
	int	err = errno;

	LOG_BODY(LOG_WARNING, err);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

void
log_errorx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, 0);
}

void
log_notice(const char *fmt, ...)
{
	LOG_BODY(LOG_NOTICE, 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_DEBUG, 0);
}

void
fatal(const char *fmt, ...)
{
	int	err = errno;

	LOG_BODY(LOG_ERR, err);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, 0);
	exit(1);
}
