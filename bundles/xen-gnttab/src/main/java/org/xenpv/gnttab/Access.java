package org.xenpv.gnttab;

/** What the domain a page is granted to may do with it. */
public enum Access {
    READ_ONLY, WRITABLE
}
