/* SPDX-License-Identifier: MIT */
/*
 * test_media_e2e - the data plane's media path end to end, one worker lcore.
 * Run by run_media_e2e.sh inside a network namespace with a running
 * sluice-dataplane (net_tap): this program plays the control plane (cp_dp)
 * and several browsers (kernel UDP sockets), and checks what comes out:
 *  - commands: results, refusals (wrong port, duplicates, unknown ids);
 *  - ICE-lite: answers verify (MESSAGE-INTEGRITY, FINGERPRINT,
 *    XOR-MAPPED-ADDRESS == the socket), ICE_SELECTED events, 401 for a bad
 *    password, drops by reason for every bad request, NAT rebinding by
 *    USE-CANDIDATE and by authenticated media, ICE timeout and reconnect;
 *  - DTLS relay both ways through packet slots;
 *  - media: consumer packets decrypt with the consumer's keys; SSRC, PT,
 *    sequence numbers, timestamps and extension ids are rewritten exactly;
 *    sequence numbers continue across pause/resume and a source change;
 *    RTX is unwrapped, duplicates and padding probes are not relayed;
 *  - drops counted by reason: SRTP auth, replay, unknown SSRC/tuple, no
 *    keys, malformed frames of every layer injected on the tap, random
 *    garbage on the port; and none of it disturbs the other transports;
 *  - RTCP to the producer: SL_MSG_REQUEST_KEYFRAME -> an SRTCP PLI (FIR for
 *    a FIR-only producer) from the server SSRC to the producer's SSRC,
 *    a second one within 500 ms coalesced, counted and sent when the
 *    window ends; consumers' PLI/FIR routed to the producer on the data
 *    plane (no event); transport-cc
 *    feedback lists exactly the transport-wide seqs sent as received (out
 *    of order too), the gaps as not received, fb_count incrementing;
 *    receiver reports about the producer's SSRC with its highest sequence
 *    number and LSR/DLSR from the SR it sent.
 *
 *   test_media_e2e <shm-name> <tap-interface>
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../unit/check.h"
#include "dp_bytes.h"
#include "dp_net.h"
#include "dp_rtcp.h"
#include "dp_rtp.h"
#include "media_harness.h"

static struct mh H;
static const char *IFNAME;

enum {
	T_P = 1,   /* producer browser */
	T_C1 = 2,  /* consumers */
	T_C2 = 3,
	T_C3 = 4,
	T_NK = 5,  /* connected, never keyed */
	T_TO = 6,  /* short ICE timeout */
};

#define PROD 100u
#define SSRC_A 0x11110000u
#define RTX_A 0x11110001u
#define SSRC_B 0x22220000u
#define RTX_B 0x22220001u
#define C1 200u
#define C2 201u
#define C3 202u
#define CNK 203u
#define PAYLOAD 200u

static struct browser P, B1, B2, B3, BNK, BTO;

/* What each consumer saw last, for continuity checks. */
struct cstate {
	struct browser *b;
	uint32_t tid;
	uint32_t ssrc;
	uint8_t pt;
	uint16_t last_seq;
	uint32_t last_ts;
	uint16_t twcc_next;
	uint16_t off;       /* consumer seq - producer seq of the last packet */
	int have;
	uint32_t n_rx;      /* RTP packets received (all go through expect_rtp) */
};

/* A counter reaches exactly want (bounded wait: counters are written by the
 * lcore around the packets we observe). */
#define CHECK_CTR(ptr, want) CHECK_EQ(mh_wait_ge(&H, (ptr), (want)), (want))
static struct cstate S1, S2, S3;

static int cmd_simple(uint16_t type, uint32_t tid, uint32_t id)
{
	return mh_cmd_ref(&H, 0, type, tid, id);
}

/* The producer: video with RTX, every extension of br_build_rtp, nack, pli,
 * transport-cc; its packets stay on lcore 0. */
static int producer_add(uint32_t ssrc, uint32_t rtx)
{
	const struct mh_producer p = {.tid = T_P, .id = PROD, .ssrc = ssrc, .rtx_ssrc = rtx,
				      .pt = 96, .flags = MH_BR_EXTS | MH_NACK | MH_PLI | MH_TCC,
				      .fanout = 1};
	return mh_producer_add(&H, 0, &p);
}

static int consumer_add(uint32_t tid, uint32_t id, uint32_t ssrc, uint8_t to_pt,
			struct sl_ext_ids ext, int paused)
{
	const struct mh_consumer c = {.tid = tid, .id = id, .producer_id = PROD, .ssrc = ssrc,
				      .pt = to_pt, .ext = ext, .flags = paused ? MH_PAUSED : 0};
	return mh_consumer_add(&H, 0, &c);
}

/* ------------------------------------------------------------------ */

static void test_commands(void)
{
	struct browser tmp;
	CHECK_EQ(br_open(&P, &H, 0), 0);
	CHECK_EQ(br_open(&B1, &H, 0), 0);
	CHECK_EQ(br_open(&B2, &H, 0), 0);
	CHECK_EQ(br_open(&B3, &H, 0), 0);
	CHECK_EQ(br_open(&BNK, &H, 0), 0);
	CHECK_EQ(br_open(&BTO, &H, 0), 0);
	CHECK_EQ(br_transport(&H, &P, T_P, 0), 0);
	CHECK_EQ(br_transport(&H, &B1, T_C1, 0), 0);
	CHECK_EQ(br_transport(&H, &B2, T_C2, 0), 0);
	CHECK_EQ(br_transport(&H, &B3, T_C3, 0), 0);
	CHECK_EQ(br_transport(&H, &BNK, T_NK, 0), 0);
	CHECK_EQ(br_transport(&H, &BTO, T_TO, 300), 0);
	CHECK_EQ(mh_lc(&H, 0)->transports, 6);

	/* refusals */
	CHECK_EQ(br_open(&tmp, &H, 0), 0);
	tmp.dp_port++; /* not this lcore's port */
	CHECK_EQ(br_transport(&H, &tmp, 20, 0), -EINVAL);
	tmp.dp_port--;
	CHECK_EQ(br_transport(&H, &tmp, T_P, 0), -EEXIST);
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_TRANSPORT_CREATE;
	m.h.transport_id = 21;
	strcpy(m.u.transport_create.ice_ufrag, P.ufrag); /* same ufrag */
	strcpy(m.u.transport_create.ice_pwd, "another-password-0123456789");
	m.u.transport_create.local_port = P.dp_port;
	CHECK_EQ(mh_cmd(&H, 0, &m), -EEXIST);
	tmp.tid = 30; /* unknown transport */
	CHECK_EQ(br_keys(&H, &tmp, SL_SRTP_AEAD_AES_128_GCM, 1), -ENOENT);
	br_close(&tmp);
	uint64_t invalid = mh_lc(&H, 0)->cmds_invalid;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_SRTP_KEYS;
	m.h.transport_id = T_P;
	m.u.srtp_keys.profile = 5; /* no such profile: the validator refuses */
	CHECK_EQ(mh_cmd(&H, 0, &m), -EINVAL);
	CHECK_EQ(mh_lc(&H, 0)->cmds_invalid, invalid + 1);
	CHECK_EQ(cmd_simple(SL_MSG_CONSUMER_PAUSE, T_C1, 999), -ENOENT);
	CHECK_EQ(cmd_simple(SL_MSG_TRANSPORT_DESTROY, 40, 0), -ENOENT);
	CHECK_EQ(cmd_simple(SL_MSG_PRODUCER_REMOVE, SL_INVALID_ID, 77), -ENOENT);

	CHECK_EQ(br_keys(&H, &P, SL_SRTP_AES128_CM_SHA1_80, 1), 0);
	CHECK_EQ(br_keys(&H, &B1, SL_SRTP_AEAD_AES_128_GCM, 2), 0);
	CHECK_EQ(br_keys(&H, &B2, SL_SRTP_AES128_CM_SHA1_32, 3), 0);
	CHECK_EQ(br_keys(&H, &B3, SL_SRTP_AEAD_AES_256_GCM, 4), 0);
	CHECK_EQ(br_keys(&H, &BTO, SL_SRTP_AEAD_AES_128_GCM, 5), 0);
}

