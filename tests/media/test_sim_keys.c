/* SPDX-License-Identifier: MIT */
/*
 * test_sim_keys - the key-frame recognition of simulcast layers
 * (dp_simulcast_is_key, dataplane/media/dp_simulcast.c): VP8 with and
 * without the extended descriptor, VP9, H264 single NAL / STAP-A / FU-A,
 * truncated payloads, unknown codecs. Pure: no EAL.
 */
#include <stdint.h>

#include "../unit/check.h"
#include "dp_media_int.h"

#define KEY(codec, ...)                                                                 \
	({                                                                              \
		const uint8_t b_[] = {__VA_ARGS__};                                     \
		dp_simulcast_is_key((codec), b_, sizeof(b_));                           \
	})

int main(void)
{
	/* VP8: S = 1, PID 0, P bit of the payload header */
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x10, 0x00, 0x9d), 1);
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x10, 0x01, 0x9d), 0);       /* delta frame */
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x00, 0x00, 0x9d), 0);       /* not the frame's start */
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x11, 0x00, 0x9d), 0);       /* partition 1 */
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x90, 0x80, 0x05, 0x00), 1); /* X, I (7-bit id) */
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x90, 0xc0, 0x80, 0x05, 0x07, 0x00), 1); /* 15-bit id, L */
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x90, 0xf0, 0x80, 0x05, 0x07, 0x20, 0x01), 0); /* T/K, delta */
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x90, 0xf0, 0x80, 0x05, 0x07, 0x20, 0x00), 1);
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x90, 0xc0, 0x80, 0x05, 0x07), 0); /* truncated */
	CHECK_EQ(KEY(SL_CODEC_VP8, 0x90), 0);
	CHECK_EQ(dp_simulcast_is_key(SL_CODEC_VP8, (const uint8_t *)"", 0), 0);
	/* VP9: P = 0 and B = 1 */
	CHECK_EQ(KEY(SL_CODEC_VP9, 0x08), 1);
	CHECK_EQ(KEY(SL_CODEC_VP9, 0x48), 0);
	CHECK_EQ(KEY(SL_CODEC_VP9, 0x00), 0);
	/* H264: IDR / SPS, STAP-A holding one, FU-A start of an IDR */
	CHECK_EQ(KEY(SL_CODEC_H264, 0x65, 0x88), 1);
	CHECK_EQ(KEY(SL_CODEC_H264, 0x67, 0x42), 1);
	CHECK_EQ(KEY(SL_CODEC_H264, 0x41, 0x9a), 0);
	CHECK_EQ(KEY(SL_CODEC_H264, 0x78, 0x00, 0x02, 0x09, 0xf0, 0x00, 0x02, 0x67, 0x42), 1);
	CHECK_EQ(KEY(SL_CODEC_H264, 0x78, 0x00, 0x02, 0x09, 0xf0, 0x00, 0x02, 0x41, 0x9a), 0);
	CHECK_EQ(KEY(SL_CODEC_H264, 0x78, 0x00, 0x09, 0x67), 0); /* size beyond the packet */
	CHECK_EQ(KEY(SL_CODEC_H264, 0x78, 0x00, 0x00, 0x67), 0); /* size 0 */
	CHECK_EQ(KEY(SL_CODEC_H264, 0x7c, 0x85, 0x88), 1);       /* FU-A, S, IDR */
	CHECK_EQ(KEY(SL_CODEC_H264, 0x7c, 0x45, 0x88), 0);       /* FU-A, E only */
	CHECK_EQ(KEY(SL_CODEC_H264, 0x7c, 0x81, 0x88), 0);       /* FU-A, S, non-IDR */
	CHECK_EQ(KEY(SL_CODEC_H264, 0x7c), 0);
	/* codecs the data plane does not know: never a key frame */
	CHECK_EQ(KEY(SL_CODEC_OTHER, 0x10, 0x00), 0);
	CHECK_EQ(KEY(SL_CODEC_OPUS, 0x10, 0x00), 0);
	return check_report("test_sim_keys");
}
