/* SPDX-License-Identifier: MIT */
/*
 * cp_ortc_int.h - internals shared by the cp_ortc_*.c files. Not installed,
 * not for other modules.
 */
#ifndef CP_ORTC_INT_H
#define CP_ORTC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Writes a formatted message into err (if errlen > 0) and returns code. */
int cp_ortc_errf(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* JavaScript truthiness of a JSON value (NULL = undefined = false). */
bool cp_ortc_truthy(const json_t *v);

/* v is a JSON number with an integral value in [min, max]: stores it. */
bool cp_ortc_int_in(const json_t *v, int64_t min, int64_t max, int64_t *out);

/* Integer member `key` of obj (normalized objects hold json integers). */
int64_t cp_ortc_get_int(const json_t *obj, const char *key, int64_t dflt);

/* String member `key` of obj, or dflt when absent or not a string. */
const char *cp_ortc_get_str(const json_t *obj, const char *key, const char *dflt);

/* Whether codec's rtcpFeedback holds {type, parameter} ("" = no parameter). */
bool cp_ortc_has_fb(const json_t *codec, const char *type, const char *param);

/*
 * Normalized deep copies, as mediasoup's validate* functions leave their
 * (cloned) input: defaults filled in (headerExtensions/encodings [], rtcp {},
 * channels 1 for audio, parameters {}, rtcpFeedback [] with "parameter",
 * encrypt false, dtx false, reducedSize true, ...), channels removed from
 * video codecs, integer fields as json integers, "kind" set on capability
 * codecs. Return NULL with a message on invalid input or allocation failure
 * (*code = -EINVAL or -ENOMEM).
 */
json_t *cp_ortc_norm_params(const json_t *params, int *code, char *err, size_t errlen);
json_t *cp_ortc_norm_caps(const json_t *caps, int *code, char *err, size_t errlen);

/* mediasoup's isRtxCodec(): mimeType matches /.+\/rtx$/i. */
bool cp_ortc_is_rtx(const json_t *codec);

/*
 * mediasoup's matchCodecs(a, b, {strict, modify}) over normalized codecs:
 * mime type (case-insensitive), clock rate, channels; with strict also H264
 * packetization-mode and profile (and a negotiable level), VP9 profile-id;
 * multiopus stream counts always. With modify (and a match) a's H264
 * profile-level-id is set to the answer (or removed); a must then be
 * mutable. Returns 1 on match, 0 if not, -ENOMEM if modify failed.
 */
int cp_ortc_match_codecs(json_t *a, const json_t *b, bool strict, bool modify);

/* The router's preferredId of an extension for a kind (enum sl_media_kind),
 * 0 if the router does not offer it. */
uint8_t cp_ortc_router_ext_id(uint8_t kind, const char *uri);

#endif /* CP_ORTC_INT_H */
