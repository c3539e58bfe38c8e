/* SPDX-License-Identifier: MIT */
/*
 * lg_net.c - a transport's UDP side as a browser does it against an ICE-lite
 * server: one UDP socket connected to the server's host candidate (IPv4, or
 * IPv6 with --family 6); ICE
 * binding requests (USERNAME server:ours, PRIORITY, ICE-CONTROLLING,
 * USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT) until the first success
 * response, then consent checks every 5 s; the DTLS 1.2 client handshake
 * (controlplane/dtls/cp_dtls: use_srtp, the server certificate checked
 * against the signalled sha-256 fingerprint); then SRTP/SRTCP with the
 * negotiated profile (dataplane/srtp/dp_srtp).
 *
 * Receive: epoll over every socket, recvmmsg in batches; RFC 7983 demux by
 * the first byte. Send: datagrams queue per transport and go out with one
 * sendmmsg per transport per loop iteration (lg_net_flush()).
 */
#define _GNU_SOURCE
#include "lg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cp_dtls.h"
#include "dp_srtp.h"
#include "dp_stun.h"

#define LG_BATCH 64
#define LG_ICE_RETRY_NS 100000000ull   /* first retry; doubles up to 1.6 s */
#define LG_CONSENT_NS 5000000000ull

/* The transports with queued datagrams, and the datagrams themselves. */
struct lg_txq {
	struct lg_tp *tp;
	unsigned int n;
	uint8_t buf[LG_BATCH][LG_PKT_MAX];
	uint16_t len[LG_BATCH];
};
static struct lg_txq txq;

