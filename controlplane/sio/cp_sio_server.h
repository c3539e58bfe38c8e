/* SPDX-License-Identifier: MIT */
/*
 * Socket.IO v4 / Engine.IO 4 server over libwebsockets (WebSocket transport
 * only), as specified by /work/shared/protocol.md ("Transport").
 *
 * The caller owns the lws context, the vhost and the HTTP side; this module
 * provides one struct lws_protocols that serves
 *     GET <path>?EIO=4&transport=websocket       (path: "/socket.io/")
 * and a helper that refuses HTTP long-polling.
 *
 * ---- Wiring it into a vhost (see tests/sio/sio_test_server.c) ----------
 * socket.io-client and most WebSocket clients send no Sec-WebSocket-Protocol
 * header. lws binds such an upgrade to the vhost's *default protocol*, which
 * is protocols[0] unless a per-vhost option (pvo) named "default" marks
 * another one. Plain HTTP requests that match no mount are always served by
 * protocols[0]. So keep your HTTP handler at protocols[0] and mark this
 * protocol default:
 *
 *   static const struct lws_protocol_vhost_options sio_dflt =
 *           { NULL, NULL, "default", "1" };
 *   static const struct lws_protocol_vhost_options sio_pvo =
 *           { NULL, &sio_dflt, CP_SIO_PROTOCOL_NAME, "" };
 *   struct lws_protocols protocols[3] = { { "http", http_cb, ... } };
 *   protocols[1] = *cp_sio_protocol();      // and protocols[2] all zero
 *   info.protocols = protocols; info.pvo = &sio_pvo;
 *
 * With the pvo, lws first binds every new connection to this protocol and
 * later rebinds plain HTTP to protocols[0] ("no mount hit"), so this
 * protocol's callback sees LWS_CALLBACK_FILTER_HTTP_CONNECTION and the bind /
 * drop notifications of HTTP connections; it passes them to
 * lws_callback_http_dummy(). (Without the pvo, put this protocol at
 * protocols[0] only if it must also see the plain HTTP requests, which it
 * does not serve.) Clients that do ask for a subprotocol must ask for
 * CP_SIO_PROTOCOL_NAME. Recommended context option:
 * LWS_SERVER_OPTION_VALIDATE_UTF8 (text frames must be UTF-8).
 *
 * An upgrade whose path is not the configured one, whose EIO is not 4, whose
 * transport is not "websocket", or that carries a "sid" (an upgrade from a
 * polling session, which this server never creates) is refused in
 * LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION (lws drops the connection).
 *
 * ---- Behaviour ------------------------------------------------------------
 * - On establishment: Engine.IO open packet 0{"sid":…,"upgrades":[],
 *   "pingInterval":…,"pingTimeout":…,"maxPayload":…} with the config values;
 *   the sid is 20 characters of [A-Za-z0-9_-] from RAND_bytes.
 * - Heartbeat: ping "2" every ping_interval (counted from the open packet,
 *   then from each pong); a client that has not answered "3" within
 *   ping_timeout of a ping is closed ("ping timeout"). An unsolicited pong is
 *   ignored. A client ping "2<data>" (EIO 3 style, e.g. "2probe") is answered
 *   "3<data>" rather than refused.
 * - A WebSocket message (all fragments together) larger than max_payload
 *   closes the connection with status 1009. Fragmented messages are
 *   reassembled up to that size.
 * - Binary WebSocket messages are dropped unparsed (they are the attachments
 *   of a binary packet, which is refused); the connection stays open.
 * - Engine.IO: "1" close -> closed; "6" noop ignored; "0" / "5" and any
 *   malformed frame -> closed with status 1002 ("parse error").
 * - Socket.IO CONNECT to "/" -> on_connect(auth) where auth is the CONNECT
 *   object or NULL. Accepted: 40{"sid":…} (a second, socket-level sid).
 *   Refused: 44{"message":"unauthorized"}; after max_connect_attempts refusals
 *   on one connection it is closed. CONNECT to any other namespace:
 *   44/nsp,{"message":"Invalid namespace"} (connection stays open).
 * - Like the socket.io server, a packet that needs a connected namespace
 *   (EVENT, ACK, DISCONNECT, binary) on a namespace that is not connected,
 *   a second CONNECT on "/" while connected, and a CONNECT_ERROR from the
 *   client close the connection ("parse error"). So does any Socket.IO
 *   packet the parser refuses (cp_sio_parse.h: bad json, too deep, …).
 * - EVENT -> on_event(name, first argument or NULL, ack id or -1). Further
 *   arguments are ignored. ACK packets from the client are ignored (this
 *   server never asks for acks).
 * - BINARY_EVENT / BINARY_ACK on the connected namespace: the server emits
 *   event "error" {"message":"binary packets are not supported"} and, for a
 *   BINARY_EVENT with an ack id, then answers that ack with
 *   [{"error":"binary packets are not supported","code":"BAD_REQUEST"}].
 * - DISCONNECT "41" from the client -> on_disconnect("client namespace
 *   disconnect"); the WebSocket stays open and may CONNECT again.
 * - A connection without an accepted CONNECT is closed after
 *   connect_timeout.
 * ---- Limits before trust ---------------------------------------------------
 * - A connection that cp_sio_set_authenticated() has not marked within
 *   auth_timeout is closed ("auth timeout").
 * - At most max_connections WebSocket connections in total and
 *   max_connections_per_ip per source address: an upgrade over either cap is
 *   refused in LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION (lws drops it).
 * - Until authenticated, a message over max_payload_unauth (instead of
 *   max_payload) closes the connection with status 1009.
 * - Every complete inbound message except a CONNECT ("40…": bounded by
 *   max_connect_attempts) and a pong answering our outstanding ping takes
 *   one token of a per-connection bucket (max_frames_per_sec per second,
 *   burst max_frames_per_sec) BEFORE any JSON is parsed. A message without a
 *   token is dropped unparsed, except that an EVENT with an ack id is
 *   answered [{"error":"too many requests: …","code":"OVERLOADED"}] (only
 *   its header is read), so every request is still answered once. After
 *   max_rate_violations dropped messages within 10 s the connection is
 *   closed ("rate limit"). Client pings "2…" count like any message.
 * Each refusal is counted (cp_sio_counters()).
 * - Output is queued per connection (bounded by max_queue_frames and
 *   max_queue_bytes) and written on LWS_CALLBACK_SERVER_WRITEABLE; a full
 *   queue closes the connection ("forced close").
 *
 * ---- Threading and lifetime ----------------------------------------------
 * Everything runs on the lws service thread: handlers are called from lws
 * callbacks and every cp_sio_* function below must be called from that
 * thread (lws_cancel_service() + LWS_CALLBACK_EVENT_WAIT_CANCELLED is the way
 * in from other threads). A struct cp_sio_conn is valid from on_connect()
 * (whether it accepts or not) until the connection closes. on_disconnect()
 * is called exactly once for every accepted CONNECT, always from lws service
 * (never from inside a cp_sio_* call); after it returns the caller must not
 * use the pointer again unless a later on_connect() hands it back (the
 * client reconnected the namespace on the same WebSocket). No handler is
 * called for connections whose CONNECT was never accepted.
 */
