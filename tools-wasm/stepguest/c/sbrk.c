/*
 * sbrk.c: the break that wasi-libc's malloc (dlmalloc) grows its heap by,
 * replacing wasi-libc's sbrk.
 *
 * wasi-libc's own sbrk starts at the end of the initial memory, so the
 * first allocation grows the memory even though the initial pages after
 * the data are free; and it grows by exactly what malloc asks (64 KiB at a
 * time). In wazero each growth of memory reallocates and copies the whole
 * memory, and an instance's initial pages cost instantiation time. This
 * sbrk starts at __heap_base, inside the initial memory (the Makefile
 * sizes it so that malloc's first 64 KiB fit: most steps never grow), and
 * when it must grow, grows by at least half the memory it has, so that a
 * step that needs much memory copies it a few times, not once per 64 KiB.
 */
#include <stdint.h>
#include <unistd.h>

#define PAGE 65536u

extern unsigned char __heap_base;

static uintptr_t brk;

void *sbrk(intptr_t inc) {
	if (!brk)
		brk = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
	if (inc < 0) /* the memory cannot shrink */
		return (void *)-1;
	uintptr_t old = brk, end = old + (uintptr_t)inc;
	uintptr_t have = __builtin_wasm_memory_size(0) * PAGE;
	if (end < old)
		return (void *)-1;
	if (end > have) {
		uintptr_t need = (end - have + PAGE - 1) / PAGE, pages = have / PAGE;
		uintptr_t more = need > pages / 2 ? need : pages / 2;
		if (__builtin_wasm_memory_grow(0, more) == SIZE_MAX && __builtin_wasm_memory_grow(0, need) == SIZE_MAX)
			return (void *)-1; /* malloc fails (and xmalloc traps) */
	}
	brk = end;
	return (void *)old;
}