static void flush_tp(void)
{
	struct lg_txq *q = &txq;
	if (!q->tp || !q->n)
		goto out;
	struct mmsghdr mh[LG_BATCH];
	struct iovec iov[LG_BATCH];
	memset(mh, 0, sizeof(mh));
	for (unsigned int i = 0; i < q->n; i++) {
		iov[i].iov_base = q->buf[i];
		iov[i].iov_len = q->len[i];
		mh[i].msg_hdr.msg_iov = &iov[i];
		mh[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned int done = 0;
	while (done < q->n) {
		int r = sendmmsg(q->tp->fd, mh + done, q->n - done, 0);
		if (r <= 0) {
			/* a full socket buffer or an ICMP error: count, move on */
			q->tp->send_err += q->n - done;
			break;
		}
		done += (unsigned int)r;
	}
out:
	q->tp = NULL;
	q->n = 0;
}

void lg_net_flush(void)
{
	flush_tp();
}

void lg_tp_send(struct lg_tp *t, const uint8_t *pkt, size_t len)
{
	if (t->fd < 0 || len > LG_PKT_MAX)
		return;
	if (txq.tp != t || txq.n == LG_BATCH)
		flush_tp();
	txq.tp = t;
	memcpy(txq.buf[txq.n], pkt, len);
	txq.len[txq.n++] = (uint16_t)len;
}

int lg_tp_protect_send_rtp(struct lg_tp *t, uint8_t *pkt, uint32_t len, uint32_t cap)
{
	if (!t->srtp)
		return -1;
	if (dp_srtp_protect_rtp(t->srtp, pkt, &len, cap) != DP_SRTP_OK)
		return -1;
	lg_tp_send(t, pkt, len);
	return 0;
}

int lg_tp_protect_send_rtcp(struct lg_tp *t, uint8_t *pkt, uint32_t len, uint32_t cap)
{
	if (!t->srtp)
		return -1;
	if (dp_srtp_protect_rtcp(t->srtp, pkt, &len, cap) != DP_SRTP_OK)
		return -1;
	lg_tp_send(t, pkt, len);
	return 0;
}

/* ---- DTLS callbacks ------------------------------------------------- */

static void dtls_send(void *user, const uint8_t *d, size_t len)
{
	struct lg_tp *t = user;
	if (t->fd >= 0)
		(void)send(t->fd, d, len, 0); /* handshake: not batched */
}

static void dtls_connected(void *user, const struct sl_msg_srtp_keys *k)
{
	struct lg_tp *t = user;
	if (dp_srtp_create_from_msg(&t->srtp, k) != DP_SRTP_OK) {
		t->state = LG_TP_FAILED;
		lg_fail(t->peer, "SRTP: cannot create a context for profile %u", k->profile);
		return;
	}
	t->profile = k->profile;
	t->key_len = (uint8_t)(k->key_len + k->salt_len);
	memcpy(t->key_tx, k->tx, t->key_len);
	memcpy(t->key_rx, k->rx, t->key_len);
	t->state = LG_TP_CONNECTED;
	t->dtls_ok_ns = lg_now_ns();
	t->consent_ns = t->dtls_ok_ns + LG_CONSENT_NS;
	t->rtcp_next_ns = t->dtls_ok_ns + 500000000ull;
}

static void dtls_failed(void *user, const char *reason)
{
	struct lg_tp *t = user;
	t->state = LG_TP_FAILED;
	lg_fail(t->peer, "DTLS (%s transport): %s", t->send ? "send" : "recv", reason);
}

/* ---- transport life ------------------------------------------------- */

static void rand_str(char *out, size_t n)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t r[64];
	RAND_bytes(r, (int)n);
	for (size_t i = 0; i < n; i++)
		out[i] = al[r[i] % (sizeof(al) - 1)];
	out[n] = 0;
}

static int parse_answer(struct lg_tp *t, json_t *tj)
{
	const char *id = json_string_value(json_object_get(tj, "id"));
	json_t *ice = json_object_get(tj, "iceParameters");
	const char *uf = json_string_value(json_object_get(ice, "usernameFragment"));
	const char *pw = json_string_value(json_object_get(ice, "password"));
	if (!id || !uf || !pw || strlen(id) >= sizeof(t->id) || strlen(uf) >= sizeof(t->r_ufrag) ||
	    strlen(pw) >= sizeof(t->r_pwd))
		return -1;
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->r_ufrag, sizeof(t->r_ufrag), "%s", uf);
	snprintf(t->r_pwd, sizeof(t->r_pwd), "%s", pw);
	size_t i;
	json_t *c;
	bool found = false;
	json_array_foreach(json_object_get(tj, "iceCandidates"), i, c) {
		const char *proto = json_string_value(json_object_get(c, "protocol"));
		const char *ip = json_string_value(json_object_get(c, "ip"));
		if (!ip)
			ip = json_string_value(json_object_get(c, "address"));
		json_int_t port = json_integer_value(json_object_get(c, "port"));
		if (!proto || strcasecmp(proto, "udp") != 0 || !ip || port <= 0 || port > 65535)
			continue;
		memset(&t->remote, 0, sizeof(t->remote));
		if (lg.o.family == AF_INET6) {
			t->remote.v6.sin6_family = AF_INET6;
			t->remote.v6.sin6_port = htons((uint16_t)port);
			if (inet_pton(AF_INET6, ip, &t->remote.v6.sin6_addr) != 1)
				continue;
		} else {
			t->remote.v4.sin_family = AF_INET;
			t->remote.v4.sin_port = htons((uint16_t)port);
			if (inet_pton(AF_INET, ip, &t->remote.v4.sin_addr) != 1)
				continue;
		}
		found = true;
		break;
	}
	if (!found)
		return -1;
	json_t *fp;
	t->fp[0] = 0;
	json_array_foreach(json_object_get(json_object_get(tj, "dtlsParameters"), "fingerprints"), i,
			   fp) {
		const char *alg = json_string_value(json_object_get(fp, "algorithm"));
		const char *val = json_string_value(json_object_get(fp, "value"));
		if (alg && val && strcasecmp(alg, "sha-256") == 0 && strlen(val) < sizeof(t->fp))
			snprintf(t->fp, sizeof(t->fp), "%s", val);
	}
	return t->fp[0] ? 0 : -1;
}

