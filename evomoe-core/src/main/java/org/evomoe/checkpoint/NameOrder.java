package org.evomoe.checkpoint;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The order of tensor names in files and maps: by Unicode code point, which is the byte order of
 * their UTF-8 encodings (the order the reference safetensors implementation sorts by).
 */
final class NameOrder {
  static final Comparator<String> INSTANCE = NameOrder::compare;

  private NameOrder() {}

  /** An unmodifiable copy of {@code map} iterating in name order. */
  static <V> Map<String, V> sortedCopy(Map<String, V> map) {
    TreeMap<String, V> sorted = new TreeMap<>(INSTANCE);
    sorted.putAll(map);
    return Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
  }

  private static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }
}
