/* SPDX-License-Identifier: MIT */
/* mviewd's config file: "key = value" lines named like the long options, re-read on SIGHUP. */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errmsg.h"
#include "log.h"

#define CONFIG_FILE_MAX	(1u << 20)	/* bytes */
#define CONFIG_LINE_MAX	4096
#define CONFIG_DROPINS_MAX	256	/* files in FILE.d/ */

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	limits_init(&c->limits);
	c->log_level = LOG_INFO;
	c->session_grace = 30;
}

int
config_parse_grace(const char *s, unsigned *ret)
{
	char		*end;
	unsigned long	 v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > CONFIG_GRACE_MAX)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* Cut comments and blanks off both ends; "" for nothing left. */
static char *
config_trim(char *s)
{
	char	*end, *hash = strchr(s, '#');

	if (hash != NULL)
		*hash = '\0';
	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* key = value, both trimmed. */
static int
config_line(struct config *c, const char *key, const char *value,
    struct errmsg *e)
{
	const struct limit_desc	*d;

	if (strcmp(key, "log-level") == 0) {
		if (log_parse_level(value, &c->log_level) < 0)
			return errmsg_set(e, -EINVAL, "log-level: '%s' is not a "
			    "level", value);
		c->has_log_level = true;
		return 0;
	}
	if (strcmp(key, "session-grace") == 0) {
		if (config_parse_grace(value, &c->session_grace) < 0)
			return errmsg_set(e, -EINVAL, "session-grace: '%s' is not "
			    "a number of seconds up to %u", value,
			    CONFIG_GRACE_MAX);
		c->has_session_grace = true;
		return 0;
	}
	if (strcmp(key, "reserve") == 0)
		return access_reserve_parse(&c->reserve, value, e);
	if ((d = limits_find(key)) == NULL)
		return errmsg_set(e, -EINVAL, "unknown setting '%s'", key);
	for (size_t i = 0; i < limits_count(); i++)
		if (limits_desc(i) == d)
			c->limits_set |= UINT64_C(1) << i;
	return limits_set(&c->limits, d, value, e);
}

/* Parse text into c on top of what it holds. */
static int
config_parse_more(const char *text, const char *what, struct config *c,
    struct errmsg *e)
{
	char		 buf[CONFIG_LINE_MAX], *line, *eq;
	const char	*p = text;
	unsigned	 lineno = 0;
	int		 r;

	while (*p != '\0') {
		size_t len = strcspn(p, "\n");

		lineno++;
		if (len >= sizeof(buf))
			return errmsg_set(e, -EINVAL, "%s:%u: line too long",
			    what, lineno);
		memcpy(buf, p, len);
		buf[len] = '\0';
		p += len + (p[len] == '\n');
		line = config_trim(buf);
		if (*line == '\0')
			continue;
		if ((eq = strchr(line, '=')) == NULL)
			return errmsg_set(e, -EINVAL, "%s:%u: expected "
			    "'key = value'", what, lineno);
		*eq = '\0';
		if ((r = config_line(c, config_trim(line), config_trim(eq + 1),
		    e)) < 0) {
			struct errmsg	inner = *e;

			return errmsg_set(e, r, "%s:%u: %s", what, lineno,
			    inner.text);
		}
	}
	return 0;
}

int
config_parse(const char *text, const char *what, struct config *c,
    struct errmsg *e)
{
	config_init(c);
	return config_parse_more(text, what, c, e);
}

/* Read path and parse it into c on top of what it holds. */
static int
config_load_more(const char *path, struct config *c, struct errmsg *e)
{
	FILE	*f;
	char	*text;
	size_t	 n;
	int	 r;

	if ((f = fopen(path, "re")) == NULL)
		return errmsg_set(e, -errno, "%s: %s", path, strerror(errno));
	if ((text = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		fclose(f);
		return errmsg_set(e, -ENOMEM, "out of memory");
	}
	n = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r == 0 && n > CONFIG_FILE_MAX)
		r = errmsg_set(e, -EFBIG, "%s: larger than %u bytes", path,
		    CONFIG_FILE_MAX);
	else if (r < 0)
		errmsg_set(e, r, "%s: read error", path);
	else if (memchr(text, '\0', n) != NULL)
		r = errmsg_set(e, -EINVAL, "%s: not a text file", path);
	if (r == 0) {
		text[n] = '\0';
		r = config_parse_more(text, path, c, e);
	}
	free(text);
	return r;
}

int
config_load(const char *path, struct config *c, struct errmsg *e)
{
	config_init(c);
	return config_load_more(path, c, e);
}

/* Drop-ins: regular-looking names ending in ".conf", no hidden files. */
static int
config_dropin_filter(const struct dirent *d)
{
	size_t	len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 5 &&
	    strcmp(d->d_name + len - 5, ".conf") == 0;
}

/* Byte order, whatever the locale says. */
static int
config_dropin_compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* FILE.d/NAME.conf for each drop-in, in name order, onto c. */
static int
config_load_dropins(const char *path, struct config *c,
    config_read_cb read_cb, void *arg, struct errmsg *e)
{
	struct dirent	**names = NULL;
	char		 *dir = NULL, *file;
	int		  n, r = 0;

	if (asprintf(&dir, "%s.d", path) < 0)
		return errmsg_set(e, -ENOMEM, "out of memory");
	if ((n = scandir(dir, &names, config_dropin_filter,
	    config_dropin_compare)) < 0) {
		r = errno == ENOENT ? 0 : errmsg_set(e, -errno, "%s: %s", dir,
		    strerror(errno));
		free(dir);
		return r;
	}
	if (n > CONFIG_DROPINS_MAX)
		r = errmsg_set(e, -E2BIG, "%s: more than %d drop-ins", dir,
		    CONFIG_DROPINS_MAX);
	for (int i = 0; i < n; i++) {
		if (r == 0 && asprintf(&file, "%s/%s", dir,
		    names[i]->d_name) < 0)
			r = errmsg_set(e, -ENOMEM, "out of memory");
		else if (r == 0) {
			if ((r = config_load_more(file, c, e)) == 0 &&
			    read_cb != NULL)
				read_cb(file, arg);
			free(file);
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	return r;
}

int
config_load_all(const char *path, struct config *c, config_read_cb read_cb,
    void *arg, struct errmsg *e)
{
	struct stat	st;
	int		r;

	config_init(c);
	if (stat(path, &st) < 0 && errno == ENOENT) {
		if (read_cb != NULL)
			read_cb(NULL, arg);
	} else if ((r = config_load_more(path, c, e)) < 0)
		return r;
	else if (read_cb != NULL)
		read_cb(path, arg);
	return config_load_dropins(path, c, read_cb, arg, e);
}
