// Package quota caps the disk space of a workspace's writable trees — its
// files, its persistent home and the jails' on-disk /tmp — with the
// kernel's own accounting, so one tenant cannot fill the host's disk.
//
// A [Volume] is an ext4 filesystem in a sparse image file of the quota's
// size, loop-mounted (loop(4)) at a directory the caller lays the
// workspace out in. A write past the quota fails with ENOSPC, inside a
// jail and on the host alike; the host's filesystem holds only the blocks
// the volume uses, and other volumes are untouched. [Volume.Usage]
// reports the bytes used against the limit. The runtime calls
// [Volume.Create] when a workspace with a disk quota is created,
// [Volume.Mount] before its runs (the mount does not survive a reboot),
// [Volume.Resize] when the quota changes and [Volume.Remove] when the
// workspace is deleted.
//
// # Requirements
//
// Root (CAP_SYS_ADMIN: loop devices and mounts), /dev/loop-control, and
// mkfs.ext4 from e2fsprogs. [Available] says which is missing; a caller
// asked for a quota where none can be had must refuse (fail closed).
//
// # Why an image, not project quotas
//
// ext4 and XFS project quotas would cap a directory tree in place, but
// only on a filesystem made or mounted for them (mkfs -O project,quota and
// the prjquota mount option; for XFS on the root filesystem, a kernel
// command line option), which few hosts have, and the kernel of the CI
// machine is built without quota formats (no CONFIG_QFMT_V2,
// CONFIG_XFS_QUOTA), so no test could run them. An image needs nothing of
// the host's filesystem. See docs/RATIONALE.md.
//
// # Notes
//
//   - Images are sparse: their quotas may add up to more than the host's
//     disk, which then fills first (ENOSPC inside too). Deleted files give
//     their blocks back to the host (the volume is mounted with discard,
//     which the loop driver turns into hole punching).
//   - A volume can grow while mounted; ext4 cannot shrink online, so
//     [Volume.Resize] refuses a smaller size ([ErrShrink]).
//   - The filesystem's own metadata (journal, inode tables) takes a few
//     percent of the image: [Usage] tells Limit (the image size) from
//     Capacity (what files can use).
package quota
