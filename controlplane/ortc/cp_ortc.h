/* SPDX-License-Identifier: MIT */
/*
 * cp_ortc.h - RTP capabilities and parameters, shaped like mediasoup v3.
 *
 * The control plane speaks mediasoup's JSON shapes (RtpCapabilities,
 * RtpParameters) to its clients and programs the data plane with the plain
 * structs of sluice/abi.h. This module is the bridge:
 *
 *   cp_ortc_router_caps()      the router's rtpCapabilities (mediasoup-client's
 *                              Device.load() input);
 *   cp_ortc_producer_parse()   validates a client's produce rtpParameters,
 *                              maps its payload types and header-extension
 *                              ids to the router's and keeps the "consumable"
 *                              parameters every consumer is derived from;
 *   cp_ortc_can_consume()      whether some capabilities can receive it;
 *   cp_ortc_consumer_params()  the consumer's rtpParameters plus the data
 *                              plane's rewrite entry.
 *
 * Behaviour follows mediasoup's node/src/ortc.ts (validateRtpParameters,
 * validateRtpCapabilities, getProducerRtpParametersMapping,
 * getConsumableRtpParameters, canConsume, getConsumerRtpParameters with
 * pipe=false and enableRtx = (kind == video)), with these deliberate
 * differences (all stricter but the last two):
 *  - payloadType/apt must be integers 0..127, clockRate 1..2^32-1, channels
 *    1..255, ssrc 0..2^32-1, header extension ids 1..255 (a real value with
 *    an integral value such as 96.0 counts as an integer);
 *  - every codec of a producer must be of the producer's kind, payload types
 *    must be unique, an RTX codec's apt must name a media codec;
 *  - simulcast: 2..SL_SIM_LAYERS_MAX encodings, each with its own ssrc
 *    (and optional rtx.ssrc), lowest layer first as mediasoup-client sends
 *    them; more encodings are refused with -ENOTSUP; all encodings use the
 *    first one's codecPayloadType. SVC (scalabilityMode on a single
 *    encoding) is accepted and forwarded as one stream;
 *  - every encoding must carry an ssrc: rid-only encodings (the data plane
 *    would have to learn SSRCs from the rtp-stream-id extension) are refused
 *    with -ENOTSUP and a message saying so;
 *  - at most SL_PT_MAP_MAX payload types (media + RTX) per producer;
 *  - two header extensions with the same id are refused;
 *  - codec parameter values compared by the matching rules (packetization-
 *    mode, profile-id, ...) compare a numeric string equal to the number;
 *  - a router codec matched by several producer codecs appears once in the
 *    consumable parameters (mediasoup repeats it, which would give consumers
 *    duplicated payload types).
 *
 * mid: like mediasoup the producer's mid is validated and otherwise ignored.
 * cp_ortc_consumer_params() does not set a mid: mediasoup sets it in
 * Transport.consume() from a per-transport counter, which is state this
 * module does not keep. The caller SHOULD add it with
 * cp_ortc_consumer_set_mid() (counter per recv transport, 0, 1, 2, ...):
 * mediasoup-client's fallback for a missing mid (handler receive():
 * rtpParameters.mid ?? String(number of live transceivers)) repeats a live
 * mid once a consumer of that transport has been closed.
 * Either way the ABI has no room for the mid VALUE, so the consumer rewrite
 * entry carries ext.mid = 0: the data plane must STRIP the producer's mid
 * extension rather than rewrite its id (receivers demux by the SSRC the
 * rtpParameters announce; mediasoup instead writes the consumer's mid).
 *
 * Ownership: every json_t * returned is a new reference owned by the caller.
 * Input json_t are never modified. A struct cp_ortc_producer owns its
 * `consumable` reference: release it with cp_ortc_producer_clear().
 * Nothing here keeps global state; all functions are reentrant.
 *
 * Errors: functions taking (err, errlen) write a human-readable message
 * (NUL-terminated, truncated to errlen; err may be NULL when errlen is 0)
 * suitable for the "error" field of a BAD_REQUEST answer.
 */
#ifndef CP_ORTC_H
#define CP_ORTC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sluice/abi.h"

#define CP_ORTC_CNAME_MAX 256u /* incl. NUL: an RTCP SDES item is <= 255 bytes */

/* Header extension URIs the router offers (and the data plane knows). */
#define CP_ORTC_URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define CP_ORTC_URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define CP_ORTC_URI_RRID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define CP_ORTC_URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define CP_ORTC_URI_TCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define CP_ORTC_URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define CP_ORTC_URI_VIDEO_ORIENTATION "urn:3gpp:video-orientation"
#define CP_ORTC_URI_TOFFSET "urn:ietf:params:rtp-hdrext:toffset"