int lg_tp_open(struct lg_tp *t, json_t *tj)
{
	if (parse_answer(t, tj) < 0)
		return -1;
	rand_str(t->l_ufrag, 8);
	rand_str(t->l_pwd, 24);
	int fam = lg.o.family;
	socklen_t alen = fam == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	t->fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return -1;
	/* 4 MB each way (FORCE: past rmem_max when we may, i.e. as root),
	 * and the kernel's count of datagrams dropped on a full receive
	 * buffer, so that loss the loadgen causes itself is reported as such */
	int sz = 4 << 20, one = 1;
	if (setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(t->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(t->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(t->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	setsockopt(t->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	union lg_addr la;
	memset(&la, 0, sizeof(la));
	la.sa.sa_family = (sa_family_t)fam;
	if (lg.o.local_ip)
		inet_pton(fam, lg.o.local_ip,
			  fam == AF_INET6 ? (void *)&la.v6.sin6_addr : (void *)&la.v4.sin_addr);
	socklen_t sl = sizeof(t->local);
	if (bind(t->fd, &la.sa, alen) < 0 || connect(t->fd, &t->remote.sa, alen) < 0 ||
	    getsockname(t->fd, &t->local.sa, &sl) < 0) {
		lg_fail(t->peer, "UDP socket to the server's candidate: %s", strerror(errno));
		close(t->fd);
		t->fd = -1;
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = t };
	epoll_ctl(lg.ep, EPOLL_CTL_ADD, t->fd, &ev);
	struct cp_dtls_cb cb = { dtls_send, dtls_connected, dtls_failed, t };
	t->dtls = cp_dtls_new(lg.cert, &cb);
	if (!t->dtls)
		return -1;
	cp_dtls_set_handshake_timeout(t->dtls, lg.o.timeout_ms);
	t->state = LG_TP_CREATED;
	return 0;
}

void lg_tp_start_ice(struct lg_tp *t)
{
	if (t->state != LG_TP_CREATED)
		return;
	uint64_t now = lg_now_ns();
	t->state = LG_TP_CHECKING;
	t->ice_next_ns = now;
	t->ice_deadline_ns = now + (uint64_t)lg.o.timeout_ms * 1000000ull;
}

void lg_tp_close(struct lg_tp *t)
{
	if (txq.tp == t)
		flush_tp();
	lg_totals_retire(t);
	if (t->dtls) {
		if (t->state == LG_TP_CONNECTED)
			cp_dtls_close(t->dtls);
		cp_dtls_free(t->dtls);
	}
	dp_srtp_destroy(t->srtp);
	if (t->fd >= 0)
		close(t->fd); /* also leaves the epoll set */
	for (unsigned int i = 0; i < t->n_tx; i++)
		lg_tx_stream_free(&t->tx[i]);
	free(t->rx);
	struct lg_peer *p = t->peer;
	bool send = t->send;
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->peer = p;
	t->send = send;
}

static void send_binding(struct lg_tp *t, int use_candidate)
{
	uint8_t buf[512];
	char user[200];
	size_t ulen = (size_t)snprintf(user, sizeof(user), "%s:%s", t->r_ufrag, t->l_ufrag);
	size_t len = 0;
	RAND_bytes(t->txid, sizeof(t->txid));
	uint64_t tie;
	RAND_bytes((uint8_t *)&tie, sizeof(tie));
	struct dp_stun_request rq = {
		.txid = t->txid,
		.username = (const uint8_t *)user,
		.username_len = ulen,
		.priority = 0x7e7f00ffu, /* host candidate, as Chromium computes it */
		.controlling = 1,
		.tiebreaker = tie,
		.use_candidate = use_candidate,
		.key = (const uint8_t *)t->r_pwd,
		.key_len = strlen(t->r_pwd),
	};
	if (dp_stun_build_request(lg.hmac, buf, sizeof(buf), &len, &rq) == DP_STUN_OK)
		(void)send(t->fd, buf, len, 0);
}

void lg_tp_tick(struct lg_tp *t, uint64_t now)
{
	switch (t->state) {
	case LG_TP_CHECKING:
		if (now >= t->ice_deadline_ns) {
			t->state = LG_TP_FAILED;
			lg_fail(t->peer, "ICE (%s transport): no binding response within %u ms",
				t->send ? "send" : "recv", lg.o.timeout_ms);
			return;
		}
		if (now >= t->ice_next_ns) {
			send_binding(t, 1);
			uint64_t age = now - (t->ice_deadline_ns - (uint64_t)lg.o.timeout_ms * 1000000ull);
			uint64_t step = LG_ICE_RETRY_NS;
			while (step < age && step < 16 * LG_ICE_RETRY_NS)
				step *= 2;
			t->ice_next_ns = now + step;
		}
		return;
	case LG_TP_DTLS: {
		uint64_t due = cp_dtls_next_timeout_ms(t->dtls);
		if (due && due * 1000000ull <= now)
			cp_dtls_on_timeout(t->dtls, now / 1000000ull);
		return;
	}
	case LG_TP_CONNECTED:
		if (now >= t->consent_ns) {
			send_binding(t, 1); /* consent freshness, RFC 7675 */
			t->consent_ns = now + LG_CONSENT_NS;
		}
		if (now >= t->rtcp_next_ns) {
			lg_media_rtcp_tick(t, now);
			t->rtcp_next_ns = now + 1000000000ull;
		}
		return;
	default:
		return;
	}
}

/* ---- receive -------------------------------------------------------- */

static void on_stun(struct lg_tp *t, const uint8_t *d, size_t n)
{
	struct dp_stun_msg m;
	if (dp_stun_parse(d, n, &m) != DP_STUN_OK)
		return;
	if (memcmp(m.txid, t->txid, sizeof(t->txid)) != 0)
		return; /* an answer to an older request: fine, but not news */
	if (m.cls != DP_STUN_CLASS_SUCCESS ||
	    dp_stun_check_integrity(lg.hmac, d, n, &m, (const uint8_t *)t->r_pwd,
				    strlen(t->r_pwd)) != DP_STUN_OK)
		return; /* a browser ignores responses it cannot authenticate */
	if (t->state == LG_TP_CHECKING) {
		t->state = LG_TP_DTLS;
		int rc = cp_dtls_set_remote(t->dtls, "server", "sha-256", t->fp);
		if (rc < 0 && t->state != LG_TP_FAILED) {
			t->state = LG_TP_FAILED;
			lg_fail(t->peer, "DTLS: bad server fingerprint (%d)", rc);
		}
	}
}

static void on_datagram(struct lg_tp *t, uint8_t *d, uint32_t n, uint64_t now)
{
	if (n == 0)
		return;
	uint8_t b = d[0];
	if (b < 4) {
		on_stun(t, d, n);
	} else if (b >= 20 && b <= 63) {
		if (t->dtls)
			cp_dtls_feed(t->dtls, d, n, now / 1000000ull);
	} else if (b >= 128 && b <= 191 && n >= 12 && t->srtp) {
		uint8_t pt = d[1];
		if (pt >= 192 && pt <= 223) {
			if (dp_srtp_unprotect_rtcp(t->srtp, d, &n, LG_PKT_MAX) != DP_SRTP_OK) {
				t->srtp_fail++;
				return;
			}
			t->rx_rtcp++;
			lg_media_on_rtcp(t, d, n, now);
			return;
		}
		t->rx_pkts++;
		bool decrypt = true;
		if (lg.o.decrypt_sample > 1) {
			/* RTX must be decrypted (its OSN is in the payload) */
			decrypt = (t->rx_pkts % lg.o.decrypt_sample) == 0 || (pt & 0x7f) == LG_PT_RTX;
		}
		if (decrypt) {
			enum dp_srtp_status st = dp_srtp_unprotect_rtp(t->srtp, d, &n, LG_PKT_MAX);
			if (st != DP_SRTP_OK) {
				if (st == DP_SRTP_REPLAY)
					lg_media_on_rtp(t, d, n, now, LG_RX_REPLAY); /* duplicate */
				else
					t->srtp_fail++;
				return;
			}
			lg.decrypted++;
		} else {
			lg.skipped_decrypt++;
		}
		lg_media_on_rtp(t, d, n, now, decrypt ? LG_RX_CLEAR : LG_RX_SKIPPED);
	}
}

/* CLOCK_MONOTONIC minus CLOCK_REALTIME now: kernel receive timestamps
 * (SO_TIMESTAMPNS, realtime) moved onto our monotonic clock. */
static int64_t mono_minus_real(void)
{
	struct timespec r, m;
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)m.tv_sec - r.tv_sec) * 1000000000ll + ((int64_t)m.tv_nsec - r.tv_nsec);
}

/* The datagram's arrival time on our clock: the kernel's receive timestamp
 * when there is one (so that time the loadgen itself takes to get to the
 * packet is not counted as network or server latency), else now. Also
 * picks up the socket's drop count (SO_RXQ_OVFL). */
static uint64_t arrival(struct lg_tp *t, struct msghdr *mh, uint64_t now, int64_t off)
{
	uint64_t at = now;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SO_RXQ_OVFL) {
			uint32_t v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			t->sock_drops = v;
		} else if (c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			int64_t v = (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec + off;
			if (v > 0 && (uint64_t)v <= now)
				at = (uint64_t)v;
		}
	}
	return at;
}

static void drain(struct lg_tp *t, uint64_t now)
{
	static uint8_t bufs[LG_BATCH][LG_PKT_MAX + 64] __attribute__((aligned(64)));
	static union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct timespec))];
	} ctl[LG_BATCH];
	struct mmsghdr mh[LG_BATCH];
	struct iovec iov[LG_BATCH];
	int64_t off = mono_minus_real();
	for (int round = 0; round < 8; round++) {
		for (unsigned int i = 0; i < LG_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = LG_PKT_MAX;
			memset(&mh[i], 0, sizeof(mh[i]));
			mh[i].msg_hdr.msg_iov = &iov[i];
			mh[i].msg_hdr.msg_iovlen = 1;
			mh[i].msg_hdr.msg_control = ctl[i].b;
			mh[i].msg_hdr.msg_controllen = sizeof(ctl[i].b);
		}
		int r = recvmmsg(t->fd, mh, LG_BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0)
			return;
		for (int i = 0; i < r && t->fd >= 0; i++)
			on_datagram(t, bufs[i], mh[i].msg_len, arrival(t, &mh[i].msg_hdr, now, off));
		if (r < (int)LG_BATCH || t->fd < 0)
			return;
	}
}

