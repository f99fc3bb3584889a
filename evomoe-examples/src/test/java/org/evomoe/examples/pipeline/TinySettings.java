package org.evomoe.examples.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Quick demo settings shrunk to a model that builds and runs in well under a second. */
final class TinySettings {
  private TinySettings() {}

  static DemoSettings of(long seed) {
    ObjectMapper om = new ObjectMapper();
    ObjectNode n = om.valueToTree(DemoSettings.defaults(true).withSeed(seed));
    n.put("batchSize", 8);
    n.put("dModel", 16);
    n.put("layers", 2);
    n.put("heads", 2);
    n.put("kvHeads", 1);
    n.put("ffnHidden", 32);
    n.put("dVision", 16);
    n.put("validationSamples", 40);
    n.put("validationEvery", 2);
    try {
      return om.treeToValue(n, DemoSettings.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
