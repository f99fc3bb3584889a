package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The file of {@code evomoe train --config}, bound strictly ({@link StrictJson}).
 *
 * @param quick start from the quick (true) or the full (false, default) demo settings
 * @param arms the arms to train after Stage I, any of the pipeline's arms; null: all; empty: stop
 *     after Stage I
 * @param settings demo settings fields overriding the defaults (null: none)
 */
record TrainConfig(Boolean quick, List<String> arms, ObjectNode settings) {
  TrainConfig {
    if (arms != null) {
      for (String a : arms) {
        if (a == null) {
          throw new IllegalArgumentException("field arms must hold strings, found null");
        }
      }
      if (arms.size() != arms.stream().distinct().count()) {
        throw new IllegalArgumentException("field arms lists an arm twice: " + arms);
      }
      arms = List.copyOf(arms);
    }
  }

  boolean isQuick() {
    return quick != null && quick;
  }
}
