/* SPDX-License-Identifier: MIT */
/* media_harness - see media_harness.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dp_rtp.h"
#include "media_harness.h"

/* ------------------------------------------------------------------ */
/* Control plane side                                                  */
/* ------------------------------------------------------------------ */

/* Removes q[i] of the *n queued, copied to out unless out is NULL. */
static void q_take(struct sl_msg *q, unsigned int *n, unsigned int i, struct sl_msg *out)
{
	if (out)
		*out = q[i];
	memmove(&q[i], &q[i + 1], (*n - i - 1) * sizeof(q[0]));
	(*n)--;
}

static void on_event(void *user, unsigned int lcore, const struct sl_msg *m)
{
	struct mh *h = user;
	(void)lcore;
	if (m->h.type == SL_MSG_STREAM_STATS) {
		if (h->stq_n == MH_STQ)
			q_take(h->stq, &h->stq_n, 0, NULL);
		h->stq[h->stq_n++] = *m;
		return;
	}
	if (h->evq_n == MH_EVQ) { /* keep the newest: drop the oldest */
		if (h->evq[0].h.type == SL_MSG_DTLS_RECV)
			cp_dp_slot_free(&h->dp, h->evq[0].u.packet.slot);
		q_take(h->evq, &h->evq_n, 0, NULL);
	}
	h->evq[h->evq_n++] = *m;
}

static void on_ready(void *user)
{
	((struct mh *)user)->ready = 1;
}

void mh_pump(struct mh *h)
{
	h->dp.next_try_ns = 0;
	cp_dp_tick(&h->dp);
}

int mh_init(struct mh *h, const char *shm)
{
	struct cp_dp_handlers hd = {.on_event = on_event, .on_ready = on_ready, .user = h};
	memset(h, 0, sizeof(*h));
	cp_dp_init(&h->dp, shm, 5000, &hd);
	for (int i = 0; i < MH_WAIT_ITERS && !h->ready; i++) {
		mh_pump(h);
		usleep(1000);
	}
	if (!h->ready) {
		fprintf(stderr, "harness: data plane %s not ready\n", shm);
		return -1;
	}
	h->hdr = h->dp.shm.hdr;
	h->hmac = dp_stun_hmac_new();
	return h->hmac ? 0 : -1;
}

void mh_fini(struct mh *h)
{
	dp_stun_hmac_free(h->hmac);
	cp_dp_fini(&h->dp);
}

static int find_event(struct mh *h, uint16_t type, uint32_t tid, uint32_t seq,
		      struct sl_msg *out)
{
	for (unsigned int i = 0; i < h->evq_n; i++) {
		const struct sl_msg *m = &h->evq[i];
		if (m->h.type != type || (tid != SL_INVALID_ID && m->h.transport_id != tid) ||
		    (seq && m->h.seq != seq))
			continue;
		q_take(h->evq, &h->evq_n, i, out);
		return 0;
	}
	return -ENOENT;
}

int mh_take_event(struct mh *h, uint16_t type, uint32_t tid, struct sl_msg *out)
{
	mh_pump(h);
	return find_event(h, type, tid, 0, out);
}

int mh_take_stats(struct mh *h, uint32_t producer_id, uint32_t consumer_id, struct sl_msg *out)
{
	mh_pump(h);
	for (unsigned int i = 0; i < h->stq_n; i++) {
		const struct sl_msg_stream_stats *s = &h->stq[i].u.stream_stats;
		if ((producer_id != SL_INVALID_ID && s->producer_id != producer_id) ||
		    (consumer_id != SL_INVALID_ID && s->consumer_id != consumer_id))
			continue;
		q_take(h->stq, &h->stq_n, i, out);
		return 0;
	}
	return -ENOENT;
}