#ifndef SLUICE_CP_SIO_SERVER_H
#define SLUICE_CP_SIO_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libwebsockets.h>

#define CP_SIO_PROTOCOL_NAME "sluice-socketio"

struct cp_sio_conn; /* opaque: one Engine.IO connection (one WebSocket) */

struct cp_sio_handlers {
	/* CONNECT on "/" with its auth object (borrowed, may be NULL). Return 0
	 * to accept, anything else to refuse with CONNECT_ERROR
	 * {"message":"unauthorized"}. Emits made inside an accepting
	 * on_connect are sent right after the 40 packet; inside a refusing one
	 * they are discarded. */
	int (*on_connect)(struct cp_sio_conn *c, json_t *auth, void *user);
	/* An EVENT on "/". name and payload are borrowed for the call
	 * (json_incref to keep the payload); payload is the first argument
	 * after the name or NULL; ack_id >= 0 when the client wants an
	 * answer (cp_sio_ack), else -1. */
	void (*on_event)(struct cp_sio_conn *c, const char *name,
			 json_t *payload, int64_t ack_id, void *user);
	/* The accepted namespace connection ended. reason is one of
	 * "transport close", "transport error", "ping timeout", "parse error",
	 * "forced close" (outbound queue overflow), "client namespace
	 * disconnect", "server namespace disconnect" (cp_sio_close). Closing
	 * the lws context reports "transport close". */
	void (*on_disconnect)(struct cp_sio_conn *c, const char *reason,
			      void *user);
	void *user;
};