static void check_selected(uint32_t tid, const struct browser *b)
{
	struct sl_msg ev;
	CHECK_EQ(mh_wait_event(&H, SL_MSG_ICE_SELECTED, tid, &ev), 0);
	struct in_addr me;
	inet_pton(AF_INET, MH_LOCAL_IP, &me);
	CHECK_EQ(ev.u.ice.tuple.family, 4);
	CHECK(memcmp(ev.u.ice.tuple.remote_addr, &me, 4) == 0);
	CHECK_EQ(ntohs(ev.u.ice.tuple.remote_port), b->port);
	CHECK_EQ(ntohs(ev.u.ice.tuple.local_port), b->dp_port);
}

static void test_ice(void)
{
	uint64_t replies = mh_lc(&H, 0)->stun_replies;
	/* a transport without selected tuple cannot send */
	uint32_t slot;
	CHECK_EQ(cp_dp_slot_alloc(&H.dp, &slot), 0);
	cp_dp_slot(&H.dp, slot)->data[0] = 22;
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_SEND_PACKET;
	m.h.transport_id = T_P;
	m.u.packet.slot = slot;
	m.u.packet.len = 1;
	CHECK_EQ(mh_cmd(&H, 0, &m), -ENOTCONN);
	CHECK_EQ(mh_tc(&H, T_P)->drops[SL_DROP_NO_TUPLE], 1);

	CHECK_EQ(br_ice(&H, &P, 1), 0);
	check_selected(T_P, &P);
	CHECK_EQ(br_ice(&H, &B1, 1), 0);
	check_selected(T_C1, &B1);
	CHECK_EQ(br_ice(&H, &B2, 0), 0); /* the first valid tuple is selected anyway */
	check_selected(T_C2, &B2);
	CHECK_EQ(br_ice(&H, &B3, 1), 0);
	check_selected(T_C3, &B3);
	CHECK_EQ(br_ice(&H, &BNK, 1), 0);
	check_selected(T_NK, &BNK);
	CHECK_EQ(mh_lc(&H, 0)->stun_replies, replies + 5);
	/* a repeated check of the selected tuple changes nothing */
	CHECK_EQ(br_ice(&H, &P, 1), 0);
	CHECK_EQ(mh_take_event(&H, SL_MSG_ICE_SELECTED, T_P, NULL), -ENOENT);
	CHECK_EQ(mh_tc(&H, T_P)->stun_in, 2);

	/* wrong password: 401 without MESSAGE-INTEGRITY, counted */
	uint8_t req[512], resp[2048], txid[12];
	uint64_t auth = mh_drops(&H, SL_DROP_STUN_AUTH);
	size_t len = br_stun_request(&H, &P, req, sizeof(req), 1, "wrong-password-0123456789",
				     P.ufrag, txid);
	CHECK(len > 0);
	CHECK_EQ(br_send(&P, req, len), 0);
	int n = br_recv(&H, &P, resp, sizeof(resp));
	struct dp_stun_msg sm;
	CHECK(n > 0);
	CHECK(n > 0 && dp_stun_parse(resp, (size_t)n, &sm) == DP_STUN_OK);
	CHECK(n > 0 && sm.cls == DP_STUN_CLASS_ERROR && sm.error_code == 401);
	CHECK(n > 0 && !(sm.flags & DP_STUN_F_INTEGRITY) && memcmp(sm.txid, txid, 12) == 0);
	CHECK(n > 0 && dp_stun_check_fingerprint(resp, (size_t)n, &sm) == DP_STUN_OK);
	CHECK_EQ(mh_drops(&H, SL_DROP_STUN_AUTH), auth + 1);
	CHECK_EQ(mh_tc(&H, T_P)->drops[SL_DROP_STUN_AUTH], 1);

	/* unknown ufrag, broken fingerprint, truncation, not a request */
	uint64_t unk = mh_drops(&H, SL_DROP_STUN_UNKNOWN_USER);
	uint64_t mal = mh_drops(&H, SL_DROP_STUN_MALFORMED);
	uint64_t notreq = mh_drops(&H, SL_DROP_STUN_NOT_REQUEST);
	len = br_stun_request(&H, &P, req, sizeof(req), 1, P.pwd, "nobody", txid);
	CHECK_EQ(br_send(&P, req, len), 0);
	len = br_stun_request(&H, &P, req, sizeof(req), 1, P.pwd, P.ufrag, txid);
	req[len - 1] ^= 1; /* FINGERPRINT */
	CHECK_EQ(br_send(&P, req, len), 0);
	CHECK_EQ(br_send(&P, req, 30), 0); /* truncated */
	size_t elen = 0;
	CHECK_EQ(dp_stun_build_error(H.hmac, req, sizeof(req), &elen, txid, 400, NULL, NULL, 0,
				     NULL, 0), DP_STUN_OK);
	CHECK_EQ(br_send(&P, req, elen), 0);
	CHECK_EQ(mh_wait_drops(&H, SL_DROP_STUN_UNKNOWN_USER, unk + 1), unk + 1);
	CHECK_EQ(mh_wait_drops(&H, SL_DROP_STUN_MALFORMED, mal + 2), mal + 2);
	CHECK_EQ(mh_wait_drops(&H, SL_DROP_STUN_NOT_REQUEST, notreq + 1), notreq + 1);
	CHECK(!br_pending(&P)); /* none of them was answered */
	CHECK_EQ(mh_take_event(&H, SL_MSG_ICE_SELECTED, SL_INVALID_ID, NULL), -ENOENT);
}

static void test_dtls(void)
{
	uint8_t d[300], got[2048];
	struct sl_msg ev, m;
	for (unsigned int i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 3 + 1);
	d[0] = 22; /* handshake record */
	CHECK_EQ(br_send(&P, d, 100), 0);
	CHECK_EQ(mh_wait_event(&H, SL_MSG_DTLS_RECV, T_P, &ev), 0);
	CHECK_EQ(ev.u.packet.len, 100);
	CHECK_EQ(ntohs(ev.u.packet.tuple.remote_port), P.port);
	struct sl_slot *s = cp_dp_slot(&H.dp, ev.u.packet.slot);
	CHECK(s && s->len == 100 && memcmp(s->data, d, 100) == 0);
	cp_dp_slot_free(&H.dp, ev.u.packet.slot);
	CHECK_CTR(&mh_tc(&H, T_P)->dtls_in, 1);

	uint32_t slot;
	CHECK_EQ(cp_dp_slot_alloc(&H.dp, &slot), 0);
	memcpy(cp_dp_slot(&H.dp, slot)->data, d, sizeof(d));
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_SEND_PACKET;
	m.h.transport_id = T_P;
	m.u.packet.slot = slot;
	m.u.packet.len = sizeof(d);
	CHECK_EQ(mh_cmd(&H, 0, &m), 0);
	int n = br_recv(&H, &P, got, sizeof(got));
	CHECK_EQ(n, (int)sizeof(d));
	CHECK(n == (int)sizeof(d) && memcmp(got, d, sizeof(d)) == 0);
	CHECK_CTR(&mh_tc(&H, T_P)->dtls_out, 1);

	/* DTLS from a tuple no transport knows */
	struct browser x;
	uint64_t before = mh_drops(&H, SL_DROP_DTLS_NO_TRANSPORT);
	CHECK_EQ(br_open(&x, &H, 0), 0);
	CHECK_EQ(br_send(&x, d, 50), 0);
	CHECK_EQ(mh_wait_drops(&H, SL_DROP_DTLS_NO_TRANSPORT, before + 1), before + 1);
	br_close(&x);
	/* every slot came back: all can be taken again */
	uint32_t taken[8192], k = 0;
	while (k < 8192 && cp_dp_slot_alloc(&H.dp, &taken[k]) == 0)
		k++;
	CHECK_EQ(k, H.hdr->n_slots);
	while (k)
		cp_dp_slot_free(&H.dp, taken[--k]);
}

/* Receives one packet on cs and checks the rewrite of the producer packet
 * (in_seq, in_ts); *oseq gets its consumer sequence number. */
