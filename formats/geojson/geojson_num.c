/* geojson_num.c: JSON numbers for the GeoJSON reader: scanning a token
 * (keeping its first 19 significant digits and decimal exponent), and
 * converting it to exactly the double strtod (GDAL's CPLAtof) gives, mostly
 * without calling strtod: Clinger's fast path, then Eisel-Lemire. The small
 * helpers the other files call per number (is_digit, eight_digits,
 * num_int64) are inline in geojson_int.h. */
#include "geojson_int.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Scanning                                                                  */
/* ------------------------------------------------------------------------ */

#if GJ_SWAR
/* The value of eight digits loaded by eight_digits(). */
static inline uint64_t eight_digits_value(uint64_t v)
{
    const uint64_t mask = UINT64_C(0x000000FF000000FF);
    v -= UINT64_C(0x3030303030303030);
    v = v * 10 + (v >> 8);
    return ((v & mask) * UINT64_C(0x000F424000000064) +
            ((v >> 16) & mask) * UINT64_C(0x0000271000000001)) >> 32;
}
#endif

/* Scans a JSON number, keeping its first 19 significant digits and decimal
 * exponent for the exact conversion in gj_num_double(). */
int gj_scan_number(gj_reader *r, gj_num *n)
{
    const unsigned char *p = r->p, *end = r->end;
    uint64_t w = 0;
    int64_t q = 0, e = 0;
    int nd = 0, many = 0, neg = 0, is_int = 1;

    n->s = p;
    if (*p == '-') { neg = 1; p++; }
    if (p >= end) return gj_fail(r, GJ_ERROR, p, "unexpected end of file inside a number");
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return gj_fail(r, GJ_ERROR, p - 1, "bad number: leading zeros are not allowed in JSON");
    } else if (is_digit(*p)) {
#if GJ_SWAR
        uint64_t x;
        while (nd <= 11 && end - p >= 8 && eight_digits(p, &x)) {
            w = w * 100000000 + eight_digits_value(x);
            nd += 8;
            p += 8;
        }
#endif
        while (p < end && is_digit(*p)) {
            if (nd < 19) { w = w * 10 + (uint64_t)(*p - '0'); nd++; }
            else { many = 1; q++; }
            p++;
        }
    } else if (*p == 'I') {
        return gj_fail(r, GJ_ERROR, n->s, "NaN and Infinity are not JSON numbers");
    } else {
        return gj_fail(r, GJ_ERROR, n->s, "bad number: expected a digit after '-'");
    }
    if (p < end && *p == '.') {
        is_int = 0;
        p++;
        if (p >= end || !is_digit(*p))
            return gj_fail(r, GJ_ERROR, n->s, "bad number: expected a digit after the decimal point");
        if (nd == 0)
            for (; p < end && *p == '0'; p++) q--;        /* leading zeros of 0.00x */
#if GJ_SWAR
        {
            uint64_t x;
            while (nd <= 11 && end - p >= 8 && eight_digits(p, &x)) {
                w = w * 100000000 + eight_digits_value(x);
                nd += 8;
                q -= 8;
                p += 8;
            }
        }
#endif
        for (; p < end && is_digit(*p); p++) {
            if (nd < 19) { w = w * 10 + (unsigned)(*p - '0'); nd++; q--; }
            else many = 1;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        is_int = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) { eneg = *p == '-'; p++; }
        if (p >= end || !is_digit(*p))
            return gj_fail(r, GJ_ERROR, n->s, "bad number: expected a digit in the exponent");
        do {
            if (e < 100000000) e = e * 10 + (*p - '0');   /* clamp: far beyond any double */
            p++;
        } while (p < end && is_digit(*p));
        q += eneg ? -e : e;
    }
    n->len = (size_t)(p - n->s);
    n->w = w;
    n->q = q;
    n->nd = nd;
    n->many = many;
    n->neg = neg;
    n->is_int = is_int;
    r->p = p;
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Exact conversion to double                                                */
/* ------------------------------------------------------------------------ */

