package org.xenpv.abi.xs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class XsConstantsTest {

    @Test
    void unknownCodesNameNoType() {
        assertEquals(XsMessageType.DIRECTORY_PART, XsMessageType.fromCode(22));
        assertNull(XsMessageType.fromCode(20), "XS_RESTRICT was removed");
        assertNull(XsMessageType.fromCode(23));
        assertNull(XsMessageType.fromCode(-1));
        assertNull(XsMessageType.fromCode(0xffff_ffffL));
    }

    @Test
    void errorsAndStatesParse() {
        assertEquals(XsError.EAGAIN, XsError.fromName("EAGAIN"));
        assertNull(XsError.fromName("EWHATEVER"));
        assertEquals(XenbusState.CONNECTED, XenbusState.fromCode(4));
        assertNull(XenbusState.fromCode(9));
    }
}