static void expect_rtp(struct cstate *cs, uint16_t in_seq, int expect_seq_cont,
		       uint16_t want_seq, uint32_t want_ts, int check_ts)
{
	struct rx_rtp r;
	int rc = br_recv_rtp(&H, cs->b, &r);
	CHECK_EQ(rc, 0);
	if (rc)
		return;
	cs->n_rx++;
	CHECK_EQ(r.ssrc, cs->ssrc);
	CHECK_EQ(r.pt, cs->pt);
	if (expect_seq_cont)
		CHECK_EQ(r.seq, want_seq);
	if (check_ts)
		CHECK_EQ(r.ts, want_ts);
	CHECK_EQ(r.payload_len, PAYLOAD);
	int same = r.payload_len == PAYLOAD;
	for (uint32_t i = 0; same && i < PAYLOAD; i++)
		same = r.buf[r.payload_off + i] == br_payload_byte(in_seq, i);
	CHECK(same);
	/* extension elements: only the consumer's ids (mid always stripped) */
	if (cs == &S1) { /* mid 1 (stripped), abs 2, tcc 7, vo stripped */
		CHECK_EQ(r.ext_n, 2);
		int a = rx_ext_find(&r, 2), t = rx_ext_find(&r, 7);
		CHECK(a >= 0 && r.ext_len[a] == 3);
		CHECK(t >= 0 && r.ext_len[t] == 2);
		if (t >= 0)
			CHECK_EQ(dp_get_be16(r.buf + r.ext_off[t]), cs->twcc_next);
	} else if (cs == &S2) { /* tcc 3, vo 4 */
		CHECK_EQ(r.ext_n, 2);
		int t = rx_ext_find(&r, 3), v = rx_ext_find(&r, 4);
		CHECK(t >= 0 && r.ext_len[t] == 2);
		CHECK(v >= 0 && r.ext_len[v] == 1 && r.buf[r.ext_off[v]] == 0x05);
		if (t >= 0)
			CHECK_EQ(dp_get_be16(r.buf + r.ext_off[t]), cs->twcc_next);
	} else { /* abs 14 only (tcc 20 cannot be a one-byte element) */
		CHECK_EQ(r.ext_n, 1);
		int a = rx_ext_find(&r, 14);
		CHECK(a >= 0 && r.ext_len[a] == 3);
	}
	cs->twcc_next++;
	cs->off = (uint16_t)(r.seq - in_seq);
	cs->last_seq = r.seq;
	cs->last_ts = r.ts;
	cs->have = 1;
}

static int send_media(uint32_t ssrc, uint16_t seq, uint32_t ts, uint8_t *copy)
{
	uint8_t rtp[2048];
	size_t len = br_build_rtp(rtp, ssrc, 96, seq, ts, (uint16_t)(seq + 1000), PAYLOAD);
	return br_send_srtp(&P, rtp, len, copy);
}

static void test_media(void)
{
	struct sl_ext_ids e1 = {.mid = 1, .abs_send_time = 2, .transport_cc = 7};
	struct sl_ext_ids e2 = {.transport_cc = 3, .video_orientation = 4};
	/* transport-cc id 20 needs the two-byte form: stripped from the
	 * producer's one-byte block, the other elements stay */
	struct sl_ext_ids e3 = {.abs_send_time = 14, .transport_cc = 20};
	CHECK_EQ(producer_add(SSRC_A, RTX_A), 0);
	CHECK_EQ(producer_add(SSRC_A, RTX_A), -EEXIST);
	CHECK_EQ(consumer_add(T_C1, C1, 0xc1000001u, 101, e1, 1), 0);
	CHECK_EQ(consumer_add(T_C2, C2, 0xc2000002u, 96, e2, 1), 0);
	CHECK_EQ(consumer_add(T_C3, C3, 0xc3000003u, 100, e3, 0), 0);
	CHECK_EQ(consumer_add(T_NK, CNK, 0xc4000004u, 96, e3, 0), 0);
	CHECK_EQ(consumer_add(T_C1, C1, 0xc1000009u, 101, e1, 0), -EEXIST);
	CHECK_EQ(mh_lc(&H, 0)->producers, 1);
	CHECK_EQ(mh_lc(&H, 0)->consumers, 4);
	S1 = (struct cstate){.b = &B1, .tid = T_C1, .ssrc = 0xc1000001u, .pt = 101};
	S2 = (struct cstate){.b = &B2, .tid = T_C2, .ssrc = 0xc2000002u, .pt = 96};
	S3 = (struct cstate){.b = &B3, .tid = T_C3, .ssrc = 0xc3000003u, .pt = 100};

	/* C1 and C2 are paused: only C3 gets the first packet (out = in) */
	uint16_t seq = 65530;
	uint32_t ts = 1000;
	CHECK(send_media(SSRC_A, seq, ts, NULL) > 0);
	expect_rtp(&S3, seq, 1, seq, ts, 1);
	CHECK_CTR(&mh_tc(&H, T_C1)->drops[SL_DROP_CONSUMER_PAUSED], 1);
	CHECK_CTR(&mh_tc(&H, T_C2)->drops[SL_DROP_CONSUMER_PAUSED], 1);
	CHECK_CTR(&mh_tc(&H, T_NK)->drops[SL_DROP_SRTP_NO_KEYS], 1);
	CHECK(!br_pending(&B1) && !br_pending(&B2));

	CHECK_EQ(cmd_simple(SL_MSG_CONSUMER_RESUME, T_C1, C1), 0);
	CHECK_EQ(cmd_simple(SL_MSG_CONSUMER_RESUME, T_C2, C2), 0);
	/* 10 packets across the 16-bit wrap: never-paused-before offsets are 0 */
	for (int i = 0; i < 10; i++) {
		seq++;
		ts += 3000;
		CHECK(send_media(SSRC_A, seq, ts, NULL) > 0);
		expect_rtp(&S1, seq, 1, seq, ts, 1);
		expect_rtp(&S2, seq, 1, seq, ts, 1);
		expect_rtp(&S3, seq, 1, seq, ts, 1);
	}
	/* pause C1 for 5 packets */
	CHECK_EQ(cmd_simple(SL_MSG_CONSUMER_PAUSE, T_C1, C1), 0);
	for (int i = 0; i < 5; i++) {
		seq++;
		ts += 3000;
		CHECK(send_media(SSRC_A, seq, ts, NULL) > 0);
		expect_rtp(&S2, seq, 1, seq, ts, 1);
		expect_rtp(&S3, seq, 1, seq, ts, 1);
	}
	CHECK_CTR(&mh_tc(&H, T_C1)->drops[SL_DROP_CONSUMER_PAUSED], 6);
	CHECK(!br_pending(&B1));
	/* resume: C1 continues at its last sequence number + 1, timestamps
	 * keep the producer's clock (offset unchanged on the same source) */
	CHECK_EQ(cmd_simple(SL_MSG_CONSUMER_RESUME, T_C1, C1), 0);
	for (int i = 0; i < 5; i++) {
		seq++;
		ts += 3000;
		CHECK(send_media(SSRC_A, seq, ts, NULL) > 0);
		expect_rtp(&S1, seq, 1, (uint16_t)(S1.last_seq + 1), ts, 1);
		expect_rtp(&S2, seq, 1, seq, ts, 1);
		expect_rtp(&S3, seq, 1, seq, ts, 1);
	}
	CHECK_CTR(&mh_tc(&H, T_P)->rtp_in, 21);
	CHECK_CTR(&mh_tc(&H, T_C1)->rtp_out, 15);
	CHECK_CTR(&mh_tc(&H, T_C3)->rtp_out, 21);
}

/* The producer restarts with another SSRC and far-away numbers: every
 * consumer continues at last + 1 with timestamps moving forward. Then RTX. */
