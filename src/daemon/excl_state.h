/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The exclusions fexynd holds (split tunnelling), as its context keeps
 * them; what changes them is in exclusions.h. */
#include <stdbool.h>
#include <stdint.h>

#include "cgroup_fs.h"
#include "err.h"
#include "policy.h"

struct fx_exclusion {
	char group[FX_CGROUP_GROUP_MAX];
	uint64_t id;
	char origin[256]; /* the cgroup its first process was in */
};

struct fx_excl {
	bool available;
	char unavailable[sizeof(((struct fx_err *)0)->msg)]; /* why not, when not */
	struct fx_cgroup_dir dir;
	size_t n;
	struct fx_exclusion e[FX_MAX_EXCLUDED];
	uint64_t ids[FX_MAX_EXCLUDED]; /* e[i].id, as the policy takes them */
};
