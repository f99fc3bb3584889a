package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingRecord;
import org.junit.jupiter.api.Test;

class RoutingCaptureTest {
  private static TinyModel model() {
    return new TinyModel(List.of(TinyModel.separatingMoe(2, 1, 1.0, 1),
            TinyModel.separatingMoe(3, 2, -1.0, 2)))
        .withSeparatingData(3);
  }

  @Test
  void observerGetsEveryForwardWithItsLayerIndexAndListenersAreRestored() {
    TinyModel m = model();
    List<RoutingRecord> userSeen = new ArrayList<>();
    Consumer<RoutingRecord> user = userSeen::add;
    m.layers.get(0).setRoutingListener(user);
    List<Integer> layers = new ArrayList<>();
    List<Integer> tokens = new ArrayList<>();
    RoutingCapture.run(m.layers, m::pass, (layer, r) -> {
      layers.add(layer);
      tokens.add(r.numTokens());
    });
    // 2 batches (4 and 7 tokens), each through layer 0 then layer 1.
    assertEquals(List.of(0, 1, 0, 1), layers);
    assertEquals(List.of(4, 4, 7, 7), tokens);
    assertEquals(2, userSeen.size(), "an existing listener keeps receiving its records");
    assertSame(user, m.layers.get(0).routingListener());
    assertNull(m.layers.get(1).routingListener());
  }

  @Test
  void listenersAreRestoredWhenThePassThrows() {
    TinyModel m = model();
    Consumer<RoutingRecord> user = r -> {};
    m.layers.get(1).setRoutingListener(user);
    RuntimeException boom = new RuntimeException("data error");
    RuntimeException e = assertThrows(RuntimeException.class, () ->
        RoutingCapture.run(m.layers, () -> {
          m.pass();
          throw boom;
        }, (l, r) -> {}));
    assertSame(boom, e);
    assertNull(m.layers.get(0).routingListener());
    assertSame(user, m.layers.get(1).routingListener());
    // And when an observer throws inside a forward.
    assertThrows(IllegalStateException.class, () ->
        RoutingCapture.run(m.layers, m::pass, (l, r) -> {
          throw new IllegalStateException("observer");
        }));
    assertNull(m.layers.get(0).routingListener());
    assertSame(user, m.layers.get(1).routingListener());
  }

  @Test
  void badModelsAreRejectedWithTheReason() {
    MoeLayer a = TinyModel.separatingMoe(2, 1, 1.0, 4);
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
        () -> RoutingCapture.run(List.of(a, a), () -> {}, (l, r) -> {}));
    assertTrue(dup.getMessage().contains("layer 1 appears twice"), dup.getMessage());
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> RoutingCapture.run(List.of(), () -> {}, (l, r) -> {}));
    assertTrue(empty.getMessage().contains("at least one"), empty.getMessage());
  }

  @Test
  void oneDataPassFeedsSeveralCollectors() {
    TinyModel m = model();
    ModalityShares.Collector shares = ModalityShares.collector(m.layers);
    RoutingEntropy.Collector entropy = RoutingEntropy.collector(m.layers, 0.0);
    RoutingCapture.run(m.layers, m::pass, RoutingObserver.all(shares, entropy));
    ModalityShares separate = ModalityShares.measure(m.layers, m::pass);
    assertEquals(separate.toJson(), shares.result().toJson());
    assertEquals(RoutingEntropy.measure(m.layers, m::pass).toJson(), entropy.result().toJson());
  }
}