static void test_source_change_rtx(void)
{
	CHECK_EQ(cmd_simple(SL_MSG_PRODUCER_REMOVE, SL_INVALID_ID, PROD), 0);
	CHECK_EQ(producer_add(SSRC_B, RTX_B), 0);
	/* the old SSRC is unknown now */
	uint64_t nop = mh_tc(&H, T_P)->drops[SL_DROP_NO_PRODUCER];
	CHECK(send_media(SSRC_A, 100, 1, NULL) > 0);
	CHECK_EQ(mh_wait_ge(&H, &mh_tc(&H, T_P)->drops[SL_DROP_NO_PRODUCER], nop + 1), nop + 1);

	uint16_t seq = 30000;
	uint32_t ts = 5000000;
	struct cstate *all[3] = {&S1, &S2, &S3};
	for (int i = 0; i < 4; i++, seq++, ts += 3000) {
		if (seq == 30002)
			continue; /* lost upstream: repaired by RTX below */
		CHECK(send_media(SSRC_B, seq, ts, NULL) > 0);
		for (int k = 0; k < 3; k++) {
			struct cstate *cs = all[k];
			uint16_t want = (uint16_t)(cs->last_seq + (seq == 30003 ? 2 : 1));
			uint32_t last_ts = cs->last_ts;
			expect_rtp(cs, seq, 1, want, 0, 0);
			CHECK((int32_t)(cs->last_ts - last_ts) > 0);
		}
	}
	/* RTX of 30002 (never forwarded): unwrapped into the gap */
	uint8_t rtp[2048];
	size_t len = br_build_rtp(rtp, SSRC_B, 96, 30002, 5006000, 1, PAYLOAD);
	CHECK(br_send_rtx(&P, rtp, len, RTX_B, 97, 7000) > 0);
	for (int k = 0; k < 3; k++) {
		struct cstate *cs = all[k];
		uint16_t last = cs->last_seq;
		uint32_t last_ts = cs->last_ts;
		expect_rtp(cs, 30002, 1, (uint16_t)(last - 1), 0, 0);
		CHECK_EQ(cs->last_ts, last_ts - 3000);
		cs->last_seq = last; /* the newest stays the newest */
		cs->last_ts = last_ts;
	}
	/* RTX of 30003, already forwarded: never sent twice */
	uint64_t stale = mh_drops(&H, SL_DROP_RTP_STALE);
	len = br_build_rtp(rtp, SSRC_B, 96, 30003, 5009000, 1, PAYLOAD);
	CHECK(br_send_rtx(&P, rtp, len, RTX_B, 97, 7001) > 0);
	CHECK_EQ(mh_wait_drops(&H, SL_DROP_RTP_STALE, stale + 3), stale + 3);
	CHECK_CTR(&mh_tc(&H, T_C1)->drops[SL_DROP_RTP_STALE], 1);
	/* a padding-only RTX probe */
	uint64_t pad = mh_drops(&H, SL_DROP_RTP_PADDING);
	uint8_t probe[64] = {0xa0, 97, 0x1b, 0x5a, 0, 0, 0, 1};
	dp_put_be32(probe + 8, RTX_B);
	probe[12 + 31] = 32; /* 32 bytes of padding after the header */
	CHECK(br_send_srtp(&P, probe, 12 + 32, NULL) > 0);
	CHECK_EQ(mh_wait_drops(&H, SL_DROP_RTP_PADDING, pad + 1), pad + 1);
	CHECK(!br_pending(&B1) && !br_pending(&B2) && !br_pending(&B3));
}

/* Sums the drop counters of the media layers (not what the kernel itself
 * may send on the tap: IPv6, ICMP, ARP). */
static uint64_t media_drops(void)
{
	uint64_t s = 0;
	for (unsigned int r = SL_DROP_UDP_MALFORMED; r < SL_DROP__COUNT; r++)
		s += mh_drops(&H, r);
	return s;
}

