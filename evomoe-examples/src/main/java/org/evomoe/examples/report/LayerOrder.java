package org.evomoe.examples.report;

import java.util.Comparator;

/** Orders layer labels numerically when they are numbers ("2" before "10"), else by text. */
final class LayerOrder {
  private LayerOrder() {}

  static final Comparator<String> COMPARATOR = (a, b) -> {
    Long x = parse(a);
    Long y = parse(b);
    if (x != null && y != null) {
      return Long.compare(x, y);
    }
    if (x != null) {
      return -1;
    }
    if (y != null) {
      return 1;
    }
    return a.compareTo(b);
  };

  private static Long parse(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
