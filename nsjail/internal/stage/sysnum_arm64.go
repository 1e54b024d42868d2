package stage

// sysSeccomp is seccomp(2)'s number on arm64 (include/uapi/asm-generic/unistd.h).
const sysSeccomp = 277
