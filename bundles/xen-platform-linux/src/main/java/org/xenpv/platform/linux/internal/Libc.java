package org.xenpv.platform.linux.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/** The C library calls the provider makes; each failure carries errno. */
interface Libc extends Library {
    Libc INSTANCE = Native.load("c", Libc.class);

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int ioctl(int fd, NativeLong request, Pointer argument) throws LastErrorException;

    NativeLong read(int fd, Pointer buffer, NativeLong count) throws LastErrorException;

    NativeLong write(int fd, Pointer buffer, NativeLong count) throws LastErrorException;

    Pointer mmap(Pointer address, NativeLong length, int protection, int flags, int fd, NativeLong offset)
            throws LastErrorException;

    int munmap(Pointer address, NativeLong length) throws LastErrorException;

    int poll(Pointer fds, NativeLong count, int timeoutMillis) throws LastErrorException;

    int eventfd(int initialValue, int flags) throws LastErrorException;
}
