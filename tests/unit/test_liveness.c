/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The liveness detector against simulated paths: a millisecond clock, a
 * server that may die, random loss on the way there and back, a flow of
 * the user's traffic, and fexynd's loop (look at the counters every tick,
 * probe when told, answers handled as they arrive). Paths are seeded, so a
 * failure repeats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "liveness.h"

#define NEVER UINT64_MAX
#define START_MS 1000
#define PENDING 4096

struct path {
	uint64_t rng;
	double loss;          /* of each probe or packet's round trip */
	uint64_t loss_from;   /* the loss starts then */
	unsigned rtt_ms;
	uint64_t dies_at;     /* the server stops answering anything */
	bool flow;            /* the user sends 1 MB/s into the tunnel */
	bool flow_answered;   /* and the server sends back as much */
	uint64_t damp_until;
};

struct outcome {
	uint64_t dead_at; /* NEVER: alive at the end */
	unsigned probes;
	unsigned longest_round;
};

/* xorshift64: a repeatable stream per seed. */
static double uniform(struct path *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return (double)(p->rng >> 11) / (double)(1ull << 53);
}

static bool arrives(struct path *p, uint64_t now)
{
	if (now >= p->dies_at)
		return false;
	return now < p->loss_from || uniform(p) >= p->loss;
}

static struct outcome simulate(struct path *p, uint64_t end)
{
	struct outcome o = { .dead_at = NEVER };
	uint64_t arrive[PENDING] = { 0 };
	uint16_t seqs[PENDING] = { 0 };
	size_t head = 0, tail = 0;
	uint64_t rx = 5000, tx = 5000, next_tick = START_MS;
	struct fx_live l;

	fx_live_init(&l, START_MS, rx, tx);
	if (p->damp_until)
		fx_live_damp(&l, p->damp_until);
	for (uint64_t now = START_MS; now < end; now++) {
		for (; head != tail && arrive[head % PENDING] <= now; head++) {
			rx += 80;
			fx_live_answer(&l, now, seqs[head % PENDING]);
		}
		if (p->flow) {
			tx += 1000;
			if (p->flow_answered && arrives(p, now))
				rx += 1000;
		}
		if (now < next_tick)
			continue;
		fx_live_counters(&l, now, rx, tx);
		switch (fx_live_next(&l, now)) {
		case FX_LIVE_DEAD:
			o.dead_at = now;
			return o;
		case FX_LIVE_PROBE: {
			uint16_t seq = fx_live_probe_sent(&l, now);

			o.probes++;
			tx += 80;
			if (fx_live_round(&l, now) > o.longest_round)
				o.longest_round = fx_live_round(&l, now);
			if (arrives(p, now + p->rtt_ms / 2) && tail - head < PENDING) {
				arrive[tail % PENDING] = now + (p->rtt_ms ? p->rtt_ms : 1);
				seqs[tail % PENDING] = seq;
				tail++;
			}
			break;
		}
		case FX_LIVE_WAIT:
			break;
		}
		next_tick = now + (uint64_t)fx_live_tick_ms(&l, now);
	}
	return o;
}

/* The server dies at p->dies_at and is found dead lo to hi ms later. */
static void assert_dead_within(struct path *p, uint64_t end, uint64_t lo, uint64_t hi)
{
	struct outcome o = simulate(p, end);

	assert_true(o.dead_at != NEVER);
	assert_in_range(o.dead_at - p->dies_at, lo, hi);
}

static struct path path_of(uint64_t seed)
{
	return (struct path){ .rng = 0x9e3779b97f4a7c15ull ^ (seed * 0x100000001b3ull),
			      .rtt_ms = 2, .dies_at = NEVER, .flow = true };
}

static void a_clean_path_with_traffic_stays_alive(void **state)
{
	(void)state;
	struct path p = path_of(1);

	assert_int_equal(simulate(&p, 61000).dead_at, NEVER);
	p = path_of(2);
	p.flow_answered = true;
	assert_int_equal(simulate(&p, 61000).dead_at, NEVER);
}

/* The first goal: traffic sent, nothing back, dead in well under a second. */
static void a_server_that_dies_under_traffic_is_dead_within_a_second(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct path p = path_of(seed);

		p.flow_answered = seed % 2;
		p.dies_at = 10000 + seed * 7;
		/* Not on the first missed answer, and not late either. */
		assert_dead_within(&p, 30000, FX_LIVE_SILENCE_MS, 800);
	}
}

static void ten_percent_loss_is_not_death(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct path p = path_of(seed);

		p.loss = 0.10;
		p.flow_answered = seed % 2;
		assert_int_equal(simulate(&p, 61000).dead_at, NEVER);
	}
}

static void ten_percent_loss_and_an_outage_is_death(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct path p = path_of(seed);

		p.loss = 0.10;
		p.dies_at = 30000;
		assert_dead_within(&p, 60000, FX_LIVE_SILENCE_MS, 1500);
	}
}

/* As before this detector: an idle tunnel gets one probe a second at most. */
static void an_idle_tunnel_is_probed_once_a_second(void **state)
{
	(void)state;
	struct path p = path_of(3);
	struct outcome o;

	p.flow = false;
	o = simulate(&p, 61000);
	assert_int_equal(o.dead_at, NEVER);
	assert_in_range(o.probes, 55, 61);
}

static void an_idle_tunnel_whose_server_dies_is_dead_sooner_than_before(void **state)
{
	(void)state;
	struct path p = path_of(4);

	p.flow = false;
	p.dies_at = 10500;
	assert_dead_within(&p, 30000, 0, 3000); /* before: 3 s without an answer */
}

