/* SPDX-License-Identifier: MIT */
/* The daemon's logging: levels, stderr (journald-aware), fatal. */
#ifndef MVIEWD_LOG_H
#define MVIEWD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

struct iovec;

#define LOG_PRINTF(a, b)	__attribute__((format(printf, a, b)))

/*
 * Messages at or below level (LOG_ERR .. LOG_DEBUG) are written: to the
 * journal with structured fields when stderr is the journal's stream
 * ($JOURNAL_STREAM names it) and mviewd has libsystemd, else to stderr
 * ("<N>" priority prefixes when that is the journal's stream).
 */
void	log_init(int level);
void	log_set_level(int level);
int	log_get_level(void);

/*
 * Where journal fields go: sd_journal_sendv() unless set here (tests
 * capture what would be sent). Setting a sink sends every message to it;
 * NULL goes back to stderr. Returns 0 or -errno like sd_journal_sendv();
 * a failure falls back to stderr for that message.
 */
typedef int log_journal_sink(const struct iovec *iov, int n);
void	log_set_journal_sink(log_journal_sink *sink);
bool	log_to_journal(void);

/*
 * What the following messages are about, sent as journal fields (SESSION,
 * PEER_PID, PEER_UID; SEGMENT_ID, SEGMENT_NAME) until cleared, so that
 * "journalctl -u mviewd SESSION=12" finds one client's story. Messages
 * with an errno carry ERRNO too.
 */
void	log_context_session(uint64_t id, long pid, unsigned uid);
void	log_context_segment(uint64_t id, const char *name);
void	log_context_clear(void);

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
