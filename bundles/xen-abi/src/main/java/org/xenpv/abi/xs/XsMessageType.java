package org.xenpv.abi.xs;

/**
 * XenStore message types, with their wire codes ({@code enum xsd_sockmsg_type}).
 *
 * <p>Code 20 belonged to the removed XS_RESTRICT and is deliberately absent:
 * a peer that sends it gets the same answer as for any unknown type.
 */
public enum XsMessageType {
    CONTROL(0),
    DIRECTORY(1),
    READ(2),
    GET_PERMS(3),
    WATCH(4),
    UNWATCH(5),
    TRANSACTION_START(6),
    TRANSACTION_END(7),
    INTRODUCE(8),
    RELEASE(9),
    GET_DOMAIN_PATH(10),
    WRITE(11),
    MKDIR(12),
    RM(13),
    SET_PERMS(14),
    WATCH_EVENT(15),
    ERROR(16),
    IS_DOMAIN_INTRODUCED(17),
    RESUME(18),
    SET_TARGET(19),
    RESET_WATCHES(21),
    DIRECTORY_PART(22);

    /** One past the highest valid code ({@code XS_TYPE_COUNT}). */
    public static final int TYPE_COUNT = 23;
    /** A code guaranteed never to be a valid type ({@code XS_INVALID}). */
    public static final int INVALID = 0xffff;

    private static final XsMessageType[] BY_CODE = new XsMessageType[TYPE_COUNT];

    static {
        for (XsMessageType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    XsMessageType(int code) {
        this.code = code;
    }

    /** The value of the header's {@code type} field. */
    public int code() {
        return code;
    }

    /**
     * The type with this wire code, or {@code null} when the code names no type
     * (the caller decides how to answer a peer that sent it).
     */
    public static XsMessageType fromCode(long code) {
        if (code < 0 || code >= TYPE_COUNT) {
            return null;
        }
        return BY_CODE[(int) code];
    }
}