/* Zero fields take the default shown (the limits before trust are off at
 * zero; cp_app.c sets them from cp_config, README "Limits"). */
struct cp_sio_config {
	uint32_t ping_interval_ms;     /* 25000 */
	uint32_t ping_timeout_ms;      /* 20000 */
	uint32_t max_payload;          /* 1000000 bytes per inbound message */
	uint32_t connect_timeout_ms;   /* 45000 */
	uint32_t max_queue_frames;     /* 1024 queued outbound frames */
	size_t max_queue_bytes;        /* 16 MiB queued outbound bytes */
	unsigned max_json_depth;       /* CP_SIO_DEFAULT_MAX_DEPTH */
	unsigned max_connect_attempts; /* 8 refused CONNECTs per connection */
	const char *path;              /* "/socket.io/" (kept, not copied) */
	uint32_t auth_timeout_ms;      /* 0: no deadline */
	uint32_t max_connections;      /* 0: no cap */
	uint32_t max_connections_per_ip; /* 0: no cap */
	uint32_t max_payload_unauth;   /* 0: max_payload; capped at max_payload */
	uint32_t max_frames_per_sec;   /* 0: no rate limit */
	uint32_t max_rate_violations;  /* dropped messages in 10 s; 0: never close */
};

/* Totals since start (the gauge `open` excepted). */
struct cp_sio_counters {
	uint64_t open;               /* WebSocket connections now */
	uint64_t refused_total;      /* upgrades refused: max_connections */
	uint64_t refused_per_ip;     /* upgrades refused: max_connections_per_ip */
	uint64_t auth_timeouts;      /* closed: not authenticated in time */
	uint64_t too_large_unauth;   /* closed: message over max_payload_unauth */
	uint64_t too_large;          /* closed: message over max_payload */
	uint64_t rate_dropped;       /* messages dropped by the rate limit */
	uint64_t rate_closed;        /* closed: max_rate_violations reached */
};

const struct cp_sio_counters *cp_sio_counters(void);

/* The connection has authenticated: lifts the auth deadline and the
 * unauthenticated payload limit. Idempotent. */
void cp_sio_set_authenticated(struct cp_sio_conn *c);

/* Set the handlers and config (copied; cfg may be NULL for defaults). Call
 * before the lws context is created; one server per process. */
void cp_sio_init(const struct cp_sio_handlers *h,
		 const struct cp_sio_config *cfg);

/* The protocol to copy into the caller's protocols[] array. */
const struct lws_protocols *cp_sio_protocol(void);

/* Queue EVENT ["event", data] (data borrowed, may be NULL). Never blocks.
 * 0, -EINVAL (bad name / data), -ENOTCONN (namespace not connected or
 * closing), -ENOMEM, or -ENOBUFS (queue full: the connection is being
 * closed). */
int cp_sio_emit(struct cp_sio_conn *c, const char *event, json_t *data);

/* Queue ACK <ack_id>[response] (response borrowed, may be NULL). Same
 * returns as cp_sio_emit. */
int cp_sio_ack(struct cp_sio_conn *c, int64_t ack_id, json_t *response);

/* Server-side disconnect: sends "41" if connected, flushes the queue, then
 * closes the WebSocket (within a few seconds even if the peer stops
 * reading). on_disconnect("server namespace disconnect") follows from lws
 * service. Idempotent; no effect on a connection already closing. */
void cp_sio_close(struct cp_sio_conn *c);

/* Engine.IO session id (20 chars, NUL-terminated, lives as long as c). */
const char *cp_sio_id(const struct cp_sio_conn *c);

/* Caller's pointer for this connection (NULL initially; never freed here). */
void cp_sio_set_data(struct cp_sio_conn *c, void *p);
void *cp_sio_get_data(const struct cp_sio_conn *c);

/* The underlying wsi, e.g. for lws_get_peer_simple() in logs. */
struct lws *cp_sio_wsi(const struct cp_sio_conn *c);

/*
 * Answer an HTTP request (e.g. GET /socket.io/?EIO=4&transport=polling)
 * with 400, Content-Type application/json and exactly the body
 * {"code":0,"message":"Transport unknown"}. Call from LWS_CALLBACK_HTTP and
 * return its result from the callback: 0, or -1 when the connection must be
 * closed (write failure or no keep-alive).
 */
int cp_sio_http_reject(struct lws *wsi);

#endif /* SLUICE_CP_SIO_SERVER_H */