/* One payload type of a producer and the router's payload type for it. */
struct cp_ortc_pt_pair {
	uint8_t producer_pt;
	uint8_t router_pt;
	uint8_t is_rtx; /* 1 for an RTX payload type */
};

/*
 * A parsed producer. All payload types and extension ids are as the
 * PRODUCER's packets carry them, unless named router_*.
 */
struct cp_ortc_producer {
	uint8_t kind;             /* enum sl_media_kind */
	uint8_t payload_type;     /* media PT of the (single) encoding */
	uint8_t rtx_payload_type; /* its RTX PT, 0 = none */
	uint8_t router_pt;        /* router PT of payload_type */
	uint8_t router_rtx_pt;    /* router PT of rtx_payload_type, 0 = none */
	uint8_t channels;         /* audio: channels; video: 0 */
	uint8_t nack;             /* the producer accepts generic NACK */
	uint8_t pli;              /* ... nack pli */
	uint8_t fir;              /* ... ccm fir */
	uint8_t tcc;              /* transport-cc: extension and feedback */
	uint8_t n_pt;             /* entries in pt_map */
	uint8_t n_layers;         /* encodings: 1, or 2..SL_SIM_LAYERS_MAX (simulcast) */
	uint32_t ssrc;            /* media SSRC (of layer 0), never 0 */
	uint32_t rtx_ssrc;        /* 0 = no RTX stream */
	uint32_t layer_ssrc[SL_SIM_LAYERS_MAX];     /* [0] = ssrc; [i] layer i's */
	uint32_t layer_rtx_ssrc[SL_SIM_LAYERS_MAX]; /* [0] = rtx_ssrc; 0 = none */
	uint8_t codec;            /* enum sl_codec of the encoding's codec */
	uint8_t temporal_layers;  /* T of the first scalabilityMode (1 without) */
	uint8_t pad2[2];
	uint32_t clock_rate;
	struct cp_ortc_pt_pair pt_map[SL_PT_MAP_MAX]; /* media PTs first, then RTX */
	struct sl_ext_ids ext;        /* ids the producer sends (0 = absent) */
	struct sl_ext_ids router_ext; /* router ids of the same extensions */
	char cname[CP_ORTC_CNAME_MAX];
	json_t *consumable; /* owned: mediasoup's consumableRtpParameters */
};

/*
 * The router's rtpCapabilities, as mediasoup's generateRouterRtpCapabilities()
 * makes them for the media codecs of the PeerWave server's configuration
 * (parameters in brackets):
 *   audio/opus 48000/2 [useinbandfec=1, usedtx=1],
 *   video/VP8 [x-google-start-bitrate=1000],
 *   video/VP9 [profile-id=0, x-google-start-bitrate=1000],
 *   video/H264 [level-asymmetry-allowed=1, packetization-mode=1,
 *               profile-level-id=42e01f, x-google-start-bitrate=1000],
 *   video/H264 [the same with profile-level-id=4d0032],
 * each video codec followed by its video/rtx [apt];
 * preferredPayloadType from mediasoup's dynamic list: opus 100, VP8 101/102,
 * VP9 103/104, H264 42e01f 105/106, H264 4d0032 107/108. rtcpFeedback as
 * mediasoup's supported capabilities (audio: nack, transport-cc; video:
 * nack, nack pli, ccm fir, goog-remb, transport-cc), each with "parameter".
 * headerExtensions: mediasoup's supported list restricted to those in
 * struct sl_ext_ids (mid, rid, rrid, abs-send-time, transport-wide-cc,
 * ssrc-audio-level, video-orientation, toffset) with mediasoup's preferredId,
 * direction and preferredEncrypt false.
 * Returns a new object, or NULL on allocation failure.
 */
json_t *cp_ortc_router_caps(void);

