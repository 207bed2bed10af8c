/* dom0 side of the harness: maps one page a guest granted (through gntdev),
 * checks the pattern the probe wrote (byte i = i*13+7), unmaps it.
 * Usage: gntcheck <domid> <ref>; prints "GNTCHECK OK" or "GNTCHECK FAIL why". */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/gntdev.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gntcheck <domid> <ref>\n");
        return 2;
    }
    int fd = open("/dev/xen/gntdev", O_RDWR);
    if (fd < 0) {
        printf("GNTCHECK FAIL open /dev/xen/gntdev: %s\n", strerror(errno));
        return 1;
    }
    struct ioctl_gntdev_map_grant_ref map;
    memset(&map, 0, sizeof map);
    map.count = 1;
    map.refs[0].domid = (uint32_t)atoi(argv[1]);
    map.refs[0].ref = (uint32_t)atoi(argv[2]);
    if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &map) != 0) {
        printf("GNTCHECK FAIL map: %s\n", strerror(errno));
        return 1;
    }
    unsigned char *page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)map.index);
    if (page == MAP_FAILED) {
        printf("GNTCHECK FAIL mmap: %s\n", strerror(errno));
        return 1;
    }
    int bad = -1;
    for (int i = 0; i < 4096; i++) {
        if (page[i] != (unsigned char)(i * 13 + 7)) {
            bad = i;
            break;
        }
    }
    munmap(page, 4096);
    struct ioctl_gntdev_unmap_grant_ref unmap = { .index = map.index, .count = 1 };
    ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
    close(fd);
    if (bad >= 0) {
        printf("GNTCHECK FAIL byte %d differs\n", bad);
        return 1;
    }
    printf("GNTCHECK OK\n");
    return 0;
}
