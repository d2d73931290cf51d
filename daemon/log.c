/* SPDX-License-Identifier: MIT */
/* The daemon's logging: levels to stderr, with journald priority prefixes. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

static int	log_level = LOG_INFO;
static int	log_journal;	/* stderr is a journald stream: "<N>" prefixes */

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

void
log_init(int level)
{
	log_level = level;
	log_journal = log_stderr_is_journal();
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

void
log_vmsg(int level, int err, const char *fmt, va_list ap)
{
	char	buf[1024];
	int	saved = errno;

	if (level > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_journal)
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
