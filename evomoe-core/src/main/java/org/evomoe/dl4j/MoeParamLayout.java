package org.evomoe.dl4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeLayer;
import org.evomoe.tensor.Parameter;

/**
 * Where each parameter of a {@link MoeFfnLayer} lies in the layer's slice of DL4J's flat
 * parameter (and gradient) array: the core layer's parameters in their stable order, each a
 * contiguous c-ordered block. Derived from the layer settings by building the core layer once.
 */
final class MoeParamLayout {
  /**
   * One parameter.
   *
   * @param key DL4J parameter key (the core name without the block prefix)
   * @param shape c-order shape
   * @param offset first element in the layer's flat slice
   * @param length elements
   * @param expert the expert it belongs to, or -1 for the router
   * @param bias whether it is a bias
   */
  record Slot(String key, long[] shape, long offset, long length, int expert, boolean bias) {}

  private final Map<String, Slot> slots; // insertion order = flat order
  private final long numParams;

  private MoeParamLayout(Map<String, Slot> slots, long numParams) {
    this.slots = Collections.unmodifiableMap(slots);
    this.numParams = numParams;
  }

  static MoeParamLayout of(MoeFfnLayer conf) {
    MoeLayer core = CoreMoe.build(conf, new SplittableRandom(0));
    String prefix = conf.getSpec().prefix();
    Map<String, Slot> slots = new LinkedHashMap<>();
    long offset = 0;
    for (Parameter p : core.parameters()) {
      String key = keyOf(prefix, p.name());
      long n = p.length();
      slots.put(key, new Slot(key, p.value().shape(), offset, n, expertOf(key), key.endsWith(".bias")));
      offset += n;
    }
    return new MoeParamLayout(slots, offset);
  }

  /**
   * The DL4J key of a core parameter name: the name without the spec's prefix (e.g. {@code mlp.}), underscores turned into
   * camel case ({@code experts.0.gate_proj.weight} -> {@code experts.0.gateProj.weight}), because
   * DL4J's updater splits gradient keys at their last underscore.
   */
  static String keyOf(String blockPrefix, String coreName) {
    String prefix = blockPrefix + ".";
    if (!coreName.startsWith(prefix)) {
      throw new IllegalStateException("core parameter " + coreName + " lacks the prefix " + prefix);
    }
    String rest = coreName.substring(prefix.length());
    StringBuilder key = new StringBuilder(rest.length());
    boolean upper = false;
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == '_') {
        upper = true;
      } else {
        key.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return key.toString();
  }

  private static int expertOf(String key) {
    if (!key.startsWith("experts.")) {
      return -1;
    }
    int end = key.indexOf('.', "experts.".length());
    return Integer.parseInt(key.substring("experts.".length(), end));
  }

  long numParams() {
    return numParams;
  }

  List<String> keys() {
    return new ArrayList<>(slots.keySet());
  }

  Iterable<Slot> slots() {
    return slots.values();
  }

  /**
   * @throws IllegalArgumentException for a key this layer does not have
   */
  Slot slot(String key) {
    Slot s = slots.get(key);
    if (s == null) {
      throw new IllegalArgumentException("the MoE layer has no parameter " + key + "; it has " + slots.keySet());
    }
    return s;
  }
}
