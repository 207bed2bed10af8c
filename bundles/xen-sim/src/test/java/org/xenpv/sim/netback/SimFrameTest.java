package org.xenpv.sim.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A netback queue's frame pool: a frame comes back only once its last holder lets go. */
class SimFrameTest {
    @Test
    void aFrameIsReusedOnlyAfterItsLastHolderLetsGo() {
        SimFrame.Pool pool = new SimFrame.Pool();
        SimFrame first = pool.take(64);
        assertEquals(64, first.length());
        first.retain(); // a receiving queue holds it
        first.release(); // the sender is done
        SimFrame second = pool.take(64);
        assertNotSame(first, second, "a frame still held by a queue is not handed out again");
        first.release();
        second.release();
        SimFrame again = pool.take(1514);
        assertTrue(again == first || again == second, "a released frame is reused");
        assertEquals(1514, again.length());
        assertTrue(again.data().length >= 1514);
    }

    @Test
    void aBufferTooSmallForTheFrameIsNotReused() {
        SimFrame.Pool pool = new SimFrame.Pool();
        SimFrame small = pool.take(1514);
        small.release();
        SimFrame large = pool.take(9014);
        assertNotSame(small, large);
        assertTrue(large.data().length >= 9014);
        large.release();
        assertSame(large, pool.take(100), "the larger buffer serves a smaller frame");
    }

    @Test
    void aFrameLetGoOfLastByAnotherThreadComesBackThroughTheStack() throws Exception {
        SimFrame.Pool pool = new SimFrame.Pool();
        SimFrame frame = pool.take(64);
        frame.retain(); // a receiving queue on another thread
        frame.release();
        Thread other = new Thread(frame::release);
        other.start();
        other.join();
        assertSame(frame, pool.take(64), "the frame the other thread let go of is taken again");
        assertNotSame(frame, pool.take(64), "and only once");
    }

    @Test
    void aFrameWithoutAPoolIsExactlyItsBytes() {
        byte[] bytes = new byte[60];
        SimFrame frame = SimFrame.plain(bytes);
        frame.retain();
        frame.release();
        frame.release();
        assertSame(bytes, frame.data());
        assertEquals(60, frame.length());
    }
}
