package org.xenpv.netfront.internal;

/**
 * Where a queue's rings and thread stand, as Linux's netback shows its
 * rings in debugfs: what to look at when a vif carries nothing.
 *
 * @param txResponseConsumer how far the backend's TX answers were taken (rsp_cons)
 * @param txSlotsAwaitingAnswers TX request slots holding a frame's page the backend has not answered
 * @param rxBuffersPosted RX buffers the backend can fill
 * @param passDue whether the queue's thread was woken and has not begun the pass it owes
 */
record QueueRingState(int txResponseConsumer, int txSlotsAwaitingAnswers, int rxBuffersPosted, boolean passDue) {
}
