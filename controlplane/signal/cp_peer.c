/* SPDX-License-Identifier: MIT */
/*
 * cp_peer - one peer per Socket.IO connection (PeerWave's PeerManager
 * entry): its id, authentication, request budget and the lists of what it
 * owns. Joining and leaving rooms is cp_room.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cp_log.h"
#include "cp_sig_int.h"

struct cp_peer *cp_peer_new(struct cp_signal *s, void *conn)
{
	struct cp_peer *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (cp_uuid4(p->id)) {
		free(p);
		return NULL;
	}
	p->sig = s;
	p->conn = conn;
	snprintf(p->name, sizeof(p->name), "%s", s->io.name && conn ? s->io.name(conn) : "?");
	cp_list_init(&p->room_link);
	cp_list_init(&p->transports);
	cp_list_init(&p->producers);
	cp_list_init(&p->consumers);
	cp_bucket_init(&p->bucket, (uint64_t)s->cfg->max_requests_per_sec, cp_sig_now_ms(s));
	cp_list_add_tail(&s->peers, &p->all_link);
	s->n_peers++;
	return p;
}

/* The peer must have left its room (cp_room_leave) before. */
void cp_peer_free(struct cp_signal *s, struct cp_peer *p)
{
	if (!p)
		return;
	if (p->join_pending)
		cp_map_del(&s->pending_joins, p->id);
	cp_list_del(&p->all_link);
	s->n_peers--;
	OPENSSL_cleanse(&p->claims, sizeof(p->claims));
	free(p);
}

static const char *jwt_reason(enum cp_jwt_status st)
{
	switch (st) {
	case CP_JWT_EXPIRED: return "the token has expired";
	case CP_JWT_NOT_YET_VALID: return "the token is not valid yet (nbf)";
	case CP_JWT_BAD_SIGNATURE: return "the token signature does not verify";
	case CP_JWT_BAD_ALG: return "the token must be signed HS256";
	case CP_JWT_MISSING_CLAIM: return "the token lacks a required claim (sub, exp)";
	case CP_JWT_BAD_CLAIM: return "a token claim has the wrong type";
	default: return "the token is malformed";
	}
}

/* Longest session a token opens, whatever its exp says (keeps the
 * arithmetic below far from overflow). */
#define SESSION_MAX_S (10ll * 366 * 24 * 3600)

/* The monotonic deadline of a token verified at wall-clock time wall_ms
 * (it verified: exp is after wall_ms / 1000). Measuring the remaining
 * lifetime on the monotonic clock means a wall-clock step after the
 * verification neither shortens nor extends the session. */
static uint64_t token_deadline(struct cp_signal *s, int64_t exp, int64_t wall_ms)
{
	int64_t left_s = exp - wall_ms / 1000;
	if (left_s > SESSION_MAX_S)
		left_s = SESSION_MAX_S;
	int64_t left_ms = left_s * 1000 - wall_ms % 1000;
	return cp_sig_now_ms(s) + (uint64_t)(left_ms > 0 ? left_ms : 0);
}

enum cp_sig_code cp_peer_authenticate(struct cp_signal *s, struct cp_peer *p, const char *token,
				      size_t len, char *err, size_t errlen)
{
	struct cp_jwt_claims c;
	const char *key = s->cfg->jwt_secret;
	int64_t wall = cp_sig_wall_ms(s);
	enum cp_jwt_status st = cp_jwt_verify(token, len, (const uint8_t *)key, strlen(key),
					      wall / 1000, &c);
	if (st != CP_JWT_OK) {
		snprintf(err, errlen, "authentication failed: %s", jwt_reason(st));
		return CP_SIG_UNAUTHENTICATED;
	}
	if (p->authed && strcmp(c.sub, p->claims.sub)) {
		snprintf(err, errlen, "this socket is already authenticated as another user");
		OPENSSL_cleanse(&c, sizeof(c));
		return CP_SIG_FORBIDDEN;
	}
	if (p->room && c.has_room && strcmp(c.room, p->room->channel_id)) {
		snprintf(err, errlen, "the token is for another room than the one joined");
		OPENSSL_cleanse(&c, sizeof(c));
		return CP_SIG_FORBIDDEN;
	}
	p->claims = c;
	p->authed = 1;
	p->auth_deadline_ms = token_deadline(s, c.exp, wall);
	OPENSSL_cleanse(&c, sizeof(c));
	if (s->io.authed && p->conn)
		s->io.authed(p->conn);
	return CP_SIG_OK;
}

int cp_peer_expired(struct cp_signal *s, const struct cp_peer *p)
{
	return !p->authed || cp_sig_now_ms(s) >= p->auth_deadline_ms;
}

int cp_peer_rate_ok(struct cp_signal *s, struct cp_peer *p)
{
	return cp_bucket_take(&p->bucket, (uint64_t)s->cfg->max_requests_per_sec,
			      cp_sig_now_ms(s));
}

struct cp_transport *cp_peer_transport(struct cp_peer *p, const char *id)
{
	struct cp_transport *t = cp_map_get(&p->sig->transports, id);
	return t && t->peer == p ? t : NULL;
}
