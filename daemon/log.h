/* SPDX-License-Identifier: MIT */
/* The daemon's logging: levels, stderr (journald-aware), fatal. */
#ifndef MVIEWD_LOG_H
#define MVIEWD_LOG_H

#include <stdarg.h>
#include <syslog.h>

#define LOG_PRINTF(a, b)	__attribute__((format(printf, a, b)))

/* Messages at or below level (LOG_ERR .. LOG_DEBUG) are written. */
void	log_init(int level);
void	log_set_level(int level);
int	log_get_level(void);

/* "debug", "info", "notice", "warning", "error" (or a number 3..7). */
int	log_parse_level(const char *s, int *ret_level);
const char *log_level_name(int level);

/* log_warn appends ": strerror(errno)"; the others print as given. */
void	log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_errorx(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Only before the daemon serves, or on a broken invariant: log and exit(1). */
__attribute__((noreturn)) void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

void	log_vmsg(int level, int err, const char *fmt, va_list ap)
	    LOG_PRINTF(3, 0);

#endif /* MVIEWD_LOG_H */
