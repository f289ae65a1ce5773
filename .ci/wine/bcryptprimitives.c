/* Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Rust's std imports
 * for random numbers (HashMap keys). This stand-in answers it with
 * advapi32's RtlGenRandom (SystemFunction036), which wine has. Built and
 * copied into a private wine prefix by .ci/run; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