/*
 * A full queue at the router drops what does not fit, probes too: the lab
 * saw 45 % of them arrive, with gaps of 5.9 s. With a round of 8, a path
 * like this one is declared dead within a minute (checked by making
 * fx_live_round return FX_LIVE_ROUND); the round follows the loss instead.
 */
static void a_full_queue_that_drops_half_the_probes_is_not_dead(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct path p = path_of(seed);
		struct outcome o;

		p.loss = 0.55;
		p.rtt_ms = 300;
		o = simulate(&p, 61000);
		assert_int_equal(o.dead_at, NEVER);
		assert_true(o.longest_round > FX_LIVE_ROUND);
	}
}

/* The same queue after a clean minute: the loss measured over the minute
 * is 0, and must rise within a few answers. */
static void a_queue_that_starts_dropping_after_a_clean_minute_is_not_dead(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct path p = path_of(seed);

		p.loss = 0.55;
		p.loss_from = 60000;
		assert_int_equal(simulate(&p, 121000).dead_at, NEVER);
	}
}

static void a_lossy_path_that_dies_is_still_dead(void **state)
{
	(void)state;
	struct path p = path_of(5);

	p.loss = 0.55;
	p.dies_at = 30000;
	assert_dead_within(&p, 60000, 0, 3000);
}

/* After a switch the round is twice as long: still a death found, later. */
static void a_damped_detector_waits_for_a_longer_round(void **state)
{
	(void)state;
	struct path p = path_of(6), q = path_of(6);
	struct outcome plain, damped;

	p.dies_at = q.dies_at = 10000;
	q.damp_until = 40000;
	plain = simulate(&p, 30000);
	damped = simulate(&q, 30000);
	assert_true(damped.dead_at != NEVER);
	assert_true(damped.dead_at > plain.dead_at + 5 * FX_LIVE_FAST_MS);
	assert_true(damped.dead_at - q.dies_at <= 1500);
}

static void answers_never_sent_or_seen_twice_are_no_sign_of_life(void **state)
{
	(void)state;
	struct fx_live l;
	uint16_t first;

	fx_live_init(&l, 0, 0, 0);
	first = fx_live_probe_sent(&l, 1000);
	fx_live_probe_sent(&l, 1050);
	fx_live_answer(&l, 1060, (uint16_t)(first + 7)); /* never sent */
	assert_int_equal(l.silent, 2);
	fx_live_answer(&l, 1070, (uint16_t)(first + 1)); /* the second: the first was lost */
	assert_int_equal(l.silent, 0);
	assert_int_equal(l.outcomes, 2);
	assert_int_equal(l.srtt_us, 20000);
	fx_live_probe_sent(&l, 1100);
	fx_live_answer(&l, 1110, first); /* late, after a later one */
	fx_live_answer(&l, 1110, (uint16_t)(first + 1)); /* again */
	assert_int_equal(l.silent, 1);
	assert_int_equal(l.outcomes, 2);
}

static void the_round_follows_the_measured_loss(void **state)
{
	(void)state;
	struct fx_live l;
	unsigned round;
	uint16_t seq;

	fx_live_init(&l, 0, 0, 0);
	/* Unmeasured, the path is taken for 20 % lossy: still the shortest round. */
	assert_int_equal(fx_live_round(&l, 0), FX_LIVE_ROUND);
	fx_live_probe_sent(&l, 100);
	for (int i = 0; i < 6; i++)
		fx_live_probe_sent(&l, 101 + (uint64_t)i);
	seq = fx_live_probe_sent(&l, 110);
	fx_live_answer(&l, 111, seq); /* 7 lost, 1 answered: a lossy start counts */
	assert_true(fx_live_round(&l, 200) >= FX_LIVE_ROUND_MAX - 8);
	for (int i = 0; i < 64; i++) {
		seq = fx_live_probe_sent(&l, 1000 + 10 * (uint64_t)i);
		fx_live_answer(&l, 1001 + 10 * (uint64_t)i, seq);
	}
	assert_int_equal(fx_live_round(&l, 2000), FX_LIVE_ROUND);
	/* Every other probe lost: within 16 answers the round is that of 50 %. */
	for (int i = 0; i < 16; i++) {
		fx_live_probe_sent(&l, 3000 + 20 * (uint64_t)i);
		seq = fx_live_probe_sent(&l, 3010 + 20 * (uint64_t)i);
		fx_live_answer(&l, 3011 + 20 * (uint64_t)i, seq);
	}
	assert_true(fx_live_loss(&l) > 0.4 && fx_live_loss(&l) < 0.6);
	round = fx_live_round(&l, 4000);
	assert_in_range(round, FX_LIVE_ROUND + 1, 25);
	fx_live_damp(&l, 5000);
	assert_int_equal(fx_live_round(&l, 4000), 2 * round);
	assert_int_equal(fx_live_round(&l, 5000), round);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_clean_path_with_traffic_stays_alive),
		cmocka_unit_test(a_server_that_dies_under_traffic_is_dead_within_a_second),
		cmocka_unit_test(ten_percent_loss_is_not_death),
		cmocka_unit_test(ten_percent_loss_and_an_outage_is_death),
		cmocka_unit_test(an_idle_tunnel_is_probed_once_a_second),
		cmocka_unit_test(an_idle_tunnel_whose_server_dies_is_dead_sooner_than_before),
		cmocka_unit_test(a_full_queue_that_drops_half_the_probes_is_not_dead),
		cmocka_unit_test(a_queue_that_starts_dropping_after_a_clean_minute_is_not_dead),
		cmocka_unit_test(a_lossy_path_that_dies_is_still_dead),
		cmocka_unit_test(a_damped_detector_waits_for_a_longer_round),
		cmocka_unit_test(answers_never_sent_or_seen_twice_are_no_sign_of_life),
		cmocka_unit_test(the_round_follows_the_measured_loss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
