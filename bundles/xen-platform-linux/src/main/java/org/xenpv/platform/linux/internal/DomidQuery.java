package org.xenpv.platform.linux.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.abi.xs.XsWire;
import org.xenpv.platform.spi.Errno;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;

/**
 * Asks XenStore for this guest's domain id: a read of the relative path
 * "domid", which XenStore resolves under the guest's own home directory. The
 * reply comes from another domain, so it is checked before it is believed.
 */
final class DomidQuery {
    static final String OPERATION = "XS_READ domid";
    private static final int REQUEST_ID = 0x78656e; // any value; the reply must echo it
    private static final int MAX_DOMID = 0x7fef;

    private DomidQuery() {
    }

    static int readDomid(XenbusPort port, String device) throws PortException {
        byte[] path = "domid\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer request = ByteBuffer.allocate(XsWire.HEADER_SIZE + path.length).order(ByteOrder.LITTLE_ENDIAN);
        request.putInt(XsWire.TYPE_OFFSET, XsMessageType.READ.code())
                .putInt(XsWire.REQ_ID_OFFSET, REQUEST_ID)
                .putInt(XsWire.TX_ID_OFFSET, XsWire.NO_TRANSACTION)
                .putInt(XsWire.LEN_OFFSET, path.length)
                .position(XsWire.HEADER_SIZE);
        request.put(path).flip();
        port.write(request);

        ByteBuffer header = readFully(port, XsWire.HEADER_SIZE, device);
        int type = header.getInt(XsWire.TYPE_OFFSET);
        int requestId = header.getInt(XsWire.REQ_ID_OFFSET);
        long length = Integer.toUnsignedLong(header.getInt(XsWire.LEN_OFFSET));
        if (length > XsWire.PAYLOAD_MAX) {
            throw malformed(device, "reply payload of " + length + " bytes exceeds " + XsWire.PAYLOAD_MAX);
        }
        String payload = StandardCharsets.US_ASCII.decode(readFully(port, (int) length, device)).toString();
        if (requestId != REQUEST_ID) {
            throw malformed(device, "reply to request " + requestId + ", expected " + REQUEST_ID);
        }
        if (type == XsMessageType.ERROR.code()) {
            String error = payload.endsWith("\0") ? payload.substring(0, payload.length() - 1) : payload;
            throw new PortException(device, OPERATION, errnoOf(error), error, "XenStore refused to read domid");
        }
        if (type != XsMessageType.READ.code()) {
            throw malformed(device, "reply of type " + type + " to a read");
        }
        try {
            int domid = Integer.parseInt(payload);
            if (domid < 0 || domid > MAX_DOMID) {
                throw malformed(device, "domid " + domid + " out of range 0.." + MAX_DOMID);
            }
            return domid;
        } catch (NumberFormatException e) {
            throw malformed(device, "domid is not a number: '" + payload + "'");
        }
    }

    private static int errnoOf(String name) {
        try {
            return Errno.valueOf(name).number();
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    private static ByteBuffer readFully(XenbusPort port, int length, String device) throws PortException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (port.read(buffer) < 0) {
                throw new PortException(device, OPERATION, Errno.EIO, "the channel closed before the reply was read");
            }
        }
        return buffer.flip();
    }

    private static PortException malformed(String device, String what) {
        return new PortException(device, OPERATION, Errno.EIO, "malformed XenStore reply: " + what);
    }
}