int mh_wait_event(struct mh *h, uint16_t type, uint32_t tid, struct sl_msg *out)
{
	for (int i = 0; i < MH_WAIT_ITERS; i++) {
		mh_pump(h);
		if (find_event(h, type, tid, 0, out) == 0)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

int mh_cmd(struct mh *h, unsigned int lcore, struct sl_msg *m)
{
	struct sl_msg r;
	m->h.seq = 0;
	int rc = cp_dp_send(&h->dp, lcore, m, 1);
	if (rc)
		return rc;
	for (int i = 0; i < MH_WAIT_ITERS; i++) {
		mh_pump(h);
		if (find_event(h, SL_MSG_RESULT, SL_INVALID_ID, m->h.seq, &r) == 0)
			return r.u.result.status;
		usleep(200);
	}
	return -ETIMEDOUT;
}

struct sl_lcore_counters *mh_lc(const struct mh *h, unsigned int lcore)
{
	return &sl_shm_lcore(h->hdr, lcore)->counters;
}

struct sl_transport_counters *mh_tc(const struct mh *h, uint32_t tid)
{
	return sl_shm_tcounters(h->hdr, tid);
}

uint64_t mh_drops(const struct mh *h, unsigned int reason)
{
	uint64_t s = 0;
	for (unsigned int i = 0; i < h->hdr->n_lcores; i++)
		s += __atomic_load_n(&mh_lc(h, i)->drops[reason], __ATOMIC_RELAXED);
	return s;
}

uint64_t mh_lsum(const struct mh *h, size_t off)
{
	uint64_t s = 0;
	for (unsigned int i = 0; i < h->hdr->n_lcores; i++)
		s += __atomic_load_n((const uint64_t *)((const uint8_t *)mh_lc(h, i) + off),
				     __ATOMIC_RELAXED);
	return s;
}

uint64_t mh_wait_ge(struct mh *h, const volatile uint64_t *p, uint64_t want)
{
	uint64_t v = *p;
	for (int i = 0; i < MH_WAIT_ITERS && v < want; i++) {
		mh_pump(h);
		usleep(1000);
		v = *p;
	}
	return v;
}

uint64_t mh_wait_drops(struct mh *h, unsigned int reason, uint64_t want)
{
	uint64_t v = mh_drops(h, reason);
	for (int i = 0; i < MH_WAIT_ITERS && v < want; i++) {
		mh_pump(h);
		usleep(1000);
		v = mh_drops(h, reason);
	}
	return v;
}

uint64_t mh_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

int mh_producer_add(struct mh *h, unsigned int lcore, const struct mh_producer *p)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_PRODUCER_ADD;
	m.h.transport_id = p->tid;
	struct sl_msg_producer_add *a = &m.u.producer_add;
	a->producer_id = p->id;
	a->ssrc = p->ssrc;
	a->kind = SL_KIND_VIDEO;
	a->payload_type = p->pt;
	a->n_pt = 1;
	a->pts[0] = p->pt;
	if (p->rtx_ssrc) {
		a->rtx_ssrc = p->rtx_ssrc;
		a->rtx_payload_type = (uint8_t)(p->pt + 1);
		a->pts[a->n_pt++] = a->rtx_payload_type;
	}
	a->clock_rate = 90000;
	if (p->flags & MH_BR_EXTS) {
		a->ext.mid = BR_EXT_MID;
		a->ext.abs_send_time = BR_EXT_ABS;
		a->ext.transport_cc = BR_EXT_TCC;
		a->ext.video_orientation = BR_EXT_VO;
	}
	a->nack = !!(p->flags & MH_NACK);
	a->pli = !!(p->flags & MH_PLI);
	a->fir = !!(p->flags & MH_FIR);
	a->tcc = !!(p->flags & MH_TCC);
	int rc = mh_cmd(h, lcore, &m);
	if (rc || !p->fanout)
		return rc;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_PRODUCER_FANOUT;
	m.h.transport_id = p->tid;
	m.u.producer_fanout.producer_id = p->id;
	m.u.producer_fanout.lcore_mask = p->fanout;
	return mh_cmd(h, lcore, &m);
}

int mh_consumer_add(struct mh *h, unsigned int lcore, const struct mh_consumer *c)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_CONSUMER_ADD;
	m.h.transport_id = c->tid;
	struct sl_msg_consumer_add *a = &m.u.consumer_add;
	a->consumer_id = c->id;
	a->producer_id = c->producer_id;
	a->ssrc = c->ssrc;
	a->rtx_ssrc = c->rtx_ssrc;
	a->rtx_payload_type = c->rtx_ssrc ? c->rtx_pt : 0;
	a->kind = SL_KIND_VIDEO;
	a->n_pt = 1;
	a->pt_map[0].from = 96;
	a->pt_map[0].to = c->pt;
	a->paused = !!(c->flags & MH_PAUSED);
	a->clock_rate = 90000;
	a->ext = c->ext;
	a->nack = !!(c->flags & MH_NACK);
	a->pli = !!(c->flags & MH_PLI);
	return mh_cmd(h, lcore, &m);
}

