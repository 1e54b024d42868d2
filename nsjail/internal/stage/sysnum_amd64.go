package stage

// sysSeccomp is seccomp(2)'s number on amd64 (arch/x86/entry/syscalls/syscall_64.tbl).
const sysSeccomp = 317