static uint32_t xrand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* One more packet to everyone, checked: the others were not disturbed, and
 * within one source every consumer keeps its sequence offset (gaps in the
 * producer's numbers stay gaps). */
static uint16_t g_seq = 30010;
static void all_still_fine(void)
{
	g_seq++;
	CHECK(send_media(SSRC_B, g_seq, 6000000u + g_seq * 3000u, NULL) > 0);
	expect_rtp(&S1, g_seq, 1, (uint16_t)(g_seq + S1.off), 0, 0);
	expect_rtp(&S2, g_seq, 1, (uint16_t)(g_seq + S2.off), 0, 0);
	expect_rtp(&S3, g_seq, 1, (uint16_t)(g_seq + S3.off), 0, 0);
}

static void test_srtp_drops_and_garbage(void)
{
	uint8_t pkt[2048];
	/* the seq jump from 30003 to 30011 is a gap, not a resync */
	g_seq = 30010;
	all_still_fine();
	int n = send_media(SSRC_B, ++g_seq, 7000000, pkt);
	CHECK(n > 0);
	expect_rtp(&S1, g_seq, 1, (uint16_t)(g_seq + S1.off), 0, 0);
	expect_rtp(&S2, g_seq, 1, (uint16_t)(g_seq + S2.off), 0, 0);
	expect_rtp(&S3, g_seq, 1, (uint16_t)(g_seq + S3.off), 0, 0);

	struct sl_transport_counters *tp = mh_tc(&H, T_P);
	uint64_t replay = tp->drops[SL_DROP_SRTP_REPLAY], authf = tp->drops[SL_DROP_SRTP_AUTH];
	CHECK_EQ(br_send(&P, pkt, (size_t)n), 0); /* the same SRTP packet again */
	CHECK_EQ(mh_wait_ge(&H, &tp->drops[SL_DROP_SRTP_REPLAY], replay + 1), replay + 1);
	uint8_t bad[2048];
	int bn = send_media(SSRC_B, (uint16_t)(g_seq + 100), 1, bad);
	(void)bn;
	/* tampered: flip a payload byte of a fresh packet; it must fail auth,
	 * so send the tampered copy only (the browser context protected it) */
	uint8_t rtp[2048];
	size_t len = br_build_rtp(rtp, SSRC_B, 96, (uint16_t)(g_seq + 200), 1, 1, PAYLOAD);
	uint32_t plen = (uint32_t)len;
	CHECK_EQ(dp_srtp_protect_rtp(P.srtp, rtp, &plen, sizeof(rtp)), DP_SRTP_OK);
	rtp[40] ^= 0x40;
	CHECK_EQ(br_send(&P, rtp, plen), 0);
	CHECK_EQ(mh_wait_ge(&H, &tp->drops[SL_DROP_SRTP_AUTH], authf + 1), authf + 1);
	/* the packet at g_seq + 100 was valid: consumers got it */
	g_seq = (uint16_t)(g_seq + 100);
	expect_rtp(&S1, g_seq, 1, (uint16_t)(g_seq + S1.off), 0, 0);
	expect_rtp(&S2, g_seq, 1, (uint16_t)(g_seq + S2.off), 0, 0);
	expect_rtp(&S3, g_seq, 1, (uint16_t)(g_seq + S3.off), 0, 0);

	/* unknown SSRC on a known tuple */
	uint64_t nop = tp->drops[SL_DROP_NO_PRODUCER];
	len = br_build_rtp(rtp, 0xdeadbeefu, 96, 1, 1, 1, PAYLOAD);
	CHECK(br_send_srtp(&P, rtp, len, NULL) > 0);
	CHECK_EQ(mh_wait_ge(&H, &tp->drops[SL_DROP_NO_PRODUCER], nop + 1), nop + 1);
	/* media before keys */
	len = br_build_rtp(rtp, SSRC_B, 96, 1, 1, 1, PAYLOAD);
	uint64_t nk = mh_tc(&H, T_NK)->drops[SL_DROP_SRTP_NO_KEYS];
	CHECK_EQ(br_send(&BNK, rtp, len), 0);
	CHECK(mh_wait_ge(&H, &mh_tc(&H, T_NK)->drops[SL_DROP_SRTP_NO_KEYS], nk + 1) >= nk + 1);

	/* random garbage: from a stranger (every first byte) and from the
	 * producer's own tuple (RTP/RTCP range): each dropped exactly once */
	struct browser g;
	CHECK_EQ(br_open(&g, &H, 0), 0);
	uint32_t rs = 0x12345678;
	uint64_t before = media_drops();
	for (int i = 0; i < 300; i++) {
		uint8_t junk[1400];
		size_t jl = xrand(&rs) % sizeof(junk);
		for (size_t k = 0; k < jl; k++)
			junk[k] = (uint8_t)xrand(&rs);
		CHECK_EQ(br_send(&g, junk, jl), 0);
		jl = 2 + xrand(&rs) % (sizeof(junk) - 2);
		junk[0] = (uint8_t)(0x80 | (xrand(&rs) & 0x3f));
		CHECK_EQ(br_send(&P, junk, jl), 0);
	}
	for (int i = 0; i < MH_WAIT_ITERS && media_drops() < before + 600; i++) {
		mh_pump(&H);
		usleep(1000);
	}
	CHECK_EQ(media_drops(), before + 600);
	br_close(&g);
	CHECK(!br_pending(&B1) && !br_pending(&B2) && !br_pending(&B3));
	CHECK_EQ(mh_take_event(&H, SL_MSG_DTLS_RECV, SL_INVALID_ID, NULL), -ENOENT);
	all_still_fine();
	all_still_fine();
}

/* Malformed frames of every layer, injected on the tap with AF_PACKET. */
static void test_frames(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", IFNAME);
	CHECK_EQ(ioctl(fd, SIOCGIFINDEX, &ifr), 0);
	int ifindex = ifr.ifr_ifindex;
	CHECK_EQ(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
	uint8_t mymac[6];
	memcpy(mymac, ifr.ifr_hwaddr.sa_data, 6);
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
	memcpy(to.sll_addr, H.hdr->mac, 6);
	uint32_t src, dst;
	inet_pton(AF_INET, MH_LOCAL_IP, &src);
	dst = H.hdr->ipv4_addr;

	struct {
		unsigned int reason;
		int mutation;
	} cases[] = {
		{SL_DROP_ETH_TYPE, 0},       {SL_DROP_IP_MALFORMED, 1}, {SL_DROP_IP_MALFORMED, 2},
		{SL_DROP_IP_NOT_US, 3},      {SL_DROP_IP_FRAGMENT, 4},  {SL_DROP_IP_PROTO, 5},
		{SL_DROP_UDP_MALFORMED, 6},  {SL_DROP_UDP_CHECKSUM, 7}, {SL_DROP_UDP_PORT, 8},
		{SL_DROP_IP_MALFORMED, 9},   {SL_DROP_ARP_MALFORMED, 10},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint8_t f[256];
		memset(f, 0, sizeof(f));
		memcpy(f + DP_UDP4_HDRS, "\x80\x60garbage-ish payload", 21);
		size_t len = dp_net_build_udp4(f, sizeof(f), mymac, H.hdr->mac, src, dst,
					       htons(P.port), htons(P.dp_port), 40);
		uint8_t *ip = f + 14, *udp = f + 34;
		int m = cases[c].mutation;
		if (m == 0)
			dp_put_be16(f + 12, 0x86dd);
		else if (m == 1)
			ip[0] = 0x65; /* version 6 */
		else if (m == 2)
			ip[10] ^= 0xff; /* header checksum */
		else if (m == 4)
			dp_put_be16(ip + 6, 0x2000); /* MF */
		else if (m == 5)
			ip[9] = 6; /* TCP */
		else if (m == 6)
			dp_put_be16(udp + 4, 200); /* UDP length past the end */
		else if (m == 7)
			udp[6] ^= 0x55;
		else if (m == 8)
			dp_put_be16(udp + 2, 9);
		else if (m == 9)
			dp_put_be16(ip + 2, 200); /* total length past the frame */
		else if (m == 10)
			dp_put_be16(f + 12, 0x0806); /* ARP with an IP body */
		if (m == 3) { /* another destination: rebuild with its checksum */
			uint32_t other;
			inet_pton(AF_INET, "198.18.0.77", &other);
			len = dp_net_build_udp4(f, sizeof(f), mymac, H.hdr->mac, src, other,
						htons(P.port), htons(P.dp_port), 40);
		}
		if (m == 4 || m == 5 || m == 6 || m == 9) { /* keep the header checksum right */
			dp_put_be16(ip + 10, 0);
			dp_put_be16(ip + 10, dp_csum_fold(dp_csum_partial(ip, 20, 0)));
		}
		uint64_t before = mh_drops(&H, cases[c].reason);
		CHECK_EQ(sendto(fd, f, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
		CHECK(mh_wait_drops(&H, cases[c].reason, before + 1) >= before + 1);
	}
	/* random frames to our MAC: whatever they are, the others go on */
	uint32_t rs = 0xabcdef01;
	for (int i = 0; i < 300; i++) {
		uint8_t f[1514];
		size_t len = 14 + xrand(&rs) % (sizeof(f) - 14);
		for (size_t k = 0; k < len; k++)
			f[k] = (uint8_t)xrand(&rs);
		memcpy(f, H.hdr->mac, 6);
		memcpy(f + 6, mymac, 6);
		if (i & 1)
			dp_put_be16(f + 12, 0x0800);
		if (i & 2)
			f[14] = 0x45;
		sendto(fd, f, len, 0, (struct sockaddr *)&to, sizeof(to));
	}
	close(fd);
	all_still_fine();
}

/* NAT rebinding on C2's browser: a new socket, valid checks without and
 * with USE-CANDIDATE, then authenticated RTCP from the old socket. */
static void test_rebinding(void)
{
	struct browser nb = B2; /* same credentials and SRTP context */
	CHECK_EQ(br_open(&nb, &H, 0), 0);
	nb.tid = B2.tid;
	memcpy(nb.ufrag, B2.ufrag, sizeof(nb.ufrag));
	memcpy(nb.pwd, B2.pwd, sizeof(nb.pwd));
	nb.srtp = B2.srtp;
	CHECK_EQ(br_ice(&H, &nb, 0), 0); /* valid, not nominated: no change */
	CHECK_EQ(mh_take_event(&H, SL_MSG_ICE_SELECTED, T_C2, NULL), -ENOENT);
	all_still_fine(); /* media still to the old socket */
	CHECK(!br_pending(&nb));

	CHECK_EQ(br_ice(&H, &nb, 1), 0); /* nominated: the selection moves */
	check_selected(T_C2, &nb);
	S2.b = &nb;
	all_still_fine();
	CHECK(!br_pending(&B2));

	/* authenticated SRTCP from the old tuple moves it back */
	uint8_t rtcp[256];
	struct dp_rtcp_rr rr;
	memset(&rr, 0, sizeof(rr));
	rr.ssrc = 0x0b0b0b0b;
	size_t len = dp_rtcp_build_rr(rtcp, sizeof(rtcp), &rr);
	CHECK(len > 0);
	CHECK(br_send_srtcp(&B2, rtcp, len, sizeof(rtcp)) > 0);
	check_selected(T_C2, &B2);
	CHECK_CTR(&mh_tc(&H, T_C2)->rtcp_in, 1);
	S2.b = &B2;
	all_still_fine();
	CHECK(!br_pending(&nb));
	nb.srtp = NULL;
	br_close(&nb);
}

/* Waits until no key-frame request of tc's producers is pending and the
 * window is over: pli_out stood still for 600 ms (> DP_KF_MIN_NS). */
static void kf_quiet(const struct sl_transport_counters *tc)
{
	for (int i = 0; i < 40; i++) {
		uint64_t out = tc->pli_out;
		for (int k = 0; k < 6; k++) {
			mh_pump(&H);
			usleep(100000);
		}
		if (tc->pli_out == out)
			return;
	}
	CHECK(!"key-frame requests never settled");
}

/* Consumers' PLI / FIR: the producer is on the same lcore, so the data
 * plane asks it itself (no KEYFRAME_REQUEST event, no command): the PLI
 * reaches the producer's browser, sent now or coalesced into the one sent
 * when the window ends. */
static void test_rtcp_keyframe(void)
{
	uint8_t rtcp[256];
	struct sl_transport_counters *tp = mh_tc(&H, T_P);
	uint64_t kf0 = tp->pli_out + tp->pli_suppressed;
	size_t len = dp_rtcp_build_pli(rtcp, sizeof(rtcp), 1, S1.ssrc);
	CHECK(len > 0);
	CHECK(br_send_srtcp(&B1, rtcp, len, sizeof(rtcp)) > 0);
	CHECK_CTR(&mh_tc(&H, T_C1)->pli_in, 1);
	for (int i = 0; i < MH_WAIT_ITERS && tp->pli_out + tp->pli_suppressed < kf0 + 1; i++) {
		mh_pump(&H);
		usleep(1000);
	}
	CHECK_EQ(tp->pli_out + tp->pli_suppressed, kf0 + 1);
	/* a FIR 30 ms later (past the consumer side's merge interval) */
	usleep(30000);
	struct dp_rtcp_fir_entry fe = {.ssrc = S3.ssrc, .seq = 1};
	len = dp_rtcp_build_fir(rtcp, sizeof(rtcp), 1, &fe, 1);
	int slen = br_send_srtcp(&B3, rtcp, len, sizeof(rtcp));
	CHECK(slen > 0);
	for (int i = 0; i < MH_WAIT_ITERS && tp->pli_out + tp->pli_suppressed < kf0 + 2; i++) {
		mh_pump(&H);
		usleep(1000);
	}
	CHECK(tp->pli_out + tp->pli_suppressed + mh_tc(&H, T_C3)->pli_suppressed >= kf0 + 2);
	CHECK_EQ(mh_take_event(&H, SL_MSG_KEYFRAME_REQUEST, SL_INVALID_ID, NULL), -ENOENT);
	/* whatever was coalesced is sent when the window ends: wait it out */
	kf_quiet(tp);
	/* a replayed SRTCP packet is refused */
	uint64_t rp = mh_tc(&H, T_C3)->drops[SL_DROP_SRTP_REPLAY];
	CHECK(slen > 0 && br_send(&B3, rtcp, (size_t)slen) == 0);
	CHECK_EQ(mh_wait_ge(&H, &mh_tc(&H, T_C3)->drops[SL_DROP_SRTP_REPLAY], rp + 1), rp + 1);
}

/* ---- RTCP the data plane sends to the producer ---- */


/* SRTCP on the producer's browser P until a sub-packet of type pt / fmt
 * (br_recv_rtcp: other RTCP skipped, RTP an error; at most 60 datagrams,
 * RRs come about once a second). Length, or < 0. */
static int p_recv_rtcp(uint8_t pt, uint8_t fmt, uint8_t *out, size_t cap)
{
	return br_recv_rtcp(&H, &P, 60, 0, pt, fmt, out, cap);
}

static int request_keyframe(uint32_t producer_id)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_REQUEST_KEYFRAME;
	m.h.transport_id = T_P;
	m.u.keyframe.producer_id = producer_id;
	m.u.keyframe.consumer_id = SL_INVALID_ID;
	return mh_cmd(&H, 0, &m);
}

static uint64_t mono_ms(void)
{
	return mh_now_us() / 1000u;
}

static void expect_pli(uint32_t media_ssrc)
{
	uint8_t sub[256];
	int n = p_recv_rtcp(DP_RTCP_PT_PSFB, DP_RTCP_FMT_PLI, sub, sizeof(sub));
	CHECK(n > 0);
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_fb fb;
	CHECK(n > 0 && dp_rtcp_pkt_parse(sub, (size_t)n, &pkt) == DP_RTCP_OK &&
	      dp_rtcp_parse_pli(&pkt, &fb) == DP_RTCP_OK);
	CHECK(n > 0 && fb.sender_ssrc == MH_SERVER_SSRC && fb.media_ssrc == media_ssrc);
}

/* SL_MSG_REQUEST_KEYFRAME (what the control plane sends for a resume or a
 * consumer's PLI it relays): an SRTCP PLI to the producer's tuple,
 * protected with the producer transport's keys; within 500 ms of the last
 * one a request is coalesced (counted) and sent when the window ends, not
 * dropped; FIR for a FIR-only producer. */
static void test_keyframe_to_producer(void)
{
	struct sl_transport_counters *tc = mh_tc(&H, T_P);
	br_drain(&P);
	uint64_t out0 = tc->pli_out, sup0 = tc->pli_suppressed, rtcp0 = tc->rtcp_out;
	uint64_t t0 = mono_ms();
	CHECK_EQ(request_keyframe(PROD), 0);
	CHECK_EQ(tc->pli_out, out0 + 1); /* counted before the RESULT */
	CHECK(tc->rtcp_out >= rtcp0 + 1);
	expect_pli(SSRC_B);
	/* a second and a third request right away are coalesced (unless this
	 * machine stalled for longer than the window between them) */
	CHECK_EQ(request_keyframe(PROD), 0);
	CHECK_EQ(request_keyframe(PROD), 0);
	int fast = mono_ms() - t0 < 400;
	if (fast) {
		CHECK_EQ(tc->pli_suppressed, sup0 + 2);
		CHECK_EQ(tc->pli_out, out0 + 1);
	}
	/* ... and answered by one PLI when the window ends, with no request
	 * more: deferred, not dropped */
	CHECK(mh_wait_ge(&H, &tc->pli_out, out0 + 2) >= out0 + 2);
	expect_pli(SSRC_B);
	uint64_t out1 = tc->pli_out;
	usleep(700000); /* nothing else was pending: no third PLI */
	if (fast)
		CHECK_EQ(tc->pli_out, out1);
	else
		CHECK(tc->pli_out <= out0 + 3);
	CHECK_EQ(request_keyframe(PROD + 77), -ENOENT);

	/* a producer that negotiated FIR only is asked with FIR */
	const struct mh_producer fir_only = {.tid = T_P, .id = PROD + 5, .ssrc = 0x33330000u,
					     .pt = 98, .flags = MH_FIR};
	CHECK_EQ(mh_producer_add(&H, 0, &fir_only), 0);
	CHECK_EQ(request_keyframe(PROD + 5), 0);
	uint8_t sub[256];
	int n = p_recv_rtcp(DP_RTCP_PT_PSFB, DP_RTCP_FMT_FIR, sub, sizeof(sub));
	CHECK(n > 0);
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_fir fir;
	CHECK(n > 0 && dp_rtcp_pkt_parse(sub, (size_t)n, &pkt) == DP_RTCP_OK &&
	      dp_rtcp_parse_fir(&pkt, &fir) == DP_RTCP_OK);
	CHECK(n > 0 && fir.sender_ssrc == MH_SERVER_SSRC && fir.count == 1 &&
	      fir.entry[0].ssrc == 0x33330000u && fir.entry[0].seq == 1);
	CHECK_EQ(cmd_simple(SL_MSG_PRODUCER_REMOVE, SL_INVALID_ID, PROD + 5), 0);
}

/* Sends one media packet with transport-wide seq tw from the producer
 * (forwarded to the three consumers, checked). */
static void tcc_send_one(uint16_t tw)
{
	uint8_t rtp[2048];
	g_seq++;
	size_t len = br_build_rtp(rtp, SSRC_B, 96, g_seq, 8000000u + g_seq * 3000u, tw, PAYLOAD);
	CHECK(br_send_srtp(&P, rtp, len, NULL) > 0);
	expect_rtp(&S1, g_seq, 1, (uint16_t)(g_seq + S1.off), 0, 0);
	expect_rtp(&S2, g_seq, 1, (uint16_t)(g_seq + S2.off), 0, 0);
	expect_rtp(&S3, g_seq, 1, (uint16_t)(g_seq + S3.off), 0, 0);
}

/* What transport-cc feedback said about seqs base .. base + span - 1. */
struct tcc_seen {
	uint16_t base;
	uint16_t span;          /* <= TCC_SEEN_MAX */
	int never_lost;         /* offset that must not be reported lost, or -1 */
	int only_lost;          /* the one offset that may be reported lost, or -1 */
	unsigned int n_recv;    /* offsets reported received at least once */
#define TCC_SEEN_MAX 512
	uint8_t recv[TCC_SEEN_MAX]; /* times reported received */
	uint8_t lost[TCC_SEEN_MAX]; /* times reported not received */
};

/* Feedback count of the last transport-cc feedback received, -1 = none. */
static int g_tcc_fb = -1;

/* Receives one transport-cc feedback packet (its count must follow the
 * previous one's) and adds what it says to ts. 0, or -1 when none comes. */
static int tcc_take(struct tcc_seen *ts, struct dp_rtcp_tcc_status *st, unsigned int st_cap)
{
	uint8_t sub[2048];
	int n = p_recv_rtcp(DP_RTCP_PT_RTPFB, DP_RTCP_FMT_TCC, sub, sizeof(sub));
	if (n <= 0)
		return -1;
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_tcc tcc;
	if (dp_rtcp_pkt_parse(sub, (size_t)n, &pkt) != DP_RTCP_OK ||
	    dp_rtcp_parse_tcc(&pkt, &tcc, st, st_cap) != DP_RTCP_OK) {
		CHECK(0);
		return 0;
	}
	CHECK_EQ(tcc.sender_ssrc, MH_SERVER_SSRC);
	CHECK_EQ(tcc.media_ssrc, SSRC_B);
	if (g_tcc_fb >= 0)
		CHECK_EQ(tcc.fb_count, (uint8_t)(g_tcc_fb + 1));
	g_tcc_fb = tcc.fb_count;
	for (unsigned int i = 0; i < tcc.status_count; i++) {
		uint16_t o = (uint16_t)(st[i].seq - ts->base);
		if (o >= ts->span)
			continue;
		if (st[i].symbol == DP_RTCP_TCC_NOT_RECEIVED) {
			CHECK(ts->never_lost != (int)o);
			CHECK(ts->only_lost < 0 || ts->only_lost == (int)o);
			ts->lost[o]++;
		} else {
			ts->n_recv += ts->recv[o] == 0;
			ts->recv[o]++;
		}
	}
	return 0;
}

/* Takes feedback into ts until offset off has been reported received
 * (want 1) or not received (want 0). 0, or -1 when that does not come
 * within 40 feedback packets. */
static int tcc_wait(struct tcc_seen *ts, unsigned int off, int want,
		    struct dp_rtcp_tcc_status *st, unsigned int st_cap)
{
	for (int k = 0; k < 40; k++) {
		if (want ? ts->recv[off] : ts->lost[off])
			return 0;
		if (tcc_take(ts, st, st_cap) != 0)
			return -1;
	}
	return (want ? ts->recv[off] : ts->lost[off]) ? 0 : -1;
}

/* Takes feedback into ts until n offsets were reported received, at most
 * max_fb packets. 0 or -1. */
static int tcc_wait_count(struct tcc_seen *ts, unsigned int n, int max_fb,
			  struct dp_rtcp_tcc_status *st, unsigned int st_cap)
{
	for (int k = 0; k < max_fb && ts->n_recv < n; k++)
		if (tcc_take(ts, st, st_cap) != 0)
			return -1;
	return ts->n_recv >= n ? 0 : -1;
}

/* A packet that arrives after a feedback reported it lost is reported
 * received in a later one (the next feedback restarts at it, as a
 * libwebrtc receiver does), so the sender's estimate does not count a
 * reordering as loss. Deterministic: each step waits for the feedback
 * that proves the previous flush happened. */
static void tcc_late_arrival(struct dp_rtcp_tcc_status *st, unsigned int st_cap)
{
	static struct tcc_seen ts = {.base = 53000, .span = 16, .never_lost = -1, .only_lost = -1};
	for (uint16_t o = 0; o < 3; o++)
		tcc_send_one((uint16_t)(ts.base + o));
	/* the first packets after a jump start a new report */
	CHECK_EQ(tcc_wait(&ts, 2, 1, st, st_cap), 0);
	tcc_send_one((uint16_t)(ts.base + 4));
	CHECK_EQ(tcc_wait(&ts, 3, 0, st, st_cap), 0); /* 3 lost so far */
	CHECK(ts.recv[4] == 1);
	/* 3 is found after all, and 4 (received) is never reported lost:
	 * the late one is not taken for a restarted sender */
	ts.never_lost = 4;
	tcc_send_one((uint16_t)(ts.base + 3));
	CHECK_EQ(tcc_wait(&ts, 3, 1, st, st_cap), 0);
	tcc_send_one((uint16_t)(ts.base + 5));
	CHECK_EQ(tcc_wait(&ts, 5, 1, st, st_cap), 0);
	/* a late one and a new one together (in one flush or two: either
	 * way both are reported received and 7 is never reported lost) */
	tcc_send_one((uint16_t)(ts.base + 7));
	CHECK_EQ(tcc_wait(&ts, 6, 0, st, st_cap), 0);
	ts.never_lost = 7;
	tcc_send_one((uint16_t)(ts.base + 6));
	tcc_send_one((uint16_t)(ts.base + 8));
	CHECK_EQ(tcc_wait(&ts, 6, 1, st, st_cap), 0);
	CHECK_EQ(tcc_wait(&ts, 8, 1, st, st_cap), 0);
	for (unsigned int o = 0; o < 9; o++)
		CHECK_EQ(ts.recv[o] > 0, 1);
}

/* Transport-wide congestion control feedback: packets carrying the
 * transport-cc element (id BR_EXT_TCC) are reported to the producer as
 * received, the gaps as not received, feedback counts incrementing. */
static void test_tcc_feedback(void)
{
	static const uint16_t offs[] = {0, 1, 2, 4, 5, 8, 7, 9}; /* 3, 6 missing; 8 before 7 */
	const unsigned int n_offs = sizeof(offs) / sizeof(offs[0]);
	static struct dp_rtcp_tcc_status st[4096];
	const unsigned int st_cap = sizeof(st) / sizeof(st[0]);
	static struct tcc_seen t1 = {.base = 50000, .span = 10, .never_lost = -1, .only_lost = -1};
	br_drain(&P);
	for (unsigned int i = 0; i < n_offs; i++)
		tcc_send_one((uint16_t)(t1.base + offs[i]));
	CHECK_EQ(tcc_wait_count(&t1, n_offs, 200, st, st_cap), 0);
	for (unsigned int o = 0; o < 10; o++) {
		int sent = !(o == 3 || o == 6);
		CHECK_EQ(t1.recv[o] > 0, sent);
		/* 7 came after 8: if a feedback went out between them, 8 is
		 * reported again with 7 */
		CHECK(t1.recv[o] <= 2);
	}
	/* the gaps inside one feedback are reported as not received */
	CHECK(t1.lost[3] >= 1 && t1.lost[6] >= 1);

	/* 300 packets, one seq missing in the middle: more than one feedback
	 * packet takes (by the period or the size limit); every seq sent is
	 * reported received exactly once, only the missing one not received */
	enum { N2 = 300, GAP2 = 150 };
	static struct tcc_seen t2 = {.base = 51000, .span = N2 + 1, .never_lost = -1,
				     .only_lost = GAP2};
	br_drain(&P);
	for (unsigned int i = 0; i < N2; i++)
		tcc_send_one((uint16_t)(t2.base + i + (i >= GAP2)));
	CHECK_EQ(tcc_wait_count(&t2, N2, 400, st, st_cap), 0);
	for (unsigned int o = 0; o <= N2; o++)
		CHECK_EQ(t2.recv[o], o != GAP2);
	CHECK(t2.lost[GAP2] >= 1);
	tcc_late_arrival(st, st_cap);
}

/* Receiver reports to the producer (about once a second): one block
 * about its media SSRC with the highest sequence number received, and
 * LSR/DLSR from the SR it sent. */
static void test_receiver_report(void)
{
	const uint64_t sr_ntp = 0x1234567890abcdefull;
	br_drain(&P);
	CHECK_EQ(br_send_sr(&H, &P, SSRC_B, sr_ntp, 1), 0);
	int found = 0;
	for (int k = 0; k < 10 && !found; k++) { /* RRs before the SR have no LSR */
		uint8_t sub[512];
		int n = p_recv_rtcp(DP_RTCP_PT_RR, 1, sub, sizeof(sub));
		CHECK(n > 0);
		if (n <= 0)
			break;
		struct dp_rtcp_pkt pkt;
		struct dp_rtcp_rr rr;
		CHECK(dp_rtcp_pkt_parse(sub, (size_t)n, &pkt) == DP_RTCP_OK &&
		      dp_rtcp_parse_rr(&pkt, &rr) == DP_RTCP_OK);
		CHECK_EQ(rr.ssrc, MH_SERVER_SSRC);
		CHECK_EQ(rr.rb_count, 1);
		if (rr.rb[0].ssrc != SSRC_B) {
			CHECK(rr.rb[0].ssrc == 0x33330000u); /* nothing else produces here */
			continue;
		}
		CHECK_EQ(rr.rb[0].ext_highest_seq & 0xffffu, g_seq);
		CHECK(rr.rb[0].cumulative_lost >= 0);
		if (rr.rb[0].lsr == 0)
			continue;
		CHECK_EQ(rr.rb[0].lsr, dp_rtcp_ntp_mid32(sr_ntp));
		CHECK(rr.rb[0].dlsr < 65536u * 5u); /* sent within seconds of the SR */
		found = 1;
	}
	CHECK(found);
}

/* Sender reports to consumers (about once a second): from the consumer's
 * SSRC, counting exactly the packets (and payload octets) it was sent, and
 * with an NTP/RTP pair on the producer's SR mapping moved onto the
 * consumer's timestamps: (rtp - producer rtp - ts offset) / clock rate ==
 * ntp - producer ntp, within 50 ms. */
static void check_sender_report(struct cstate *cs, uint64_t p_ntp, uint32_t p_rtp,
				uint32_t ts_off)
{
	struct dp_rtcp_sr sr;
	int rc = br_recv_sr(&H, cs->b, 20, 0, &sr); /* RTP meanwhile: an error (none is sent) */
	CHECK_EQ(rc, 0);
	if (rc)
		return;
	CHECK_EQ(sr.ssrc, cs->ssrc);
	CHECK_EQ(sr.rb_count, 0);
	CHECK_EQ(sr.packet_count, cs->n_rx);
	CHECK_EQ(sr.octet_count, cs->n_rx * PAYLOAD);
	double dt_ntp = (double)(int64_t)(sr.ntp - p_ntp) / 4294967296.0;
	double dt_rtp = (double)(int32_t)(sr.rtp_ts - p_rtp - ts_off) / 90000.0;
	CHECK(dt_ntp >= 0.0 && dt_ntp < 30.0);
	CHECK(dt_rtp - dt_ntp < 0.05 && dt_ntp - dt_rtp < 0.05);
	if (!(dt_rtp - dt_ntp < 0.05 && dt_ntp - dt_rtp < 0.05))
		fprintf(stderr, "sr mapping: dt_ntp %.6f dt_rtp %.6f\n", dt_ntp, dt_rtp);
}

static void test_sender_report(void)
{
	const uint64_t p_ntp = 0xdead00a080000000ull; /* x.5 s */
	const uint32_t p_rtp = 0xfffff000u;           /* wraps soon after */
	CHECK_EQ(br_send_sr(&H, &P, SSRC_B, p_ntp, p_rtp), 0);
	/* media carries the mapping to the consumers; the consumers' RTP
	 * timestamp offsets are learned from what arrives */
	uint32_t in_ts = p_rtp + 4500u;
	g_seq++;
	CHECK(send_media(SSRC_B, g_seq, in_ts, NULL) > 0);
	expect_rtp(&S1, g_seq, 1, (uint16_t)(g_seq + S1.off), 0, 0);
	expect_rtp(&S3, g_seq, 1, (uint16_t)(g_seq + S3.off), 0, 0);
	expect_rtp(&S2, g_seq, 1, (uint16_t)(g_seq + S2.off), 0, 0);
	uint32_t off1 = S1.last_ts - in_ts, off3 = S3.last_ts - in_ts;
	check_sender_report(&S1, p_ntp, p_rtp, off1);
	check_sender_report(&S3, p_ntp, p_rtp, off3);
	/* more media: the next report counts it */
	for (int i = 0; i < 3; i++) {
		g_seq++;
		in_ts += 3000u;
		CHECK(send_media(SSRC_B, g_seq, in_ts, NULL) > 0);
		expect_rtp(&S1, g_seq, 1, (uint16_t)(g_seq + S1.off), S1.last_ts + 3000u, 1);
		expect_rtp(&S2, g_seq, 1, (uint16_t)(g_seq + S2.off), 0, 0);
		expect_rtp(&S3, g_seq, 1, (uint16_t)(g_seq + S3.off), 0, 0);
	}
	check_sender_report(&S1, p_ntp, p_rtp, off1);
}

static void test_ice_timeout(void)
{
	struct sl_msg ev;
	CHECK_EQ(br_ice(&H, &BTO, 1), 0);
	check_selected(T_TO, &BTO);
	/* no more checks: the data plane reports it after 300 ms, once */
	CHECK_EQ(mh_wait_event(&H, SL_MSG_ICE_DISCONNECTED, T_TO, &ev), 0);
	CHECK_EQ(ntohs(ev.u.ice.tuple.remote_port), BTO.port);
	uint8_t rtp[512];
	size_t len = br_build_rtp(rtp, 0x5555, 96, 1, 1, 1, 20);
	uint64_t d = mh_tc(&H, T_TO)->drops[SL_DROP_ICE_DISCONNECTED];
	CHECK(br_send_srtp(&BTO, rtp, len, NULL) > 0);
	CHECK_EQ(mh_wait_ge(&H, &mh_tc(&H, T_TO)->drops[SL_DROP_ICE_DISCONNECTED], d + 1), d + 1);
	CHECK_EQ(mh_take_event(&H, SL_MSG_ICE_DISCONNECTED, T_TO, NULL), -ENOENT);
	/* a valid check connects it again */
	CHECK_EQ(br_ice(&H, &BTO, 0), 0);
	check_selected(T_TO, &BTO);
}

static void test_teardown(void)
{
	CHECK_EQ(cmd_simple(SL_MSG_TRANSPORT_DESTROY, T_C2, 0), 0);
	br_drain(&B2); /* sender reports sent before it was destroyed */
	CHECK_EQ(mh_lc(&H, 0)->transports, 5);
	CHECK_EQ(mh_lc(&H, 0)->consumers, 3);
	CHECK_EQ(cmd_simple(SL_MSG_CONSUMER_PAUSE, T_C2, C2), -ENOENT);
	g_seq++;
	CHECK(send_media(SSRC_B, g_seq, 1, NULL) > 0);
	expect_rtp(&S1, g_seq, 1, (uint16_t)(g_seq + S1.off), 0, 0);
	expect_rtp(&S3, g_seq, 1, (uint16_t)(g_seq + S3.off), 0, 0);
	CHECK(!br_pending(&B2));
	CHECK_EQ(cmd_simple(SL_MSG_CONSUMER_REMOVE, T_C3, C3), 0);
	CHECK_EQ(cmd_simple(SL_MSG_CONSUMER_REMOVE, T_C3, C3), -ENOENT);
	CHECK_EQ(cmd_simple(SL_MSG_TRANSPORT_DESTROY, T_P, 0), 0);
	CHECK_EQ(mh_lc(&H, 0)->producers, 0);
	/* the transport id can be used again */
	struct browser again;
	CHECK_EQ(br_open(&again, &H, 0), 0);
	CHECK_EQ(br_transport(&H, &again, T_P, 0), 0);
	CHECK_EQ(br_ice(&H, &again, 1), 0);
	check_selected(T_P, &again);
	br_close(&again);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <shm-name> <tap-interface>\n", argv[0]);
		return 2;
	}
	IFNAME = argv[2];
	srand(1);
	if (mh_init(&H, argv[1]) != 0)
		return 1;
	if (dp_srtp_global_init() != 0)
		return 1;
	test_commands();
	test_ice();
	test_dtls();
	test_media();
	test_source_change_rtx();
	test_srtp_drops_and_garbage();
	test_frames();
	test_rebinding();
	test_rtcp_keyframe();
	test_keyframe_to_producer();
	test_tcc_feedback();
	test_receiver_report();
	test_sender_report();
	test_ice_timeout();
	test_teardown();
	printf("lcore 0: rx %llu tx %llu rtp_in %llu rtp_out %llu stun %llu\n",
	       (unsigned long long)mh_lc(&H, 0)->rx_pkts, (unsigned long long)mh_lc(&H, 0)->tx_pkts,
	       (unsigned long long)mh_lc(&H, 0)->rtp_in, (unsigned long long)mh_lc(&H, 0)->rtp_out,
	       (unsigned long long)mh_lc(&H, 0)->stun_replies);
	br_close(&P);
	br_close(&B1);
	br_close(&B2);
	br_close(&B3);
	br_close(&BNK);
	br_close(&BTO);
	mh_fini(&H);
	return check_report("test_media_e2e");
}
