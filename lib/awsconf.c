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

char *
awsconf_get(const char *path, const char *section, const char *key)
{
	FILE *fp;
	char *line = NULL, *s, *eq, *val = NULL;
	size_t cap = 0;
	int in = 0;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return NULL;
	while (val == NULL && getline(&line, &cap, fp) != -1) {
		if (line[0] == ' ' || line[0] == '\t')
			continue;	/* nested block: not ours */
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
		if (strcmp(trim(s), key) == 0 && *trim(eq + 1) != '\0')
			val = xstrdup(trim(eq + 1));
	}
	free(line);
	fclose(fp);
	if (val == NULL)
		errno = ENOENT;
	return val;
}
