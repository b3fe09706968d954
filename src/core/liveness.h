/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Is the server at the other end of a tunnel alive? A pure function of what
 * fexynd observes (the clock, the tunnel's counters, probes sent and the
 * answers that came back), so that it can be tested with sequences of
 * observations and no network.
 *
 * An idle tunnel is probed once a second when nothing came back for a
 * second, as before. Traffic going out with nothing coming back for a short
 * window, or a probe unanswered for a few round-trip times, makes the server
 * a suspect: probes then go every FX_LIVE_FAST_MS, and a round of them all
 * unanswered declares it dead. The round grows with the loss the answers
 * show, so that a lossy path (or a full queue, which drops probes too) is
 * not taken for a dead one.
 */
#include <stdbool.h>
#include <stdint.h>

#define FX_LIVE_SILENCE_MS 150     /* traffic out and nothing back this long: suspect */
#define FX_LIVE_FAST_MS 20         /* between probes while suspect */
#define FX_LIVE_IDLE_MS 1000       /* an idle tunnel's probe, when nothing came back */
#define FX_LIVE_TIMEOUT_MIN_MS 100 /* the wait for a probe's answer, at least */
#define FX_LIVE_ROUND 20           /* unanswered probes that make a clean path dead */
#define FX_LIVE_ROUND_MAX 32
#define FX_LIVE_LOSS_MIN 8         /* outcomes before the measured loss is trusted */
#define FX_LIVE_DAMP_MS 60000      /* after a switch, a death is judged more strictly */
/* What a probe adds to the transmit counter at most (80 bytes for IPv4,
 * 96 for IPv6), and what WireGuard sends of its own accord in one look (a
 * keepalive, a handshake initiation): neither is the user's traffic. */
#define FX_LIVE_PROBE_BYTES 128
#define FX_LIVE_CHATTER_BYTES 160
#define FX_LIVE_RING 64

struct fx_live {
	uint64_t rx, tx;             /* the counters last seen */
	uint64_t life_ms;            /* the last sign of life: received bytes or an answer */
	uint64_t traffic_ms;         /* the user's traffic last went out (0: never) */
	unsigned probes_uncounted;   /* probes sent since the counters were last seen */
	uint64_t probe_ms;           /* the last probe went out (0: none yet) */
	unsigned silent;             /* probes sent since the last sign of life */
	uint64_t first_silent_ms;    /* the first of them */
	uint16_t next_seq, answered; /* probes answered are at most `answered` */
	uint64_t sent_ms[FX_LIVE_RING];
	uint64_t srtt_us, rttvar_us; /* smoothed round trip (0: not measured yet) */
	double loss_slow, loss_fast; /* probes lost: moving averages (liveness.c) */
	unsigned outcomes;           /* probes known answered or lost */
	uint64_t damp_until_ms;
};

enum fx_live_action { FX_LIVE_WAIT, FX_LIVE_PROBE, FX_LIVE_DEAD };

/* A tunnel that just made its handshake, with its counters now. */
void fx_live_init(struct fx_live *l, uint64_t now, uint64_t rx, uint64_t tx);
/* Until `until`, a death is judged with a round twice as long: a path that
 * just made fexyn switch does not make it switch back on a whim. */
void fx_live_damp(struct fx_live *l, uint64_t until);
void fx_live_counters(struct fx_live *l, uint64_t now, uint64_t rx, uint64_t tx);
/* A probe goes out now; returns the sequence number it must carry. */
uint16_t fx_live_probe_sent(struct fx_live *l, uint64_t now);
/* The answer to probe `seq` came back. Answers come in order: the probes
 * sent before it and still unanswered were lost. Stale or unknown ones are
 * ignored. */
void fx_live_answer(struct fx_live *l, uint64_t now, uint16_t seq);

enum fx_live_action fx_live_next(const struct fx_live *l, uint64_t now);
/* How often to look at the counters now, in milliseconds. */
long fx_live_tick_ms(const struct fx_live *l, uint64_t now);
/* The unanswered probes that declare this server dead now. */
unsigned fx_live_round(const struct fx_live *l, uint64_t now);
/* The share of probes lost, as the round is sized for. */
double fx_live_loss(const struct fx_live *l);
bool fx_live_suspect(const struct fx_live *l, uint64_t now);
