package org.xenpv.net;

/** Whether the link is up (HelenOS: cable state). */
public enum LinkState {
    UP, DOWN, UNKNOWN
}
