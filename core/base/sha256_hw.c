/* sha256_hw.c - SHA-256 block functions on the CPU's own instructions (x86 SHA-NI, ARMv8
 * SHA2), chosen at run time. Hashing every layer twice (compressed and uncompressed) is
 * the largest CPU cost of a pull; BearSSL's portable code runs at ~200 MB/s, these at
 * several times that. Written here from the instruction set manuals' descriptions. */
#include <stdint.h>
#include <string.h>

#include "digest.h"

#if defined(__x86_64__) || defined(__aarch64__)
/* The round constants, for the machines below (elsewhere, armv7 among them: BearSSL's
 * portable code alone). */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
#endif

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* The state lives as ABEF and CDGH; each sha256rnds2 does two rounds. The message
 * schedule keeps the last four 4-word groups in m[], group g in m[g % 4]. */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_shani(uint32_t st[8], const unsigned char *p,
								     size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i dcba = _mm_loadu_si128((const __m128i *)&st[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&st[4]);
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
	__m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
	for (; n; n--, p += 64) {
		__m128i save0 = abef, save1 = cdgh, m[4];
		for (int g = 0; g < 16; g++) {
			if (g < 4) {
				m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
			} else {
				__m128i t = _mm_sha256msg1_epu32(m[g % 4], m[(g + 1) % 4]);
				t = _mm_add_epi32(t, _mm_alignr_epi8(m[(g + 3) % 4], m[(g + 2) % 4], 4));
				m[g % 4] = _mm_sha256msg2_epu32(t, m[(g + 3) % 4]);
			}
			__m128i wk = _mm_add_epi32(m[g % 4], _mm_loadu_si128((const __m128i *)&K[4 * g]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
		}
		abef = _mm_add_epi32(abef, save0);
		cdgh = _mm_add_epi32(cdgh, save1);
	}
	__m128i feba = _mm_shuffle_epi32(abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
	_mm_storeu_si128((__m128i *)&st[0], _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)&st[4], _mm_alignr_epi8(dchg, feba, 8));
}

cb_sha256_blocks_fn cb_sha256_hw(void)
{
	unsigned a, b, c, d;
	if (getenv("CBOX_NO_SHA_HW"))
		return NULL;
	/* SHA-NI: leaf 7 EBX bit 29; SSE4.1: leaf 1 ECX bit 19; SSSE3: leaf 1 ECX bit 9. */
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9)))
		return NULL;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 29)))
		return NULL;
	return blocks_shani;
}

#elif defined(__aarch64__)
#include <arm_neon.h>
#include <asm/hwcap.h>
#include <sys/auxv.h>

__attribute__((target("+crypto"))) static void blocks_armv8(uint32_t st[8], const unsigned char *p, size_t n)
{
	uint32x4_t abcd = vld1q_u32(&st[0]), efgh = vld1q_u32(&st[4]);
	for (; n; n--, p += 64) {
		uint32x4_t save0 = abcd, save1 = efgh, m[4];
		for (int g = 0; g < 16; g++) {
			if (g < 4)
				m[g] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p + 16 * g)));
			else
				m[g % 4] = vsha256su1q_u32(vsha256su0q_u32(m[g % 4], m[(g + 1) % 4]), m[(g + 2) % 4],
							   m[(g + 3) % 4]);
			uint32x4_t wk = vaddq_u32(m[g % 4], vld1q_u32(&K[4 * g]));
			uint32x4_t prev = abcd;
			abcd = vsha256hq_u32(abcd, efgh, wk);
			efgh = vsha256h2q_u32(efgh, prev, wk);
		}
		abcd = vaddq_u32(abcd, save0);
		efgh = vaddq_u32(efgh, save1);
	}
	vst1q_u32(&st[0], abcd);
	vst1q_u32(&st[4], efgh);
}

cb_sha256_blocks_fn cb_sha256_hw(void)
{
	if (getenv("CBOX_NO_SHA_HW"))
		return NULL;
	return (getauxval(AT_HWCAP) & HWCAP_SHA2) ? blocks_armv8 : NULL;
}

#else
cb_sha256_blocks_fn cb_sha256_hw(void)
{
	return NULL;
}
#endif
