/* i386_chown.c - for emul.test on x86_64: chown PATH to 1000:1000 through the i386 ABI
 * (int $0x80, chown32) from a 64-bit program, as a 32-bit binary in the container would,
 * and print the raw result: 0, or -errno. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	/* i386 calls see 32-bit pointers: the path must live below 4 GiB. */
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (argc != 2 || p == MAP_FAILED || strlen(argv[1]) >= 4096)
		return 2;
	strcpy(p, argv[1]);
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(212L /* chown32 */), "b"(p), "c"(1000L), "d"(1000L) : "memory");
	printf("i386 chown32: %ld\n", r);
	return 0;
}
