package org.xenpv.abi.xs;

/**
 * Layout and limits of a XenStore message ({@code struct xsd_sockmsg}).
 *
 * <pre>
 *  0               4               8               12              16
 *  +---------------+---------------+---------------+---------------+----------------
 *  | type          | req_id        | tx_id         | len           | payload (len bytes)
 *  +---------------+---------------+---------------+---------------+----------------
 * </pre>
 *
 * All fields are 32-bit and in the host's byte order (little-endian on x86).
 * The payload is a sequence of NUL-terminated strings, except for values of
 * XS_WRITE and XS_READ replies, whose last field is not terminated.
 */
public final class XsWire {
    public static final int TYPE_OFFSET = 0;
    public static final int REQ_ID_OFFSET = 4;
    public static final int TX_ID_OFFSET = 8;
    public static final int LEN_OFFSET = 12;
    public static final int HEADER_SIZE = 16;

    /** Largest payload either end may send ({@code XENSTORE_PAYLOAD_MAX}). */
    public static final int PAYLOAD_MAX = 4096;
    /** Longest absolute path ({@code XENSTORE_ABS_PATH_MAX}). */
    public static final int ABS_PATH_MAX = 3072;
    /** Longest relative path ({@code XENSTORE_REL_PATH_MAX}). */
    public static final int REL_PATH_MAX = 2048;

    /** Index of the path in an XS_WATCH_EVENT payload ({@code XS_WATCH_PATH}). */
    public static final int WATCH_PATH = 0;
    /** Index of the token in an XS_WATCH_EVENT payload ({@code XS_WATCH_TOKEN}). */
    public static final int WATCH_TOKEN = 1;

    /** The transaction id meaning "no transaction". */
    public static final int NO_TRANSACTION = 0;

    /** Special watch path fired when a domain is introduced. */
    public static final String INTRODUCE_DOMAIN_WATCH = "@introduceDomain";
    /** Special watch path fired when a domain is released. */
    public static final String RELEASE_DOMAIN_WATCH = "@releaseDomain";

    /** Payload of a successful reply that carries no data. */
    public static final String OK = "OK";

    private XsWire() {
    }
}