void lg_net_poll(int timeout_ms)
{
	struct epoll_event ev[256];
	int n = epoll_wait(lg.ep, ev, 256, timeout_ms);
	uint64_t now = lg_now_ns();
	for (int i = 0; i < n; i++) {
		struct lg_tp *t = ev[i].data.ptr;
		if (t->fd >= 0)
			drain(t, now);
	}
}

int lg_net_init(void)
{
	lg.ep = epoll_create1(EPOLL_CLOEXEC);
	lg.hmac = dp_stun_hmac_new();
	if (lg.ep < 0 || !lg.hmac || dp_srtp_global_init() != 0)
		return -1;
	return cp_dtls_cert_generate(&lg.cert) == 0 ? 0 : -1;
}

void lg_net_fini(void)
{
	cp_dtls_cert_free(lg.cert);
	dp_stun_hmac_free(lg.hmac);
	if (lg.ep >= 0)
		close(lg.ep);
}

/* ---- key dump (pktgen-scripts/README.md documents the format) -------- */

static void hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static json_t *tp_json(const struct lg_tp *t)
{
	char lip[INET6_ADDRSTRLEN], rip[INET6_ADDRSTRLEN], ktx[100], krx[100];
	int v6 = t->remote.sa.sa_family == AF_INET6;
	inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)&t->local.v6.sin6_addr
					      : (const void *)&t->local.v4.sin_addr, lip, sizeof(lip));
	inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)&t->remote.v6.sin6_addr
					      : (const void *)&t->remote.v4.sin_addr, rip, sizeof(rip));
	/* the port is at the same offset in both families */
	uint16_t lport = ntohs(t->local.v4.sin_port), rport = ntohs(t->remote.v4.sin_port);
	hex(ktx, t->key_tx, t->key_len);
	hex(krx, t->key_rx, t->key_len);
	json_t *streams = json_array();
	for (unsigned int i = 0; i < t->n_tx; i++) {
		const struct lg_tx_stream *s = &t->tx[i];
		json_t *e = json_pack("{s:s,s:I,s:i,s:i,s:{s:i,s:i,s:i},s:s}", "kind",
				      s->kind ? "video" : "audio", "ssrc", (json_int_t)s->ssrc, "pt",
				      s->pt, "clock", s->kind ? 90000 : 48000, "ext", "mid",
				      LG_EXT_MID, "abs_send_time", LG_EXT_ABS_SEND_TIME, "twcc",
				      LG_EXT_TWCC, "mid", s->kind ? "1" : "0");
		if (s->kind) {
			json_object_set_new(e, "rtx_ssrc", json_integer(s->rtx_ssrc));
			json_object_set_new(e, "rtx_pt", json_integer(s->rtx_pt));
		} else {
			json_object_set_new(json_object_get(e, "ext"), "audio_level",
					    json_integer(LG_EXT_AUDIO_LEVEL));
		}
		json_array_append_new(streams, e);
	}
	return json_pack("{s:s,s:s,s:{s:s,s:i},s:{s:s,s:i},s:{s:s,s:s,s:s,s:s},s:{s:s,s:s,s:s},s:o}",
			 "peer", t->peer->name, "direction", t->send ? "send" : "recv", "local",
			 "ip", lip, "port", lport, "remote", "ip", rip, "port",
			 rport, "ice", "local_ufrag", t->l_ufrag, "local_pwd",
			 t->l_pwd, "remote_ufrag", t->r_ufrag, "remote_pwd", t->r_pwd, "srtp",
			 "profile", dp_srtp_profile_name((enum sl_srtp_profile)t->profile), "tx",
			 ktx, "rx", krx, "streams", streams);
}

int lg_dump_keys(const char *path)
{
	json_t *arr = json_array();
	for (unsigned int i = 0; i < lg.n_peers; i++) {
		const struct lg_peer *p = &lg.peers[i];
		if (p->tp_send.state == LG_TP_CONNECTED)
			json_array_append_new(arr, tp_json(&p->tp_send));
		if (p->tp_recv.state == LG_TP_CONNECTED)
			json_array_append_new(arr, tp_json(&p->tp_recv));
	}
	json_t *root = json_pack("{s:i,s:o}", "version", 1, "transports", arr);
	int rc = json_dump_file(root, path, JSON_INDENT(1));
	json_decref(root);
	return rc;
}