int mh_cmd_ref(struct mh *h, unsigned int lcore, uint16_t type, uint32_t tid, uint32_t id)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = type;
	m.h.transport_id = tid;
	m.u.consumer_ref.consumer_id = id;
	return mh_cmd(h, lcore, &m);
}

/* ------------------------------------------------------------------ */
/* Browsers                                                            */
/* ------------------------------------------------------------------ */

static int open_socket(struct browser *b)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int rcv = 4 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	inet_pton(AF_INET, MH_LOCAL_IP, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto fail;
	if (getsockname(fd, (struct sockaddr *)&a, &al) != 0)
		goto fail;
	b->port = ntohs(a.sin_port);
	inet_pton(AF_INET, MH_DP_IP, &a.sin_addr);
	a.sin_port = htons(b->dp_port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto fail;
	b->fd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

int br_open(struct browser *b, const struct mh *h, unsigned int lcore)
{
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->lcore = lcore;
	b->dp_port = (uint16_t)(h->hdr->port_base + lcore);
	b->tid = SL_INVALID_ID;
	return open_socket(b);
}

int br_rebind(struct browser *b, const struct mh *h)
{
	(void)h;
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	return open_socket(b);
}

void br_close(struct browser *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	dp_srtp_destroy(b->srtp);
	b->srtp = NULL;
}

int br_transport(struct mh *h, struct browser *b, uint32_t tid, uint32_t ice_timeout_ms)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_TRANSPORT_CREATE;
	m.h.transport_id = tid;
	snprintf(b->ufrag, sizeof(b->ufrag), "uf%08x%06x", tid, (unsigned)b->port);
	snprintf(b->pwd, sizeof(b->pwd), "pw%08x0123456789abcdefghijklmn", tid);
	memcpy(m.u.transport_create.ice_ufrag, b->ufrag, strlen(b->ufrag));
	memcpy(m.u.transport_create.ice_pwd, b->pwd, strlen(b->pwd));
	m.u.transport_create.local_port = b->dp_port;
	m.u.transport_create.ice_timeout_ms = ice_timeout_ms;
	int rc = mh_cmd(h, b->lcore, &m);
	if (rc == 0)
		b->tid = tid;
	return rc;
}

int br_keys(struct mh *h, struct browser *b, enum sl_srtp_profile profile, uint8_t salt)
{
	struct sl_msg m;
	uint8_t kl, sl;
	if (dp_srtp_key_lengths(profile, &kl, &sl) != 0)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_SRTP_KEYS;
	m.h.transport_id = b->tid;
	m.u.srtp_keys.profile = (uint16_t)profile;
	m.u.srtp_keys.key_len = kl;
	m.u.srtp_keys.salt_len = sl;
	for (unsigned int i = 0; i < SL_SRTP_MASTER_MAX; i++) {
		m.u.srtp_keys.rx[i] = (uint8_t)(i * 11u + salt);
		m.u.srtp_keys.tx[i] = (uint8_t)(i * 29u + salt + 101u);
	}
	int rc = mh_cmd(h, b->lcore, &m);
	if (rc)
		return rc;
	b->keys = m.u.srtp_keys;
	dp_srtp_destroy(b->srtp);
	b->srtp = NULL;
	/* the browser receives what the transport sends (its tx) and the other way */
	if (dp_srtp_create(&b->srtp, profile, m.u.srtp_keys.tx, m.u.srtp_keys.rx, kl, sl) !=
	    DP_SRTP_OK)
		return -EIO;
	b->tx_overhead = dp_srtp_max_overhead(profile);
	return 0;
}

int br_send(const struct browser *b, const void *buf, size_t len)
{
	return send(b->fd, buf, len, 0) == (ssize_t)len ? 0 : -1;
}

int br_pending(const struct browser *b)
{
	struct pollfd p = {.fd = b->fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

int br_drain(const struct browser *b)
{
	uint8_t buf[2048];
	int n = 0;
	while (recv(b->fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

int br_recv(struct mh *h, const struct browser *b, uint8_t *buf, size_t cap)
{
	for (int i = 0; i < MH_WAIT_ITERS; i++) {
		ssize_t n = recv(b->fd, buf, cap, MSG_DONTWAIT);
		if (n >= 0)
			return (int)n;
		struct pollfd p = {.fd = b->fd, .events = POLLIN};
		poll(&p, 1, 1);
		if ((i & 15) == 0)
			mh_pump(h);
	}
	return -1;
}

size_t br_stun_request(struct mh *h, const struct browser *b, uint8_t *out, size_t cap,
		       int use_cand, const char *pwd, const char *ufrag, uint8_t txid[12])
{
	char user[128];
	size_t len = 0;
	for (int i = 0; i < 12; i++)
		txid[i] = (uint8_t)rand();
	snprintf(user, sizeof(user), "%s:br%u", ufrag, (unsigned)b->port);
	struct dp_stun_request req = {
		.txid = txid, .username = (const uint8_t *)user, .username_len = strlen(user),
		.priority = 0x6e0001ffu, .controlling = 1, .tiebreaker = 0x1122334455667788ull,
		.use_candidate = use_cand, .key = (const uint8_t *)pwd, .key_len = strlen(pwd),
	};
	if (dp_stun_build_request(h->hmac, out, cap, &len, &req) != DP_STUN_OK)
		return 0;
	return len;
}

int br_ice(struct mh *h, struct browser *b, int use_cand)
{
	uint8_t req[512], resp[2048], txid[12];
	size_t len = br_stun_request(h, b, req, sizeof(req), use_cand, b->pwd, b->ufrag, txid);
	if (len == 0 || br_send(b, req, len) != 0)
		return -1;
	int n = br_recv(h, b, resp, sizeof(resp));
	if (n <= 0)
		return -1;
	struct dp_stun_msg m;
	struct sl_tuple t;
	if (dp_stun_parse(resp, (size_t)n, &m) != DP_STUN_OK || m.cls != DP_STUN_CLASS_SUCCESS ||
	    m.method != DP_STUN_METHOD_BINDING || memcmp(m.txid, txid, 12) != 0) {
		fprintf(stderr, "harness: bad STUN answer on port %u\n", b->port);
		return -1;
	}
	if (dp_stun_check_integrity(h->hmac, resp, (size_t)n, &m, (const uint8_t *)b->pwd,
				    strlen(b->pwd)) != DP_STUN_OK ||
	    dp_stun_check_fingerprint(resp, (size_t)n, &m) != DP_STUN_OK ||
	    dp_stun_xor_mapped(resp, (size_t)n, &m, &t) != DP_STUN_OK) {
		fprintf(stderr, "harness: STUN answer does not verify\n");
		return -1;
	}
	struct in_addr me;
	inet_pton(AF_INET, MH_LOCAL_IP, &me);
	if (t.family != 4 || memcmp(t.remote_addr, &me, 4) != 0 ||
	    t.remote_port != htons(b->port)) {
		fprintf(stderr, "harness: XOR-MAPPED-ADDRESS is not this socket\n");
		return -1;
	}
	return 0;
}

int br_connect(struct mh *h, struct browser *b, unsigned int lcore, uint32_t tid,
	       enum sl_srtp_profile profile, uint8_t salt)
{
	const char *step = NULL;
	if (br_open(b, h, lcore) != 0)
		step = "socket";
	else if (br_transport(h, b, tid, 0) != 0)
		step = "TRANSPORT_CREATE";
	else if (br_ice(h, b, 1) != 0)
		step = "ICE check";
	else if (mh_wait_event(h, SL_MSG_ICE_SELECTED, tid, NULL) != 0)
		step = "ICE_SELECTED";
	else if (br_keys(h, b, profile, salt) != 0)
		step = "SRTP_KEYS";
	if (!step)
		return 0;
	fprintf(stderr, "harness: transport %u: %s failed\n", tid, step);
	return -1;
}

size_t br_build_rtp(uint8_t *out, uint32_t ssrc, uint8_t pt, uint16_t seq, uint32_t ts,
		    uint16_t twcc, size_t payload_len)
{
	uint8_t *p = out;
	p[0] = 0x90; /* V=2, X=1 */
	p[1] = pt & 0x7f;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	/* 0xBEDE, 3 words: mid "0", abs(3), vo(1), tcc(2), 1 byte pad = 12 */
	static const uint8_t ext_hdr[4] = {0xbe, 0xde, 0x00, 0x03};
	memcpy(p + 12, ext_hdr, 4);
	uint8_t *e = p + 16;
	*e++ = (uint8_t)(BR_EXT_MID << 4 | 0);
	*e++ = '0';
	*e++ = (uint8_t)(BR_EXT_ABS << 4 | 2);
	*e++ = 0x12;
	*e++ = 0x34;
	*e++ = 0x56;
	*e++ = (uint8_t)(BR_EXT_VO << 4 | 0);
	*e++ = 0x05;
	*e++ = (uint8_t)(BR_EXT_TCC << 4 | 1);
	*e++ = (uint8_t)(twcc >> 8);
	*e++ = (uint8_t)twcc;
	*e++ = 0;
	for (size_t i = 0; i < payload_len; i++)
		p[28 + i] = br_payload_byte(seq, i);
	return 28 + payload_len;
}

int br_send_srtp(struct browser *b, const uint8_t *rtp, size_t len, uint8_t *out)
{
	uint8_t buf[2048];
	uint32_t n = (uint32_t)len;
	memcpy(buf, rtp, len);
	if (dp_srtp_protect_rtp(b->srtp, buf, &n, sizeof(buf)) != DP_SRTP_OK)
		return -1;
	if (out)
		memcpy(out, buf, n);
	return br_send(b, buf, n) == 0 ? (int)n : -1;
}

int br_send_rtx(struct browser *b, const uint8_t *rtp, size_t len, uint32_t rtx_ssrc,
		uint8_t rtx_pt, uint16_t rtx_seq)
{
	uint8_t rtx[2048];
	size_t rlen;
	struct dp_rtp_info ri;
	if (dp_rtp_parse(rtp, len, &ri) != DP_RTP_OK ||
	    dp_rtp_rtx_wrap(rtp, len, &ri, rtx, sizeof(rtx), &rlen, rtx_ssrc, rtx_pt, rtx_seq) !=
		    DP_RTP_OK)
		return -1;
	return br_send_srtp(b, rtx, rlen, NULL);
}

int br_send_srtcp(struct browser *b, uint8_t *rtcp, size_t len, size_t cap)
{
	uint32_t n = (uint32_t)len;
	if (len == 0 || dp_srtp_protect_rtcp(b->srtp, rtcp, &n, cap) != DP_SRTP_OK)
		return -1;
	return br_send(b, rtcp, n) == 0 ? (int)n : -1;
}

int br_send_srtcp_counted(struct mh *h, struct browser *b, uint8_t *rtcp, size_t len,
			  size_t cap)
{
	const volatile uint64_t *ctr = &mh_tc(h, b->tid)->rtcp_in;
	uint64_t in = *ctr;
	if (br_send_srtcp(b, rtcp, len, cap) < 0)
		return -1;
	return mh_wait_ge(h, ctr, in + 1) == in + 1 ? 0 : -1;
}

int br_send_sr(struct mh *h, struct browser *b, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts)
{
	uint8_t rtcp[256];
	struct dp_rtcp_sr sr;
	memset(&sr, 0, sizeof(sr));
	sr.ssrc = ssrc;
	sr.ntp = ntp;
	sr.rtp_ts = rtp_ts;
	size_t len = dp_rtcp_build_sr(rtcp, sizeof(rtcp), &sr);
	return br_send_srtcp_counted(h, b, rtcp, len, sizeof(rtcp));
}

static int is_rtcp(const uint8_t *buf, int n)
{
	return n >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

int br_recv_rtp_raw(struct mh *h, const struct browser *b, uint8_t *buf, size_t cap)
{
	for (int skipped = 0; skipped < 100; skipped++) {
		int n = br_recv(h, b, buf, cap);
		if (n < 0 || !is_rtcp(buf, n)) /* the data plane's SRTCP is not looked at here */
			return n;
	}
	return -1;
}

/* Unprotects r->buf (r->len bytes) in place and parses it into r. 0 or -2. */
static int rx_parse(struct browser *b, struct rx_rtp *r)
{
	struct dp_rtp_info ri;
	if (dp_srtp_unprotect_rtp(b->srtp, r->buf, &r->len, r->len) != DP_SRTP_OK ||
	    dp_rtp_parse(r->buf, r->len, &ri) != DP_RTP_OK)
		return -2;
	r->ssrc = ri.ssrc;
	r->seq = ri.seq;
	r->ts = ri.ts;
	r->pt = ri.pt;
	r->payload_off = ri.payload_off;
	r->payload_len = ri.payload_len;
	r->ext_n = 0;
	struct dp_rtp_ext_iter it;
	struct dp_rtp_ext_elem e;
	dp_rtp_ext_iter_init(&it, &ri);
	enum dp_rtp_status st;
	while ((st = dp_rtp_ext_next(&it, r->buf, &e)) == DP_RTP_OK && r->ext_n < 16) {
		r->ext_id[r->ext_n] = e.id;
		r->ext_len[r->ext_n] = e.len;
		r->ext_off[r->ext_n] = e.off;
		r->ext_n++;
	}
	return st == DP_RTP_MALFORMED ? -2 : 0;
}

int br_recv_rtp(struct mh *h, struct browser *b, struct rx_rtp *r)
{
	int n = br_recv_rtp_raw(h, b, r->buf, sizeof(r->buf));
	if (n < 0)
		return -1;
	r->len = (uint32_t)n;
	return rx_parse(b, r);
}

int br_unprotect_rtp(struct browser *b, const uint8_t *raw, size_t n, struct rx_rtp *r)
{
	if (n == 0 || n > sizeof(r->buf))
		return -2;
	memcpy(r->buf, raw, n);
	r->len = (uint32_t)n;
	return rx_parse(b, r);
}

int rx_ext_find(const struct rx_rtp *r, uint8_t id)
{
	for (int i = 0; i < r->ext_n; i++)
		if (r->ext_id[i] == id)
			return i;
	return -1;
}

int br_recv_rtcp(struct mh *h, struct browser *b, int tries, int rtp_ok, uint8_t pt,
		 uint8_t fmt, uint8_t *out, size_t cap)
{
	for (; tries > 0; tries--) {
		uint8_t buf[2048];
		int n = br_recv(h, b, buf, sizeof(buf));
		if (n <= 0)
			return -1;
		if (!is_rtcp(buf, n) || n < 8) {
			if (rtp_ok)
				continue;
			return -2;
		}
		uint32_t len = (uint32_t)n;
		struct dp_rtcp_iter it;
		struct dp_rtcp_pkt pkt;
		if (dp_srtp_unprotect_rtcp(b->srtp, buf, &len, len) != DP_SRTP_OK ||
		    dp_rtcp_iter_init(&it, buf, len) != DP_RTCP_OK)
			return -2;
		while (dp_rtcp_iter_next(&it, &pkt)) {
			if (pkt.pt != pt || pkt.count != fmt || pkt.len > cap)
				continue;
			size_t rest = len - pkt.offset;
			if (rest > cap)
				rest = cap;
			memcpy(out, pkt.hdr, rest);
			return (int)rest;
		}
	}
	return -1;
}

int br_recv_sr(struct mh *h, struct browser *b, int tries, int rtp_ok, struct dp_rtcp_sr *sr)
{
	uint8_t sub[512];
	struct dp_rtcp_pkt pkt;
	int n = br_recv_rtcp(h, b, tries, rtp_ok, DP_RTCP_PT_SR, 0, sub, sizeof(sub));
	if (n <= 0)
		return n;
	if (dp_rtcp_pkt_parse(sub, (size_t)n, &pkt) != DP_RTCP_OK ||
	    dp_rtcp_parse_sr(&pkt, sr) != DP_RTCP_OK)
		return -2;
	return 0;
}
