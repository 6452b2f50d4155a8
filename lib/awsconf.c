/* See LICENSE file for copyright and license details. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsconf.h"
#include "util.h"

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* parent NULL: a key of the section; else a key nested under parent. */
static char *
lookup(const char *path, const char *section, const char *parent,
    const char *key)
{
	FILE *fp;
	char *line = NULL, *s, *eq, *val = NULL;
	size_t cap = 0;
	int in = 0, nested, inparent = 0;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return NULL;
	while (val == NULL && getline(&line, &cap, fp) != -1) {
		nested = line[0] == ' ' || line[0] == '\t';
		if (nested && (parent == NULL || !inparent))
			continue;	/* a nested block: not ours */
		if (!nested && parent != NULL && in && inparent &&
		    *trim(line) != '\0' && *trim(line) != '#' &&
		    *trim(line) != ';')
			inparent = 0;	/* the block ended */
		s = trim(line);
		if (*s == '#' || *s == ';' || *s == '\0')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');

			if (e != NULL)
				*e = '\0';
			in = strcmp(trim(s + 1), section) == 0;
			continue;
		}
		if (!in || (eq = strchr(s, '=')) == NULL)
			continue;
		*eq = '\0';
		if (parent != NULL && !nested) {
			inparent = strcmp(trim(s), parent) == 0 &&
			    *trim(eq + 1) == '\0';
			continue;
		}
		if (strcmp(trim(s), key) == 0 && *trim(eq + 1) != '\0')
			val = xstrdup(trim(eq + 1));
	}
	free(line);
	fclose(fp);
	if (val == NULL)
		errno = ENOENT;
	return val;
}

char *
awsconf_get(const char *path, const char *section, const char *key)
{
	return lookup(path, section, NULL, key);
}

char *
awsconf_get_nested(const char *path, const char *section, const char *parent,
    const char *key)
{
	return lookup(path, section, parent, key);
}