/* Powers of ten exactly representable as doubles (Clinger's fast path). */
static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* 128-bit approximations of 5^q, normalized so the top bit is set, for the
 * Eisel-Lemire algorithm (Lemire, "Number Parsing at a Gigabyte per Second",
 * 2021): 5^q truncated for q >= 0; floor(2^b / 5^-q) + 1 for q < 0. Only the
 * exponents that coordinates and measures use are tabulated; the rest go to
 * strtod. Generated with exact integer arithmetic. */
#define EL_QMIN (-64)
#define EL_QMAX 64
static const uint64_t el_pow5[EL_QMAX - EL_QMIN + 1][2] = {
    {UINT64_C(0xa87fea27a539e9a5), UINT64_C(0x3f2398d747b36224)}, /* 5^-64 */
    {UINT64_C(0xd29fe4b18e88640e), UINT64_C(0x8eec7f0d19a03aad)}, /* 5^-63 */
    {UINT64_C(0x83a3eeeef9153e89), UINT64_C(0x1953cf68300424ac)}, /* 5^-62 */
    {UINT64_C(0xa48ceaaab75a8e2b), UINT64_C(0x5fa8c3423c052dd7)}, /* 5^-61 */
    {UINT64_C(0xcdb02555653131b6), UINT64_C(0x3792f412cb06794d)}, /* 5^-60 */
    {UINT64_C(0x808e17555f3ebf11), UINT64_C(0xe2bbd88bbee40bd0)}, /* 5^-59 */
    {UINT64_C(0xa0b19d2ab70e6ed6), UINT64_C(0x5b6aceaeae9d0ec4)}, /* 5^-58 */
    {UINT64_C(0xc8de047564d20a8b), UINT64_C(0xf245825a5a445275)}, /* 5^-57 */
    {UINT64_C(0xfb158592be068d2e), UINT64_C(0xeed6e2f0f0d56712)}, /* 5^-56 */
    {UINT64_C(0x9ced737bb6c4183d), UINT64_C(0x55464dd69685606b)}, /* 5^-55 */
    {UINT64_C(0xc428d05aa4751e4c), UINT64_C(0xaa97e14c3c26b886)}, /* 5^-54 */
    {UINT64_C(0xf53304714d9265df), UINT64_C(0xd53dd99f4b3066a8)}, /* 5^-53 */
    {UINT64_C(0x993fe2c6d07b7fab), UINT64_C(0xe546a8038efe4029)}, /* 5^-52 */
    {UINT64_C(0xbf8fdb78849a5f96), UINT64_C(0xde98520472bdd033)}, /* 5^-51 */
    {UINT64_C(0xef73d256a5c0f77c), UINT64_C(0x963e66858f6d4440)}, /* 5^-50 */
    {UINT64_C(0x95a8637627989aad), UINT64_C(0xdde7001379a44aa8)}, /* 5^-49 */
    {UINT64_C(0xbb127c53b17ec159), UINT64_C(0x5560c018580d5d52)}, /* 5^-48 */
    {UINT64_C(0xe9d71b689dde71af), UINT64_C(0xaab8f01e6e10b4a6)}, /* 5^-47 */
    {UINT64_C(0x9226712162ab070d), UINT64_C(0xcab3961304ca70e8)}, /* 5^-46 */
    {UINT64_C(0xb6b00d69bb55c8d1), UINT64_C(0x3d607b97c5fd0d22)}, /* 5^-45 */
    {UINT64_C(0xe45c10c42a2b3b05), UINT64_C(0x8cb89a7db77c506a)}, /* 5^-44 */
    {UINT64_C(0x8eb98a7a9a5b04e3), UINT64_C(0x77f3608e92adb242)}, /* 5^-43 */
    {UINT64_C(0xb267ed1940f1c61c), UINT64_C(0x55f038b237591ed3)}, /* 5^-42 */
    {UINT64_C(0xdf01e85f912e37a3), UINT64_C(0x6b6c46dec52f6688)}, /* 5^-41 */
    {UINT64_C(0x8b61313bbabce2c6), UINT64_C(0x2323ac4b3b3da015)}, /* 5^-40 */
    {UINT64_C(0xae397d8aa96c1b77), UINT64_C(0xabec975e0a0d081a)}, /* 5^-39 */
    {UINT64_C(0xd9c7dced53c72255), UINT64_C(0x96e7bd358c904a21)}, /* 5^-38 */
    {UINT64_C(0x881cea14545c7575), UINT64_C(0x7e50d64177da2e54)}, /* 5^-37 */
    {UINT64_C(0xaa242499697392d2), UINT64_C(0xdde50bd1d5d0b9e9)}, /* 5^-36 */
    {UINT64_C(0xd4ad2dbfc3d07787), UINT64_C(0x955e4ec64b44e864)}, /* 5^-35 */
    {UINT64_C(0x84ec3c97da624ab4), UINT64_C(0xbd5af13bef0b113e)}, /* 5^-34 */
    {UINT64_C(0xa6274bbdd0fadd61), UINT64_C(0xecb1ad8aeacdd58e)}, /* 5^-33 */
    {UINT64_C(0xcfb11ead453994ba), UINT64_C(0x67de18eda5814af2)}, /* 5^-32 */
    {UINT64_C(0x81ceb32c4b43fcf4), UINT64_C(0x80eacf948770ced7)}, /* 5^-31 */
    {UINT64_C(0xa2425ff75e14fc31), UINT64_C(0xa1258379a94d028d)}, /* 5^-30 */
    {UINT64_C(0xcad2f7f5359a3b3e), UINT64_C(0x096ee45813a04330)}, /* 5^-29 */
    {UINT64_C(0xfd87b5f28300ca0d), UINT64_C(0x8bca9d6e188853fc)}, /* 5^-28 */
    {UINT64_C(0x9e74d1b791e07e48), UINT64_C(0x775ea264cf55347e)}, /* 5^-27 */
    {UINT64_C(0xc612062576589dda), UINT64_C(0x95364afe032a819e)}, /* 5^-26 */
    {UINT64_C(0xf79687aed3eec551), UINT64_C(0x3a83ddbd83f52205)}, /* 5^-25 */
    {UINT64_C(0x9abe14cd44753b52), UINT64_C(0xc4926a9672793543)}, /* 5^-24 */
    {UINT64_C(0xc16d9a0095928a27), UINT64_C(0x75b7053c0f178294)}, /* 5^-23 */
    {UINT64_C(0xf1c90080baf72cb1), UINT64_C(0x5324c68b12dd6339)}, /* 5^-22 */
    {UINT64_C(0x971da05074da7bee), UINT64_C(0xd3f6fc16ebca5e04)}, /* 5^-21 */
    {UINT64_C(0xbce5086492111aea), UINT64_C(0x88f4bb1ca6bcf585)}, /* 5^-20 */
    {UINT64_C(0xec1e4a7db69561a5), UINT64_C(0x2b31e9e3d06c32e6)}, /* 5^-19 */
    {UINT64_C(0x9392ee8e921d5d07), UINT64_C(0x3aff322e62439fd0)}, /* 5^-18 */
    {UINT64_C(0xb877aa3236a4b449), UINT64_C(0x09befeb9fad487c3)}, /* 5^-17 */
    {UINT64_C(0xe69594bec44de15b), UINT64_C(0x4c2ebe687989a9b4)}, /* 5^-16 */
    {UINT64_C(0x901d7cf73ab0acd9), UINT64_C(0x0f9d37014bf60a11)}, /* 5^-15 */
    {UINT64_C(0xb424dc35095cd80f), UINT64_C(0x538484c19ef38c95)}, /* 5^-14 */
    {UINT64_C(0xe12e13424bb40e13), UINT64_C(0x2865a5f206b06fba)}, /* 5^-13 */
    {UINT64_C(0x8cbccc096f5088cb), UINT64_C(0xf93f87b7442e45d4)}, /* 5^-12 */
    {UINT64_C(0xafebff0bcb24aafe), UINT64_C(0xf78f69a51539d749)}, /* 5^-11 */
    {UINT64_C(0xdbe6fecebdedd5be), UINT64_C(0xb573440e5a884d1c)}, /* 5^-10 */
    {UINT64_C(0x89705f4136b4a597), UINT64_C(0x31680a88f8953031)}, /* 5^-9 */
    {UINT64_C(0xabcc77118461cefc), UINT64_C(0xfdc20d2b36ba7c3e)}, /* 5^-8 */
    {UINT64_C(0xd6bf94d5e57a42bc), UINT64_C(0x3d32907604691b4d)}, /* 5^-7 */
    {UINT64_C(0x8637bd05af6c69b5), UINT64_C(0xa63f9a49c2c1b110)}, /* 5^-6 */
    {UINT64_C(0xa7c5ac471b478423), UINT64_C(0x0fcf80dc33721d54)}, /* 5^-5 */
    {UINT64_C(0xd1b71758e219652b), UINT64_C(0xd3c36113404ea4a9)}, /* 5^-4 */
    {UINT64_C(0x83126e978d4fdf3b), UINT64_C(0x645a1cac083126ea)}, /* 5^-3 */
    {UINT64_C(0xa3d70a3d70a3d70a), UINT64_C(0x3d70a3d70a3d70a4)}, /* 5^-2 */
    {UINT64_C(0xcccccccccccccccc), UINT64_C(0xcccccccccccccccd)}, /* 5^-1 */
    {UINT64_C(0x8000000000000000), UINT64_C(0x0000000000000000)}, /* 5^0 */
    {UINT64_C(0xa000000000000000), UINT64_C(0x0000000000000000)}, /* 5^1 */
    {UINT64_C(0xc800000000000000), UINT64_C(0x0000000000000000)}, /* 5^2 */
    {UINT64_C(0xfa00000000000000), UINT64_C(0x0000000000000000)}, /* 5^3 */
    {UINT64_C(0x9c40000000000000), UINT64_C(0x0000000000000000)}, /* 5^4 */
    {UINT64_C(0xc350000000000000), UINT64_C(0x0000000000000000)}, /* 5^5 */
    {UINT64_C(0xf424000000000000), UINT64_C(0x0000000000000000)}, /* 5^6 */
    {UINT64_C(0x9896800000000000), UINT64_C(0x0000000000000000)}, /* 5^7 */
    {UINT64_C(0xbebc200000000000), UINT64_C(0x0000000000000000)}, /* 5^8 */
    {UINT64_C(0xee6b280000000000), UINT64_C(0x0000000000000000)}, /* 5^9 */
    {UINT64_C(0x9502f90000000000), UINT64_C(0x0000000000000000)}, /* 5^10 */
    {UINT64_C(0xba43b74000000000), UINT64_C(0x0000000000000000)}, /* 5^11 */
    {UINT64_C(0xe8d4a51000000000), UINT64_C(0x0000000000000000)}, /* 5^12 */
    {UINT64_C(0x9184e72a00000000), UINT64_C(0x0000000000000000)}, /* 5^13 */
    {UINT64_C(0xb5e620f480000000), UINT64_C(0x0000000000000000)}, /* 5^14 */
    {UINT64_C(0xe35fa931a0000000), UINT64_C(0x0000000000000000)}, /* 5^15 */
    {UINT64_C(0x8e1bc9bf04000000), UINT64_C(0x0000000000000000)}, /* 5^16 */
    {UINT64_C(0xb1a2bc2ec5000000), UINT64_C(0x0000000000000000)}, /* 5^17 */
    {UINT64_C(0xde0b6b3a76400000), UINT64_C(0x0000000000000000)}, /* 5^18 */
    {UINT64_C(0x8ac7230489e80000), UINT64_C(0x0000000000000000)}, /* 5^19 */
    {UINT64_C(0xad78ebc5ac620000), UINT64_C(0x0000000000000000)}, /* 5^20 */
    {UINT64_C(0xd8d726b7177a8000), UINT64_C(0x0000000000000000)}, /* 5^21 */
    {UINT64_C(0x878678326eac9000), UINT64_C(0x0000000000000000)}, /* 5^22 */
    {UINT64_C(0xa968163f0a57b400), UINT64_C(0x0000000000000000)}, /* 5^23 */
    {UINT64_C(0xd3c21bcecceda100), UINT64_C(0x0000000000000000)}, /* 5^24 */
    {UINT64_C(0x84595161401484a0), UINT64_C(0x0000000000000000)}, /* 5^25 */
    {UINT64_C(0xa56fa5b99019a5c8), UINT64_C(0x0000000000000000)}, /* 5^26 */
    {UINT64_C(0xcecb8f27f4200f3a), UINT64_C(0x0000000000000000)}, /* 5^27 */
    {UINT64_C(0x813f3978f8940984), UINT64_C(0x4000000000000000)}, /* 5^28 */
    {UINT64_C(0xa18f07d736b90be5), UINT64_C(0x5000000000000000)}, /* 5^29 */
    {UINT64_C(0xc9f2c9cd04674ede), UINT64_C(0xa400000000000000)}, /* 5^30 */
    {UINT64_C(0xfc6f7c4045812296), UINT64_C(0x4d00000000000000)}, /* 5^31 */
    {UINT64_C(0x9dc5ada82b70b59d), UINT64_C(0xf020000000000000)}, /* 5^32 */
    {UINT64_C(0xc5371912364ce305), UINT64_C(0x6c28000000000000)}, /* 5^33 */
    {UINT64_C(0xf684df56c3e01bc6), UINT64_C(0xc732000000000000)}, /* 5^34 */
    {UINT64_C(0x9a130b963a6c115c), UINT64_C(0x3c7f400000000000)}, /* 5^35 */
    {UINT64_C(0xc097ce7bc90715b3), UINT64_C(0x4b9f100000000000)}, /* 5^36 */
    {UINT64_C(0xf0bdc21abb48db20), UINT64_C(0x1e86d40000000000)}, /* 5^37 */
    {UINT64_C(0x96769950b50d88f4), UINT64_C(0x1314448000000000)}, /* 5^38 */
    {UINT64_C(0xbc143fa4e250eb31), UINT64_C(0x17d955a000000000)}, /* 5^39 */
    {UINT64_C(0xeb194f8e1ae525fd), UINT64_C(0x5dcfab0800000000)}, /* 5^40 */
    {UINT64_C(0x92efd1b8d0cf37be), UINT64_C(0x5aa1cae500000000)}, /* 5^41 */
    {UINT64_C(0xb7abc627050305ad), UINT64_C(0xf14a3d9e40000000)}, /* 5^42 */
    {UINT64_C(0xe596b7b0c643c719), UINT64_C(0x6d9ccd05d0000000)}, /* 5^43 */
    {UINT64_C(0x8f7e32ce7bea5c6f), UINT64_C(0xe4820023a2000000)}, /* 5^44 */
    {UINT64_C(0xb35dbf821ae4f38b), UINT64_C(0xdda2802c8a800000)}, /* 5^45 */
    {UINT64_C(0xe0352f62a19e306e), UINT64_C(0xd50b2037ad200000)}, /* 5^46 */
    {UINT64_C(0x8c213d9da502de45), UINT64_C(0x4526f422cc340000)}, /* 5^47 */
    {UINT64_C(0xaf298d050e4395d6), UINT64_C(0x9670b12b7f410000)}, /* 5^48 */
    {UINT64_C(0xdaf3f04651d47b4c), UINT64_C(0x3c0cdd765f114000)}, /* 5^49 */
    {UINT64_C(0x88d8762bf324cd0f), UINT64_C(0xa5880a69fb6ac800)}, /* 5^50 */
    {UINT64_C(0xab0e93b6efee0053), UINT64_C(0x8eea0d047a457a00)}, /* 5^51 */
    {UINT64_C(0xd5d238a4abe98068), UINT64_C(0x72a4904598d6d880)}, /* 5^52 */
    {UINT64_C(0x85a36366eb71f041), UINT64_C(0x47a6da2b7f864750)}, /* 5^53 */
    {UINT64_C(0xa70c3c40a64e6c51), UINT64_C(0x999090b65f67d924)}, /* 5^54 */
    {UINT64_C(0xd0cf4b50cfe20765), UINT64_C(0xfff4b4e3f741cf6d)}, /* 5^55 */
    {UINT64_C(0x82818f1281ed449f), UINT64_C(0xbff8f10e7a8921a4)}, /* 5^56 */
    {UINT64_C(0xa321f2d7226895c7), UINT64_C(0xaff72d52192b6a0d)}, /* 5^57 */
    {UINT64_C(0xcbea6f8ceb02bb39), UINT64_C(0x9bf4f8a69f764490)}, /* 5^58 */
    {UINT64_C(0xfee50b7025c36a08), UINT64_C(0x02f236d04753d5b4)}, /* 5^59 */
    {UINT64_C(0x9f4f2726179a2245), UINT64_C(0x01d762422c946590)}, /* 5^60 */
    {UINT64_C(0xc722f0ef9d80aad6), UINT64_C(0x424d3ad2b7b97ef5)}, /* 5^61 */
    {UINT64_C(0xf8ebad2b84e0d58b), UINT64_C(0xd2e0898765a7deb2)}, /* 5^62 */
    {UINT64_C(0x9b934c3b330c8577), UINT64_C(0x63cc55f49f88eb2f)}, /* 5^63 */
    {UINT64_C(0xc2781f49ffcfa6d5), UINT64_C(0x3cbf6b71c76b25fb)}, /* 5^64 */
};

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 gj_u128;
static inline uint64_t mul_hi(uint64_t a, uint64_t b, uint64_t *lo)
{
    gj_u128 p = (gj_u128)a * b;
    *lo = (uint64_t)p;
    return (uint64_t)(p >> 64);
}
#else
/* Portable 64x64 -> 128 multiplication. */
static inline uint64_t mul_hi(uint64_t a, uint64_t b, uint64_t *lo)
{
    uint64_t al = a & 0xFFFFFFFFu, ah = a >> 32, bl = b & 0xFFFFFFFFu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
    *lo = (mid << 32) | (ll & 0xFFFFFFFFu);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
#endif

static inline int clz64(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_clzll(x);
#else
    int n = 0;
    while (!(x & (UINT64_C(1) << 63))) { x <<= 1; n++; }
    return n;
#endif
}

/* floor(q * log2(10)) with the integer approximation 217706 / 2^16, without
 * relying on >> of a negative number. */
static inline int floor_log2_pow10(int q)
{
    int t = 217706 * q;
    return t >= 0 ? t / 65536 : -((-t + 65535) / 65536);
}

/* Eisel-Lemire: w * 10^q correctly rounded, w != 0, q in the table's range.
 * Returns 0 when the 128-bit product cannot decide the rounding (then strtod
 * decides). In this exponent range results are always normal doubles. */
static int eisel_lemire(uint64_t w, int q, double *out)
{
    const uint64_t *t = el_pow5[q - EL_QMIN];
    int lz = clz64(w);
    uint64_t lo, hi, m, bits;
    int upper, p2;

    w <<= lz;
    hi = mul_hi(w, t[0], &lo);
    if ((hi & 0x1FF) == 0x1FF) {                 /* 9 bits below the mantissa all ones */
        uint64_t lo2, hi2 = mul_hi(w, t[1], &lo2);
        (void)lo2;
        lo += hi2;
        if (hi2 > lo) hi++;
    }
    if (lo == UINT64_MAX && (q < -27 || q > 55)) return 0;
    upper = (int)(hi >> 63);
    m = hi >> (upper + 9);
    p2 = floor_log2_pow10(q) + 63 + upper - lz + 1023;
    /* A product exactly halfway between two doubles rounds to even. */
    if (lo <= 1 && q >= -4 && q <= 23 && (m & 3) == 1 && (m << (upper + 9)) == hi)
        m &= ~(uint64_t)1;
    m += m & 1;
    m >>= 1;
    if (m >= (UINT64_C(2) << 52)) { m = UINT64_C(1) << 52; p2++; }
    m &= ~(UINT64_C(1) << 52);
    if (p2 <= 0 || p2 >= 0x7FF) return 0;
    bits = m | ((uint64_t)p2 << 52);
    memcpy(out, &bits, sizeof *out);
    return 1;
}

/* strtod on a NUL-terminated copy of the token, in the "C" locale (the
 * mapped file has no terminator and the caller's locale may use ','). */
static int num_strtod(gj_reader *r, const gj_num *n, double *out)
{
    locale_t old = (locale_t)0;
    char *end;
    TRY(gj_grow(r, (void **)&r->tmpbuf, &r->tmpcap, n->len + 1, 1));
    memcpy(r->tmpbuf, n->s, n->len);
    r->tmpbuf[n->len] = '\0';
    if (r->cloc) old = uselocale(r->cloc);
    *out = strtod(r->tmpbuf, &end);
    if (r->cloc) uselocale(old);
    if (isinf(*out))
        return gj_fail(r, GJ_ERROR, n->s, "number %.*s is out of the range of a double",
                       (int)(n->len > 40 ? 40 : n->len), (const char *)n->s);
    return GJ_OK;
}

/* The double value of a number token, exactly as strtod (GDAL's CPLAtof)
 * gives it; integer tokens go through int64 as in json-c, so "-0" is +0. */
int gj_num_double(gj_reader *r, const gj_num *n, double *out)
{
    if (n->is_int) {
        int64_t v;
        if (!num_int64(n, &v))
            return gj_fail(r, GJ_UNSUPPORTED, n->s, "integer %.*s does not fit in 64 bits (GDAL clamps it)",
                           (int)(n->len > 40 ? 40 : n->len), (const char *)n->s);
        *out = (double)v;
        return GJ_OK;
    }
    if (!n->many) {
        double d;
        if (n->w == 0) { *out = n->neg ? -0.0 : 0.0; return GJ_OK; }
#if FLT_EVAL_METHOD == 0
        if (n->q >= -22 && n->q <= 22 && n->w <= (UINT64_C(1) << 53)) {
            d = (double)n->w;
            d = n->q < 0 ? d / pow10_exact[-n->q] : d * pow10_exact[n->q];
            *out = n->neg ? -d : d;
            return GJ_OK;
        }
#endif
        if (n->q >= EL_QMIN && n->q <= EL_QMAX && eisel_lemire(n->w, (int)n->q, &d)) {
            *out = n->neg ? -d : d;
            return GJ_OK;
        }
    }
    return num_strtod(r, n, out);
}

/* Schema pass: checks a number without converting it unless it might
 * overflow (w < 10^nd, so the value is below 10^(nd+q)). */
int gj_num_check(gj_reader *r, const gj_num *n)
{
    double d;
    if (n->is_int) {
        int64_t v;
        if (num_int64(n, &v)) return GJ_OK;
        return gj_num_double(r, n, &d);          /* reports it: GDAL clamps such integers */
    }
    if (n->nd + n->q <= 308) return GJ_OK;
    return num_strtod(r, n, &d);
}
