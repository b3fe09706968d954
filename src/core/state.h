/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The persisted state: what is guarded, so a restarted daemon re-installs
 * the same policy over the orphaned table without removing it first. The
 * file exists exactly while something is guarded; written atomically
 * (temporary file, fsync, rename), so a crash leaves the old or the new.
 */
#include <sys/types.h>

#include "guard.h"

#define FX_STATE_FILE "state"
#define FX_STATE_MAX_SIZE (64 * 1024)

/* Parses the file's text; errors name the line: "line 3: endpoint: missing port". */
int fx_state_parse_text(const char *text, size_t len, struct fx_guard *g, struct fx_err *err);
int fx_state_format(const struct fx_guard *g, char *buf, size_t len);

/* Returns 1 when a state was loaded, 0 when there is no file, or a negative errno. */
int fx_state_load(const char *dir, struct fx_guard *g, struct fx_err *err);
int fx_state_save(const char *dir, const struct fx_guard *g);
int fx_state_remove(const char *dir);

/* The atomic file primitives, shared with the connect state. */
int fx_file_read(const char *path, char *buf, size_t cap, size_t *len); /* -EFBIG when full */
int fx_file_save(const char *dir, const char *name, const char *text);
/* Writes text to a temporary file beside path, syncs it and renames it
 * over path: readers see the old text or the new, never half. The mode is
 * set exactly, whatever the umask. */
int fx_file_replace(const char *path, const char *text, mode_t mode);

/* A file's mode and owner, to put a replaced file back as it was. */
struct fx_file_meta {
	mode_t mode; /* permission bits only */
	uid_t uid;
	gid_t gid;
};

/* fx_file_replace with an owner too (root may give files away). */
int fx_file_replace_as(const char *path, const char *text, const struct fx_file_meta *meta);
int fx_file_remove(const char *dir, const char *name);
/* Renames a damaged file to NAME.corrupt-TIME: kept as evidence, out of the way. */
int fx_file_set_aside(const char *dir, const char *name);

/*
 * Walks a versioned key=value file: blank and '#' lines skipped, a
 * "version=V" line required, every other line handed to fn, whose errors
 * get a "line N: " prefix. what names the file kind in messages.
 */
typedef int (*fx_kv_fn)(const char *key, const char *value, void *ctx, struct fx_err *err);
int fx_kv_parse(const char *text, size_t len, const char *version, const char *what, fx_kv_fn fn,
		void *ctx, struct fx_err *err);
