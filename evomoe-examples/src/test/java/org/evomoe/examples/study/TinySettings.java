package org.evomoe.examples.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.evomoe.examples.pipeline.DemoSettings;

/** Settings small enough for a unit test: a few steps per stage on a tiny model. */
final class TinySettings {
  private TinySettings() {}

  static DemoSettings of(Path out, int seeds) {
    ObjectMapper om = new ObjectMapper();
    ObjectNode n = om.valueToTree(DemoSettings.defaults(true));
    n.put("alignSteps", 2);
    n.put("stage1Steps", 4);
    n.put("stage2Steps", 3);
    n.put("stage3Steps", 3);
    n.put("batchSize", 8);
    n.put("evalSamples", 24);
    n.put("diagnosticSamples", 12);
    n.put("dModel", 32);
    n.put("ffnHidden", 64);
    n.put("dVision", 16);
    n.put("seeds", seeds);
    n.put("validationSamples", 16);
    n.put("validationEvery", 1);
    n.put("out", out.toString());
    try {
      return om.treeToValue(n, DemoSettings.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
