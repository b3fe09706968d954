/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "liveness.h"

#include <math.h>
#include <string.h>

/* Before any answer has been timed, a probe is given this long. */
#define TIMEOUT_UNMEASURED_MS 1000
/* A live server loses a whole round less often than this. */
#define FALSE_DEATH_ODDS 1e-7
/* Until FX_LIVE_LOSS_MIN outcomes are in, the path is assumed this lossy. */
#define LOSS_PRIOR 0.2
#define TICK_SUSPECT_MS 10
#define TICK_TRAFFIC_MS 50
#define TICK_IDLE_MS 250

void fx_live_init(struct fx_live *l, uint64_t now, uint64_t rx, uint64_t tx)
{
	memset(l, 0, sizeof(*l));
	l->rx = rx;
	l->tx = tx;
	l->life_ms = now;
	l->answered = (uint16_t)(l->next_seq - 1);
}

void fx_live_damp(struct fx_live *l, uint64_t until)
{
	l->damp_until_ms = until;
}

static void alive(struct fx_live *l, uint64_t now)
{
	l->life_ms = now;
	l->silent = 0;
}

void fx_live_counters(struct fx_live *l, uint64_t now, uint64_t rx, uint64_t tx)
{
	uint64_t ours = (uint64_t)l->probes_uncounted * FX_LIVE_PROBE_BYTES + FX_LIVE_CHATTER_BYTES;

	if (rx > l->rx)
		alive(l, now);
	if (tx > l->tx && tx - l->tx > ours)
		l->traffic_ms = now;
	l->rx = rx;
	l->tx = tx;
	l->probes_uncounted = 0;
}

uint16_t fx_live_probe_sent(struct fx_live *l, uint64_t now)
{
	uint16_t seq = l->next_seq++;

	if (l->silent++ == 0)
		l->first_silent_ms = now;
	l->probe_ms = now;
	l->probes_uncounted++;
	l->sent_ms[seq % FX_LIVE_RING] = now;
	return seq;
}

/* Two moving averages: one over about 64 outcomes, one over about 8. The
 * loss used is the larger: it rises within a few answers when a queue
 * fills, and falls only when a long run of them shows the path clean. */
static void count_outcome(struct fx_live *l, bool lost)
{
	double x = lost ? 1.0 : 0.0;
	unsigned n = l->outcomes < 64 ? l->outcomes + 1 : 64;

	l->loss_slow += (x - l->loss_slow) / n;
	l->loss_fast += (x - l->loss_fast) / (n < 8 ? n : 8);
	l->outcomes++;
}

double fx_live_loss(const struct fx_live *l)
{
	double loss = l->loss_fast > l->loss_slow ? l->loss_fast : l->loss_slow;

	if (l->outcomes < FX_LIVE_LOSS_MIN && loss < LOSS_PRIOR)
		return LOSS_PRIOR;
	return loss;
}

/* RFC 6298's smoothing, in microseconds. */
static void time_answer(struct fx_live *l, uint64_t rtt_ms)
{
	uint64_t rtt = rtt_ms * 1000;

	if (l->srtt_us == 0) {
		l->srtt_us = rtt ? rtt : 1;
		l->rttvar_us = rtt / 2;
		return;
	}
	uint64_t diff = rtt > l->srtt_us ? rtt - l->srtt_us : l->srtt_us - rtt;

	l->rttvar_us = (3 * l->rttvar_us + diff) / 4;
	l->srtt_us = (7 * l->srtt_us + rtt) / 8;
	if (l->srtt_us == 0)
		l->srtt_us = 1;
}

void fx_live_answer(struct fx_live *l, uint64_t now, uint16_t seq)
{
	uint16_t ahead = (uint16_t)(seq - l->answered);
	uint16_t outstanding = (uint16_t)(l->next_seq - l->answered - 1);

	if (ahead == 0 || ahead > outstanding)
		return; /* answered already, or never sent */
	for (uint16_t lost = 1; lost < ahead; lost++)
		count_outcome(l, true);
	count_outcome(l, false);
	if ((uint16_t)(l->next_seq - seq) <= FX_LIVE_RING && now >= l->sent_ms[seq % FX_LIVE_RING])
		time_answer(l, now - l->sent_ms[seq % FX_LIVE_RING]);
	l->answered = seq;
	alive(l, now);
}

static uint64_t timeout_ms(const struct fx_live *l)
{
	uint64_t t;

	if (l->srtt_us == 0)
		return TIMEOUT_UNMEASURED_MS;
	t = (l->srtt_us + 4 * l->rttvar_us + 999) / 1000;
	return t > FX_LIVE_TIMEOUT_MIN_MS ? t : FX_LIVE_TIMEOUT_MIN_MS;
}

unsigned fx_live_round(const struct fx_live *l, uint64_t now)
{
	unsigned n = FX_LIVE_ROUND;
	double loss = fx_live_loss(l);

	if (loss >= 1.0) {
		n = FX_LIVE_ROUND_MAX;
	} else if (loss > 0) {
		double need = ceil(log(FALSE_DEATH_ODDS) / log(loss));

		if (need > FX_LIVE_ROUND_MAX)
			n = FX_LIVE_ROUND_MAX;
		else if (need > n)
			n = (unsigned)need;
	}
	return now < l->damp_until_ms ? 2 * n : n;
}

bool fx_live_suspect(const struct fx_live *l, uint64_t now)
{
	uint64_t wait = timeout_ms(l);

	if (l->silent && now - l->first_silent_ms >= wait)
		return true; /* a probe went unanswered */
	if (wait < FX_LIVE_SILENCE_MS)
		wait = FX_LIVE_SILENCE_MS;
	return l->traffic_ms > l->life_ms && now - l->life_ms >= wait;
}

static bool traffic_flows(const struct fx_live *l, uint64_t now)
{
	return l->traffic_ms && now - l->traffic_ms < FX_LIVE_IDLE_MS;
}

enum fx_live_action fx_live_next(const struct fx_live *l, uint64_t now)
{
	uint64_t since_probe = l->probe_ms ? now - l->probe_ms : UINT64_MAX;

	/* A whole round out: no more probes, only the wait for the last. */
	if (l->silent >= fx_live_round(l, now))
		return since_probe >= timeout_ms(l) ? FX_LIVE_DEAD : FX_LIVE_WAIT;
	if (fx_live_suspect(l, now))
		return since_probe >= FX_LIVE_FAST_MS ? FX_LIVE_PROBE : FX_LIVE_WAIT;
	/* Idle: a probe when nothing came back for a second. Under traffic,
	 * one a second keeps the round trip and the loss measured. */
	if (since_probe >= FX_LIVE_IDLE_MS &&
	    (now - l->life_ms >= FX_LIVE_IDLE_MS || traffic_flows(l, now)))
		return FX_LIVE_PROBE;
	return FX_LIVE_WAIT;
}

long fx_live_tick_ms(const struct fx_live *l, uint64_t now)
{
	if (l->silent || fx_live_suspect(l, now))
		return TICK_SUSPECT_MS;
	if (traffic_flows(l, now))
		return TICK_TRAFFIC_MS;
	return TICK_IDLE_MS;
}