/*
 * Parses a producer's rtpParameters for `kind` ("audio" or "video").
 * Validates the shape like mediasoup's validateRtpParameters, requires every
 * media codec to match a router codec (mime type, clock rate, channels; H264
 * packetization-mode and profile, VP9 profile-id; the H264 profile-level-id
 * is rewritten to the negotiated answer as mediasoup does) and every RTX
 * codec to have a router RTX codec, then fills *out (see the struct) and
 * out->consumable.
 *
 * Encodings (see the file comment): the media PT is the first encoding's
 * codecPayloadType if given, else the first media codec; the RTX PT is the
 * RTX codec whose apt is that PT. An encoding rtx.ssrc without an RTX codec
 * (or the reverse) yields no RTX (rtx_ssrc = rtx_payload_type = 0).
 * CNAME: rtcp.cname (<= 255 bytes) or, when absent, "sluice-<ssrc hex>".
 *
 * Returns 0; -EINVAL for malformed parameters or kind; -ENOTSUP for well-
 * formed parameters the router cannot take (unknown codec, simulcast, too
 * many codecs); -ENOMEM. On failure *out holds nothing to release (clear is
 * still safe). out must not hold a live `consumable` (it is overwritten).
 */
int cp_ortc_producer_parse(const char *kind, const json_t *rtp_parameters,
			   struct cp_ortc_producer *out, char *err, size_t errlen);

/* mediasoup's producer type: "simulcast" (several encodings), "svc" (one
 * encoding whose scalabilityMode has more than one spatial layer), else
 * "simple". Consumers of it get the same type. */
const char *cp_ortc_producer_type(const struct cp_ortc_producer *p);

/* Releases out->consumable and zeroes *p. Safe on a zeroed struct. */
void cp_ortc_producer_clear(struct cp_ortc_producer *p);

/* Fills the data plane's SL_MSG_PRODUCER_ADD payload (zeroing it first). */
void cp_ortc_producer_to_msg(const struct cp_ortc_producer *p, uint32_t producer_id,
			     struct sl_msg_producer_add *m);

/*
 * mediasoup's canConsume(): validates rtp_capabilities like
 * validateRtpCapabilities and checks that the first consumable codec they
 * match is a media codec. Returns 1 (can), 0 (cannot) or -EINVAL (malformed
 * capabilities or a producer without consumable parameters).
 */
int cp_ortc_can_consume(const struct cp_ortc_producer *p, const json_t *rtp_capabilities);

/*
 * The consumer's rtpParameters, as mediasoup's getConsumerRtpParameters()
 * (pipe = false, RTX enabled for video only): the consumable codecs the
 * capabilities match (router payload types, producer's codec parameters,
 * rtcpFeedback from the capabilities), RTX only if the consumer has it for a
 * kept media codec, header extensions the capabilities list with the same id
 * and uri, transport-cc feedback only with its extension (else goog-remb
 * with abs-send-time, else neither), one encoding {ssrc, rtx: {ssrc}?,
 * scalabilityMode?, maxBitrate?} (for a simulcast producer scalabilityMode
 * is "L<encodings>T<temporal layers>", as mediasoup mangles it), rtcp {cname, reducedSize: true, mux: true}
 * and no mid (see the file comment and cp_ortc_consumer_set_mid()).
 *
 * ssrc must not be 0; rtx_ssrc is used when RTX is negotiated (0 = ssrc + 1,
 * skipping 0, as mediasoup does). cname NULL or "" = the producer's CNAME.
 *
 * When m is not NULL it is zeroed and filled for SL_MSG_CONSUMER_ADD except
 * consumer_id and producer_id, which the caller sets: ssrc, rtx_ssrc (0 when
 * no RTX), kind, rtx_payload_type (the consumer's RTX PT, 0 = none), pt_map
 * (producer media PT -> consumer PT, i.e. the router PT, for each media codec
 * the consumer kept; RTX is not in pt_map: the data plane unwraps the
 * producer's RTX and sends its own with rtx_payload_type/rtx_ssrc),
 * clock_rate, ext (ids the consumer expects: 0 = strip; mid, rid and rrid
 * are always 0), nack/pli/fir/tcc from the consumer's first codec, paused=1.
 *
 * Returns a new object, or NULL with a message in err (malformed
 * capabilities, no compatible media codec, ssrc 0, out of memory).
 */
json_t *cp_ortc_consumer_params(const struct cp_ortc_producer *p, const json_t *rtp_capabilities,
				uint32_t ssrc, uint32_t rtx_ssrc, const char *cname,
				struct sl_msg_consumer_add *m, char *err, size_t errlen);

/*
 * Sets rtp_parameters["mid"] to the decimal string of n, as mediasoup's
 * Transport.consume() does with its per-transport counter (which wraps to 0
 * at 100000000). Returns 0, or -EINVAL (not an object) / -ENOMEM.
 */
int cp_ortc_consumer_set_mid(json_t *rtp_parameters, uint32_t n);

#endif /* CP_ORTC_H */
