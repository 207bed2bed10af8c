package org.xenpv.stack.lwip.internal;

/** The errno values lwIP's sockets report (glibc's numbering), by name for messages. */
final class Errno {
    static final int ECONNREFUSED = 111;
    static final int EHOSTUNREACH = 113;
    static final int ENETUNREACH = 101;

    private Errno() {
    }

    static String describe(int errno) {
        String name = switch (errno) {
            case 1 -> "EPERM";
            case 5 -> "EIO";
            case 9 -> "EBADF";
            case 11 -> "EWOULDBLOCK";
            case 12 -> "ENOMEM";
            case 14 -> "EFAULT";
            case 19 -> "ENODEV";
            case 22 -> "EINVAL";
            case 23 -> "ENFILE";
            case 32 -> "EPIPE";
            case 95 -> "EOPNOTSUPP";
            case 97 -> "EAFNOSUPPORT";
            case 98 -> "EADDRINUSE";
            case 99 -> "EADDRNOTAVAIL";
            case 101 -> "ENETUNREACH";
            case 103 -> "ECONNABORTED";
            case 104 -> "ECONNRESET";
            case 105 -> "ENOBUFS";
            case 106 -> "EISCONN";
            case 107 -> "ENOTCONN";
            case 110 -> "ETIMEDOUT";
            case 111 -> "ECONNREFUSED";
            case 113 -> "EHOSTUNREACH";
            case 114 -> "EALREADY";
            case 115 -> "EINPROGRESS";
            default -> "errno";
        };
        return name + " (" + errno + ")";
    }
}
