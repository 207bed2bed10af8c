package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;
import org.xenpv.xenbus.XenBusDevice;

/**
 * A backend that keeps the guest's pages mapped after it closed (XSA-396): the device goes DOWN instead of
 * reconnecting with a new set, the pages stay accounted as held and are used for nothing, and they are let
 * go of once the backend unmaps them.
 */
class BackendHoldingPagesTest {
    private static final NetfrontConfig ONE_QUEUE = new NetfrontConfig(1, 256, 256, 5_000);
    /** What the held queue keeps: both rings and the RX pool, whose posted buffers the backend maps. */
    private static final int HELD_PAGES = 2 + 256;

    private SimWorld world;
    private SimWorld.Guest guest;
    private Nic nic;
    private SimNetback holding;

    @BeforeEach
    void aBackendThatKeepsThePagesOfItsLastConnection() throws Exception {
        world = new SimWorld();
        guest = world.guest(1, ONE_QUEUE);
        world.addVif(guest, NetbackFeatures.LINUX);
        nic = guest.awaitNic("vif-0");
        holding = world.toolstack.vif(1, 0).orElseThrow().backend();
        holding.holdPagesAfterClose();
        world.toolstack.restartBackend(1, 0, NetbackFeatures.LINUX).get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        SimWorld.waitFor("vif-0 broken", () -> nic.info().brokenReason().isPresent());
    }

    @AfterEach
    void cleanUp() throws Exception {
        holding.letGoOfPages();
        world.close();
        world.assertClean();
    }

    @Test
    void theDeviceGoesDownAndItsPagesStayHeldUntilTheBackendLetsGo() throws Exception {
        String reason = nic.info().brokenReason().orElseThrow();
        assertTrue(reason.contains("the backend still maps " + HELD_PAGES + " pages after it closed"), reason);
        assertEquals(NicState.DOWN, nic.state());
        assertTrue(holding.pagesHeld() > 2, "the backend maps both rings and posted buffers");
        assertEquals(HELD_PAGES, guest.grants().pagesHeld());
        assertEquals(HELD_PAGES, guest.grants().grantsOutstanding(), "held, and no new set granted");
        assertEquals(holding.pagesHeld(), guest.domain.grants().activeGrants(),
                "what the backend does not map ended; what it maps is still granted");

        holding.letGoOfPages();
        SimWorld.waitFor("the held pages let go of", () -> guest.grants().pagesHeld() == 0);
        assertEquals(0, guest.grants().grantsOutstanding(), "nothing granted since: the device did not reconnect");
        assertEquals(0, guest.domain.grants().activeGrants());
        assertEquals(NicState.DOWN, nic.state(), "a backend that held pages past its close is not trusted again");
    }

    @Test
    void theVifTakenOverByANewDriverGetsNoNewSetWhileTheOldOneIsHeld() throws Exception {
        XenBusDevice vif = guest.device("vif-0");
        guest.netfronts().remove(vif).get(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS);
        guest.netfronts().add(vif);
        SimWorld.waitFor("the new driver refuses to connect", () -> guest.netfronts().nics().stream()
                .anyMatch(n -> n.info().brokenReason().isPresent()));
        Nic again = guest.netfronts().nics().get(0);
        String reason = again.info().brokenReason().orElseThrow();
        assertTrue(reason.contains("still maps " + HELD_PAGES + " pages of an earlier connection"), reason);
        assertEquals(NicState.DOWN, again.state());
        assertEquals(HELD_PAGES, guest.grants().grantsOutstanding(), "no new set granted");

        holding.letGoOfPages();
        SimWorld.waitFor("the held pages let go of", () -> guest.grants().grantsOutstanding() == 0);
    }
}
