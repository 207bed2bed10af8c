package org.xenpv.abi.evtchn;

/** Event-channel operation numbers and limits. */
public final class EventChannelOps {
    public static final int EVTCHNOP_BIND_INTERDOMAIN = 0;
    public static final int EVTCHNOP_CLOSE = 3;
    public static final int EVTCHNOP_SEND = 4;
    public static final int EVTCHNOP_STATUS = 5;
    public static final int EVTCHNOP_ALLOC_UNBOUND = 6;
    public static final int EVTCHNOP_UNMASK = 9;

    /** Port 0 is never a valid event channel. */
    public static final int INVALID_PORT = 0;

    private EventChannelOps() {
    }
}
