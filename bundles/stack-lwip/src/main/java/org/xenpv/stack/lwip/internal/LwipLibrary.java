package org.xenpv.stack.lwip.internal;

import java.nio.ByteBuffer;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The functions of Debian's liblwip0 (lwIP 2.1 built with NO_SYS=0, core
 * locking, IPv4 and IPv6, and the sockets API under its lwip_ names) that
 * the stack calls. err_t is a signed byte; size_t and ssize_t are 64 bits
 * on the 64-bit Linux this runs on. Which of these need the core lock is
 * lwIP's rule: the netif and pbuf functions do (or run on its thread); the
 * sockets API and tcpip_input/tcpip_callback take it themselves.
 */
interface LwipLibrary extends Library {
    /** err_t (*)(struct netif *): lwIP calls it from netif_add to fill in the interface. */
    interface NetifInit extends Callback {
        byte invoke(Pointer netif);
    }

    /** err_t (*)(struct netif *, struct pbuf *): a frame for the link, called with the core lock held. */
    interface LinkOutput extends Callback {
        byte invoke(Pointer netif, Pointer pbuf);
    }

    /** void (*)(void *): runs on lwIP's thread. */
    interface TcpipCallback extends Callback {
        void invoke(Pointer context);
    }

    void tcpip_init(TcpipCallback initDone, Pointer arg);

    byte tcpip_callback(TcpipCallback function, Pointer context);

    void sys_lock_tcpip_core();

    void sys_unlock_tcpip_core();

    Pointer netif_add(Pointer netif, Pointer ipaddr, Pointer netmask, Pointer gateway, Pointer state,
            NetifInit init, Pointer input);

    void netif_remove(Pointer netif);

    void netif_set_up(Pointer netif);

    void netif_set_down(Pointer netif);

    void netif_set_link_up(Pointer netif);

    void netif_set_link_down(Pointer netif);

    void netif_create_ip6_linklocal_address(Pointer netif, byte fromMac48);

    byte tcpip_input(Pointer pbuf, Pointer netif);

    Pointer pbuf_alloc(int layer, short length, int type);

    byte pbuf_take(Pointer pbuf, Pointer data, short length);

    short pbuf_copy_partial(Pointer pbuf, Pointer out, short length, short offset);

    byte pbuf_free(Pointer pbuf);

    int lwip_socket(int domain, int type, int protocol);

    int lwip_bind(int socket, byte[] address, int length);

    int lwip_listen(int socket, int backlog);

    int lwip_accept(int socket, byte[] address, IntByReference length);

    int lwip_connect(int socket, byte[] address, int length);

    long lwip_recv(int socket, Pointer buffer, long length, int flags);

    long lwip_send(int socket, Pointer buffer, long length, int flags);

    long lwip_recvfrom(int socket, ByteBuffer buffer, long length, int flags, byte[] from, IntByReference fromLength);

    long lwip_sendto(int socket, ByteBuffer buffer, long length, int flags, byte[] to, int toLength);

    int lwip_shutdown(int socket, int how);

    int lwip_close(int socket);

    int lwip_setsockopt(int socket, int level, int name, byte[] value, int length);

    int lwip_getsockopt(int socket, int level, int name, byte[] value, IntByReference length);

    int lwip_fcntl(int socket, int command, int value);

    int lwip_poll(Pointer fds, long count, int timeoutMillis);

    int lwip_getsockname(int socket, byte[] address, IntByReference length);

    int lwip_getpeername(int socket, byte[] address, IntByReference length);
}
